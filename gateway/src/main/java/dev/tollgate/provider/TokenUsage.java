package dev.tollgate.provider;

/** Tokens of one call; {@code estimated} when counted by Tollgate rather than reported by the provider. */
public record TokenUsage(long inputTokens, long outputTokens, long cachedInputTokens, boolean estimated) {

    public static final TokenUsage NONE = new TokenUsage(0, 0, 0, false);
}
