package dev.tollgate.usage;

import java.util.List;
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
}
