package dev.tollgate.routing;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A deployment that answered 429 is left alone for its {@code retry-after}: the next calls go
 * straight to the next deployment instead of collecting the same 429. Per replica; it outlives
 * config reloads like the circuit breaker.
 */
public final class Cooldown {

    /** Assumed when a provider says 429 without saying for how long. */
    static final Duration DEFAULT = Duration.ofSeconds(1);
    /** Longest honoured: a provider asking for an hour must not take a deployment out that long. */
    static final Duration MAX = Duration.ofMinutes(5);

    private final AtomicLong untilMillis = new AtomicLong();

    public void coolFor(Duration retryAfter) {
        Duration d = retryAfter == null ? DEFAULT : retryAfter.compareTo(MAX) > 0 ? MAX : retryAfter;
        long until = System.currentTimeMillis() + d.toMillis();
        untilMillis.accumulateAndGet(until, Math::max);
    }

    /** Milliseconds left, 0 when the deployment may be called. */
    public long remainingMillis() {
        return Math.max(0, untilMillis.get() - System.currentTimeMillis());
    }
}
