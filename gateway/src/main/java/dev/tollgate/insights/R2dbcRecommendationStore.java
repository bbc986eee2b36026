package dev.tollgate.insights;

import dev.tollgate.support.Json;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Row;
import io.r2dbc.spi.Statement;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code recommendations} in the usage store's database. */
public class R2dbcRecommendationStore implements RecommendationStore {

    private final ConnectionFactory connections;

    public R2dbcRecommendationStore(ConnectionFactory connections) {
        this.connections = connections;
    }

    @Override
    public Mono<Void> replace(List<Recommendation> found) {
        Set<String> ids = new HashSet<>();
        found.forEach(r -> ids.add(r.id()));
        return Mono.usingWhen(connections.create(), c -> Mono.from(c.beginTransaction())
                        .thenMany(Flux.fromIterable(found).concatMap(r -> update(c, r)
                                .flatMap(n -> n > 0 ? Mono.just(n) : insert(c, r))))
                        .thenMany(Flux.from(c.createStatement("SELECT id FROM recommendations WHERE status = 'open'").execute())
                                .concatMap(res -> res.map((row, m) -> row.get("id", String.class))))
                        .filter(id -> !ids.contains(id))
                        .concatMap(id -> Flux.from(c.createStatement("DELETE FROM recommendations WHERE id = $1").bind(0, id).execute())
                                .concatMap(res -> res.getRowsUpdated()))
                        .then(Mono.from(c.commitTransaction())),
                Connection::close,
                (c, e) -> Mono.from(c.rollbackTransaction()).onErrorResume(x -> Mono.empty()).then(Mono.from(c.close())),
                Connection::close);
    }

    private Mono<Long> update(Connection c, Recommendation r) {
        Statement s = c.createStatement("UPDATE recommendations SET priority = $2, title = $3, description = $4, evidence = $5, "
                + "affected_calls = $6, monthly_savings_usd = $7, window_start = $8, window_end = $9, computed_at = $10 WHERE id = $1");
        bindCommon(s, r);
        return Flux.from(s.execute()).concatMap(res -> res.getRowsUpdated()).reduce(0L, Long::sum);
    }

    private Mono<Long> insert(Connection c, Recommendation r) {
        Statement s = c.createStatement("INSERT INTO recommendations (id, priority, title, description, evidence, affected_calls, "
                + "monthly_savings_usd, window_start, window_end, computed_at, kind, subject, status) "
                + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open')");
        bindCommon(s, r);
        s.bind(10, r.kind()).bind(11, r.subject());
        return Flux.from(s.execute()).concatMap(res -> res.getRowsUpdated()).reduce(0L, Long::sum);
    }

    private static void bindCommon(Statement s, Recommendation r) {
        s.bind(0, r.id()).bind(1, r.priority()).bind(2, r.title()).bind(3, r.description())
                .bind(4, Json.MAPPER.writeValueAsString(r.evidence())).bind(5, r.affectedCalls()).bind(6, r.monthlySavingsUsd())
                .bind(7, time(r.windowStart())).bind(8, time(r.windowEnd())).bind(9, time(r.computedAt()));
    }

    @Override
    public Mono<List<Recommendation>> list(String status) {
        String sql = "SELECT * FROM recommendations" + (status == null ? "" : " WHERE status = $1") + " ORDER BY monthly_savings_usd DESC, id";
        return Flux.usingWhen(connections.create(), c -> {
            Statement s = c.createStatement(sql);
            if (status != null) {
                s.bind(0, status);
            }
            return Flux.from(s.execute()).concatMap(res -> res.map((row, m) -> read(row)));
        }, Connection::close).collectList();
    }

    @Override
    public Mono<Boolean> setStatus(String id, String status, String by, Instant at) {
        return Mono.usingWhen(connections.create(),
                c -> Flux.from(c.createStatement("UPDATE recommendations SET status = $2, status_changed_by = $3, status_changed_at = $4 "
                                + "WHERE id = $1").bind(0, id).bind(1, status).bind(2, by).bind(3, time(at)).execute())
                        .concatMap(res -> res.getRowsUpdated()).reduce(0L, Long::sum).map(n -> n > 0),
                Connection::close);
    }

    @SuppressWarnings("unchecked")
    private static Recommendation read(Row row) {
        OffsetDateTime changed = row.get("status_changed_at", OffsetDateTime.class);
        return new Recommendation(row.get("id", String.class), row.get("kind", String.class), row.get("subject", String.class),
                row.get("priority", String.class), row.get("title", String.class), row.get("description", String.class),
                Json.MAPPER.readValue(row.get("evidence", String.class), Map.class), ((Number) row.get("affected_calls")).longValue(),
                row.get("monthly_savings_usd", BigDecimal.class), row.get("window_start", OffsetDateTime.class).toInstant(),
                row.get("window_end", OffsetDateTime.class).toInstant(), row.get("computed_at", OffsetDateTime.class).toInstant(),
                row.get("status", String.class), changed == null ? null : changed.toInstant(), row.get("status_changed_by", String.class));
    }

    private static OffsetDateTime time(Instant t) {
        return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
    }
}
