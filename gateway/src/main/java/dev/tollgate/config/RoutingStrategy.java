package dev.tollgate.config;

import java.time.Duration;
import java.util.Locale;

/**
 * How a model orders its own deployments for a call ({@code strategy:} of a model). The fallback
 * executor then walks that order, skipping deployments whose circuit is open, that are cooling
 * down after a 429 or that are at their configured provider limits.
 *
 * @param window {@code latency} only: how far back the recent latencies look
 * @param exploration {@code latency} only: the share of calls (0..1) that try the deployments in
 *     random order, so a deployment that was slow is measured again once it recovered
 */
public record RoutingStrategy(Kind kind, Duration window, double exploration) {

    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);
    public static final double DEFAULT_EXPLORATION = 0.05;
    public static final RoutingStrategy WEIGHTED = new RoutingStrategy(Kind.WEIGHTED, DEFAULT_WINDOW, DEFAULT_EXPLORATION);

    public enum Kind {
        /** Weighted random choice; weight 0 = backup only, tried last. */
        WEIGHTED,
        /** The order the deployments are listed in: free tier first, then cheap, then paid. */
        PRIORITY,
        /** The cheapest estimated cost of this request first; unpriced deployments last. */
        COST,
        /** The lowest recent latency first. */
        LATENCY,
        /** The fewest calls in flight (on this replica) first. */
        LEAST_BUSY;

        /** As written in the config: {@code weighted}, {@code least-busy}, .... */
        public String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static Kind of(String id) {
            for (Kind k : values()) {
                if (k.id().equals(id)) {
                    return k;
                }
            }
            return null;
        }
    }

    public static RoutingStrategy of(Kind kind) {
        return new RoutingStrategy(kind, DEFAULT_WINDOW, DEFAULT_EXPLORATION);
    }
}
