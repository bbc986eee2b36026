package dev.tollgate.config;

import java.time.Instant;
import java.util.List;

/**
 * An A/B experiment: the calls to {@code model} (a model, or a routing alias) are split between
 * {@code variants} by weight. Which variant a call gets is decided by a hash of its {@code unit}
 * (the end user, the key, or the request) and the experiment's name, so the same user gets the same
 * variant on every replica and after restarts. Optionally limited to one team, one feature and a
 * time window.
 *
 * @param minCalls calls a variant needs before the readout compares it (below: "not enough data yet")
 */
public record Experiment(String name, String model, Unit unit, List<Variant> variants, String team, String feature,
        Instant start, Instant end, int minCalls) {

    public static final int DEFAULT_MIN_CALLS = 100;

    public enum Unit { USER, KEY, REQUEST }

    /**
     * One arm. {@code model}: the model (or alias) its calls go to, null for the experiment's own;
     * {@code strategy}: the routing strategy its calls use, null for the model's own.
     */
    public record Variant(String name, int weight, String model, RoutingStrategy strategy) {}

    /** Whether the experiment runs at {@code now}. */
    public boolean activeAt(Instant now) {
        return (start == null || !now.isBefore(start)) && (end == null || now.isBefore(end));
    }
}
