package dev.tollgate.experiment;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Statement;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The experiment tables, and the usage events, in the usage store's database (PostgreSQL, or the embedded H2). */
public class R2dbcExperimentStore implements ExperimentStore {

    private final ConnectionFactory connections;

    public R2dbcExperimentStore(ConnectionFactory connections) {
        this.connections = connections;
    }

    @Override
    public Flux<StoredExperiment> experiments() {
        return query("SELECT name, definition, updated_at FROM experiments ORDER BY name", s -> s,
                r -> new StoredExperiment(r.get("name", String.class), r.get("definition", String.class),
                        r.get("updated_at", OffsetDateTime.class).toInstant()));
    }

    @Override
    public Mono<Void> upsertExperiment(String name, String definition, Instant at) {
        OffsetDateTime when = OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
        return update("UPDATE experiments SET definition = $1, updated_at = $2 WHERE name = $3",
                        s -> s.bind(0, definition).bind(1, when).bind(2, name))
                .flatMap(n -> n == 1 ? Mono.empty()
                        : update("INSERT INTO experiments (name, definition, created_at, updated_at) VALUES ($1, $2, $3, $3)",
                                s -> s.bind(0, name).bind(1, definition).bind(2, when)).then());
    }

    @Override
    public Mono<Boolean> deleteExperiment(String name) {
        return update("DELETE FROM experiments WHERE name = $1", s -> s.bind(0, name)).map(n -> n == 1);
    }

    @Override
    public Mono<CallOwner> call(String requestId) {
        return query("SELECT request_id, key_name, team FROM usage_events WHERE request_id = $1", s -> s.bind(0, requestId),
                r -> new CallOwner(r.get("request_id", String.class), r.get("key_name", String.class), r.get("team", String.class)))
                .next();
    }

    @Override
    public Mono<Void> rate(Feedback f) {
        OffsetDateTime when = OffsetDateTime.ofInstant(f.at(), ZoneOffset.UTC);
        return update("UPDATE call_feedback SET rating = $1, comment = $2, key_name = $3, created_at = $4 WHERE request_id = $5", s -> {
            s.bind(0, f.rating());
            text(s, 1, f.comment());
            return s.bind(2, f.keyName()).bind(3, when).bind(4, f.requestId());
        }).flatMap(n -> n == 1 ? Mono.empty()
                : update("INSERT INTO call_feedback (request_id, rating, comment, key_name, tenant, created_at) VALUES ($1, $2, $3, $4, $5, $6)", s -> {
                    s.bind(0, f.requestId()).bind(1, f.rating());
                    text(s, 2, f.comment());
                    return s.bind(3, f.keyName()).bind(4, f.tenant()).bind(5, when);
                }).then());
    }

    @Override
    public Flux<Observation> observations(String experiment, Instant from) {
        return query("SELECT u.variant, u.cost_usd, u.latency_ms, u.ttft_ms, u.status, f.rating FROM usage_events u "
                        + "LEFT JOIN call_feedback f ON f.request_id = u.request_id "
                        + "WHERE u.experiment = $1 AND u.created_at >= $2",
                s -> s.bind(0, experiment).bind(1, OffsetDateTime.ofInstant(from, ZoneOffset.UTC)),
                r -> new Observation(r.get("variant", String.class), r.get("cost_usd", BigDecimal.class),
                        r.get("latency_ms", Integer.class), r.get("ttft_ms", Integer.class), r.get("status", Integer.class),
                        r.get("rating", BigDecimal.class)));
    }

    private <T> Flux<T> query(String sql, Function<Statement, Statement> bind, Function<Readable, T> map) {
        return Flux.usingWhen(connections.create(),
                c -> Flux.from(bind.apply(c.createStatement(sql)).execute()).concatMap(result -> result.map(map::apply)),
                Connection::close);
    }

    private Mono<Long> update(String sql, Function<Statement, Statement> bind) {
        return Mono.usingWhen(connections.create(),
                c -> Flux.from(bind.apply(c.createStatement(sql)).execute()).concatMap(r -> r.getRowsUpdated()).reduce(0L, Long::sum),
                Connection::close);
    }

    private static void text(Statement s, int index, String value) {
        if (value == null) {
            s.bindNull(index, String.class);
        } else {
            s.bind(index, value);
        }
    }
}
