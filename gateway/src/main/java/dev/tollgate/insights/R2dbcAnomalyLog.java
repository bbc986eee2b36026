package dev.tollgate.insights;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Row;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@link AnomalyLog} over {@code alert_events}. */
public class R2dbcAnomalyLog implements AnomalyLog {

    private final ConnectionFactory connections;

    public R2dbcAnomalyLog(ConnectionFactory connections) {
        this.connections = connections;
    }

    @Override
    public Mono<Boolean> recordNew(Anomaly a, Instant at) {
        UUID id = AnomalyLog.id(a);
        // Check, then insert: a second replica racing between the two fails on the primary key
        // and is read as "recorded before", so the anomaly is still delivered once.
        return Mono.usingWhen(connections.create(),
                c -> Flux.from(c.createStatement("SELECT COUNT(*) AS n FROM alert_events WHERE id = $1").bind(0, id).execute())
                        .concatMap(r -> r.map((row, m) -> ((Number) row.get("n")).longValue())).next()
                        .flatMap(n -> n > 0 ? Mono.just(false) : Flux.from(c.createStatement("INSERT INTO alert_events (id, created_at, "
                                        + "kind, budget, instance, period, threshold_percent, spent_usd, amount_usd, hard, message, severity, "
                                        + "subject) VALUES ($1, $2, $3, NULL, $4, $5, 0, $6, $7, false, $8, $9, $4)")
                                .bind(0, id).bind(1, OffsetDateTime.ofInstant(at, ZoneOffset.UTC)).bind(2, a.kind())
                                .bind(3, a.subject()).bind(4, a.hour().toString()).bind(5, a.value()).bind(6, a.baseline())
                                .bind(7, a.message()).bind(8, a.severity()).execute())
                                .concatMap(r -> r.getRowsUpdated()).then(Mono.just(true))
                                .onErrorResume(e -> Mono.just(false))),
                Connection::close);
    }

    @Override
    public Mono<Void> deliveries(UUID id, String deliveries) {
        return Mono.usingWhen(connections.create(),
                c -> Flux.from(c.createStatement("UPDATE alert_events SET deliveries = $2 WHERE id = $1").bind(0, id)
                        .bind(1, deliveries).execute()).concatMap(r -> r.getRowsUpdated()).then(),
                Connection::close);
    }

    @Override
    public Mono<List<Alert>> recent(int limit, boolean unacknowledgedOnly) {
        String sql = "SELECT * FROM alert_events" + (unacknowledgedOnly ? " WHERE acknowledged_at IS NULL" : "")
                + " ORDER BY created_at DESC LIMIT " + limit;
        return Flux.usingWhen(connections.create(),
                c -> Flux.from(c.createStatement(sql).execute()).concatMap(r -> r.map((row, m) -> read(row))),
                Connection::close).collectList();
    }

    @Override
    public Mono<Boolean> acknowledge(UUID id, String by, Instant at) {
        return Mono.usingWhen(connections.create(),
                c -> Flux.from(c.createStatement("UPDATE alert_events SET acknowledged_at = $2, acknowledged_by = $3 "
                                + "WHERE id = $1 AND acknowledged_at IS NULL")
                        .bind(0, id).bind(1, OffsetDateTime.ofInstant(at, ZoneOffset.UTC)).bind(2, by).execute())
                        .concatMap(r -> r.getRowsUpdated()).reduce(0L, Long::sum).map(n -> n > 0),
                Connection::close);
    }

    private static Alert read(Row row) {
        OffsetDateTime ack = row.get("acknowledged_at", OffsetDateTime.class);
        Object threshold = row.get("threshold_percent");
        String kind = row.get("kind", String.class);
        String severity = row.get("severity", String.class);
        return new Alert(row.get("id", UUID.class).toString(), row.get("created_at", OffsetDateTime.class).toInstant().toString(),
                kind, severity != null ? severity : "warning", row.get("subject", String.class), row.get("budget", String.class),
                row.get("instance", String.class), row.get("period", String.class),
                threshold == null ? null : ((Number) threshold).intValue(), row.get("message", String.class),
                row.get("deliveries", String.class), ack == null ? null : ack.toInstant().toString(),
                row.get("acknowledged_by", String.class));
    }

}
