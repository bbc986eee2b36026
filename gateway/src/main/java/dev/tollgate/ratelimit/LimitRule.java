package dev.tollgate.ratelimit;

/**
 * One limit as the limiter sees it: {@code key} names the counter (e.g. the team growth's token
 * rate), {@code cost} is what this call takes from it (1 request, N tokens, 1 concurrent slot).
 */
public record LimitRule(String name, String key, Kind kind, long limit, long cost, long windowMillis) {

    public static final long MINUTE = 60_000L;
    public static final long DAY = 86_400_000L;

    public LimitRule(String name, String key, Kind kind, long limit, long cost) {
        this(name, key, kind, limit, cost, MINUTE);
    }

    public enum Kind {
        REQUESTS("requests"),
        TOKENS("tokens"),
        CONCURRENT("concurrent");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }
}
