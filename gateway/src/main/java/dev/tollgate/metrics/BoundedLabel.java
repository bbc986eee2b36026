package dev.tollgate.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A label whose distinct values are capped: the first {@code limit} values seen are kept, every
 * later one is reported as {@value #OTHER}. Teams come from admin-created keys, so without a cap
 * a script creating keys could grow the registry (and every Prometheus scrape) without bound.
 */
public final class BoundedLabel {

    public static final String OTHER = "other";
    public static final String NONE = "none";

    private final int limit;
    private final Set<String> kept = ConcurrentHashMap.newKeySet();

    public BoundedLabel(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1: " + limit);
        }
        this.limit = limit;
    }

    /** {@code value} if it is one of the kept values or there is still room, else {@value #OTHER}; null is {@value #NONE}. */
    public String value(String value) {
        if (value == null) {
            return NONE;
        }
        if (kept.contains(value)) {
            return value;
        }
        synchronized (kept) {
            if (kept.contains(value)) {
                return value;
            }
            if (kept.size() >= limit) {
                return OTHER;
            }
            kept.add(value);
            return value;
        }
    }
}
