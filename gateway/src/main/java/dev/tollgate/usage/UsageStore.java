package dev.tollgate.usage;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Durable storage of usage events. Inserts are idempotent by event id, so a batch that is
 * replayed from the spool after a partial failure is never counted twice.
 */
public interface UsageStore {

    Mono<Void> insert(List<UsageEvent> batch);

    /** Cheap round trip to tell whether the store is reachable. */
    Mono<Void> ping();

    /** Housekeeping the store needs ahead of time (e.g. next month's partition). */
    default Mono<Void> maintain() {
        return Mono.empty();
    }

    String describe();

    /** Calls with a known, non-zero cost since {@code from}, oldest first: what budgets are rebuilt from. */
    Flux<SpendRow> spendSince(Instant from);

    /** The columns of a usage event that budgets match on, and its cost. */
    record SpendRow(Instant createdAt, String team, String project, String keyName, String endUser, String model,
            String feature, Map<String, String> metadata, BigDecimal costUsd) {}
}
