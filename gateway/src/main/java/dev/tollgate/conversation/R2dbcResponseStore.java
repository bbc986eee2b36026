package dev.tollgate.conversation;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code stored_responses} in the usage store's database (PostgreSQL or the embedded H2). */
public class R2dbcResponseStore implements ResponseStore {

    private final ConnectionFactory connections;

    public R2dbcResponseStore(ConnectionFactory connections) {
        this.connections = connections;
    }

    @Override
    public Mono<Void> save(Stored s) {
        return Mono.usingWhen(connections.create(),
                c -> Flux.from(c.createStatement("INSERT INTO stored_responses (id, owner, created_at, response, input_items, "
                                + "conversation) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(0, s.id()).bind(1, s.owner()).bind(2, OffsetDateTime.ofInstant(s.createdAt(), ZoneOffset.UTC))
                        .bind(3, s.response()).bind(4, s.inputItems()).bind(5, s.conversation())
                        .execute()).concatMap(r -> r.getRowsUpdated()).then(),
                Connection::close);
    }

    @Override
    public Mono<Stored> find(String owner, String id) {
        return Mono.usingWhen(connections.create(),
                c -> Flux.from(c.createStatement("SELECT created_at, response, input_items, conversation FROM stored_responses "
                                + "WHERE id = $1 AND owner = $2")
                        .bind(0, id).bind(1, owner).execute())
                        .concatMap(r -> r.map((row, meta) -> new Stored(id, owner, row.get(0, OffsetDateTime.class).toInstant(),
                                row.get(1, String.class), row.get(2, String.class), row.get(3, String.class))))
                        .next(),
                Connection::close);
    }

    @Override
    public Mono<Boolean> delete(String owner, String id) {
        return Mono.usingWhen(connections.create(),
                c -> Flux.from(c.createStatement("DELETE FROM stored_responses WHERE id = $1 AND owner = $2")
                        .bind(0, id).bind(1, owner).execute()).concatMap(r -> r.getRowsUpdated())
                        .reduce(0L, Long::sum).map(n -> n > 0),
                Connection::close);
    }

    @Override
    public Mono<Long> deleteCreatedBefore(Instant cutoff) {
        return Mono.usingWhen(connections.create(),
                c -> Flux.from(c.createStatement("DELETE FROM stored_responses WHERE created_at < $1")
                        .bind(0, OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC)).execute()).concatMap(r -> r.getRowsUpdated())
                        .reduce(0L, Long::sum),
                Connection::close);
    }
}
