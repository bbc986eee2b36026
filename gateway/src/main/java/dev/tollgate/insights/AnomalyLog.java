package dev.tollgate.insights;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import reactor.core.publisher.Mono;

/** Anomalies in {@code alert_events} (next to budget alerts), once per kind, subject and hour, and their acknowledgement. */
public interface AnomalyLog {

    /** The alert's id, derived from kind, subject and hour: the same anomaly seen twice is one alert. */
    static UUID id(Anomaly a) {
        return UUID.nameUUIDFromBytes((a.kind() + "|" + a.subject() + "|" + a.hour()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** False when this anomaly was recorded before (by this or another replica): it is not sent again. */
    Mono<Boolean> recordNew(Anomaly a, Instant at);

    Mono<Void> deliveries(UUID id, String deliveries);

    Mono<List<Alert>> recent(int limit, boolean unacknowledgedOnly);

    /** False when there is no such alert or it was acknowledged already. */
    Mono<Boolean> acknowledge(UUID id, String by, Instant at);

    /** An alert as listed: budget alerts and anomalies alike. */
    record Alert(String id, String created_at, String kind, String severity, String subject, String budget, String instance,
            String period, Integer threshold_percent, String message, String deliveries, String acknowledged_at,
            String acknowledged_by) {}
}
