package dev.tollgate.insights;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * The aggregates recommendations are computed from, each one grouped query over the window's
 * events (never the events themselves), so 30 days of millions of calls stay cheap to read.
 */
public interface UsageDigest {

    /** Successful, uncached calls per model whose prompt and answer are both short. */
    Mono<List<Tokens>> shortCalls(Instant from, Instant to, long maxInputTokens, long maxOutputTokens);

    /** Successful, uncached calls per model whose prompt is at least {@code minInputTokens}. */
    Mono<List<Tokens>> longPrompts(Instant from, Instant to, long minInputTokens);

    /** Per model: byte-identical requests sent at least {@code minRepeats} times. */
    Mono<List<Repeats>> repeats(Instant from, Instant to, long minRepeats);

    /** Per provider: calls that reached it, failed ones, their cost, and the most frequent error code. */
    Mono<List<ProviderErrors>> providerErrors(Instant from, Instant to);

    /** Per hour of {@code [from, to)} and value of {@code dimension} (team, model or provider): from the hourly rollup. */
    Mono<List<Hour>> hourly(String dimension, Instant from, Instant to);

    record Hour(Instant hour, String subject, long calls, long errors, BigDecimal costUsd, long latencyMsSum) {}

    record Tokens(String model, long calls, long inputTokens, long cachedInputTokens, long outputTokens, BigDecimal costUsd) {}

    /** {@code groups} distinct requests seen {@code calls} times in all, costing {@code costUsd}; {@code wastedUsd}: all but the first of each. */
    record Repeats(String model, long groups, long calls, BigDecimal costUsd, BigDecimal wastedUsd, long largestGroup) {}

    record ProviderErrors(String provider, long calls, long errors, BigDecimal failedCostUsd, String topErrorCode, long topErrorCount) {}
}
