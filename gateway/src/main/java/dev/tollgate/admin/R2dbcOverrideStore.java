package dev.tollgate.admin;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@link OverrideStore} in the usage store's database (PostgreSQL, or the embedded H2). */
public class R2dbcOverrideStore implements OverrideStore {

    private final ConnectionFactory connections;

    public R2dbcOverrideStore(ConnectionFactory connections) {
        this.connections = connections;
    }

    @Override
    public Flux<StoredOverride> all() {
        return Flux.usingWhen(connections.create(),
                c -> Flux.from(c.createStatement("SELECT kind, target, definition, updated_at, updated_by FROM runtime_overrides"
                        + " ORDER BY kind, target").execute())
                        .concatMap(result -> result.map(r -> new StoredOverride(r.get("kind", String.class), r.get("target", String.class),
                                r.get("definition", String.class), r.get("updated_at", OffsetDateTime.class).toInstant(),
                                r.get("updated_by", String.class)))),
                Connection::close);
    }

    @Override
    public Mono<Void> put(StoredOverride o) {
        OffsetDateTime at = OffsetDateTime.ofInstant(o.updatedAt(), ZoneOffset.UTC);
        Mono<Long> update = update("UPDATE runtime_overrides SET definition = $1, updated_at = $2, updated_by = $3"
                + " WHERE kind = $4 AND target = $5",
                s -> s.bind(0, o.definition()).bind(1, at).bind(2, o.updatedBy()).bind(3, o.kind()).bind(4, o.target()));
        Mono<Long> insert = update("INSERT INTO runtime_overrides (kind, target, definition, updated_at, updated_by)"
                + " VALUES ($1, $2, $3, $4, $5)",
                s -> s.bind(0, o.kind()).bind(1, o.target()).bind(2, o.definition()).bind(3, at).bind(4, o.updatedBy()));
        // Two replicas inserting the same target at once: the loser's insert fails on the key and
        // its update then lands (last writer wins, as for any other change).
        return update.flatMap(n -> n > 0 ? Mono.empty()
                : insert.onErrorResume(io.r2dbc.spi.R2dbcDataIntegrityViolationException.class, e -> update)).then();
    }

    @Override
    public Mono<Boolean> delete(String kind, String target) {
        return update("DELETE FROM runtime_overrides WHERE kind = $1 AND target = $2", s -> s.bind(0, kind).bind(1, target))
                .map(n -> n > 0);
    }

    private Mono<Long> update(String sql, Function<Statement, Statement> bind) {
        return Mono.usingWhen(connections.create(),
                c -> Flux.from(bind.apply(c.createStatement(sql)).execute()).concatMap(r -> r.getRowsUpdated()).reduce(0L, Long::sum),
                Connection::close);
    }
}
