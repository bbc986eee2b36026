package dev.tollgate.alerts;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code alert_events} in the usage store's database (PostgreSQL or the embedded H2). */
public class R2dbcAlertLog implements AlertLog {

    private final ConnectionFactory connections;

    public R2dbcAlertLog(ConnectionFactory connections) {
        this.connections = connections;
    }

    @Override
    public Mono<Void> record(AlertEvent e, String deliveries) {
        return Mono.usingWhen(connections.create(),
                c -> Flux.from(c.createStatement("INSERT INTO alert_events (id, created_at, kind, budget, instance, period, "
                                        + "threshold_percent, spent_usd, amount_usd, hard, message, deliveries) "
                                        + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
                                .bind(0, e.id()).bind(1, OffsetDateTime.ofInstant(e.createdAt(), ZoneOffset.UTC))
                                .bind(2, e.kind()).bind(3, e.budget()).bind(4, e.instance()).bind(5, e.period())
                                .bind(6, e.thresholdPercent()).bind(7, e.spentUsd()).bind(8, e.amountUsd())
                                .bind(9, e.hard()).bind(10, e.message()).bind(11, deliveries)
                                .execute())
                        .concatMap(r -> r.getRowsUpdated()).then(),
                Connection::close);
    }
}
