package dev.tollgate.usage;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One metered call, as written to the usage store. {@code costUsd} is null when the model has
 * no price (never a silent zero), and {@code costUnknown} says so explicitly: the call was served
 * by a deployment that neither the config nor the price catalog prices. {@code tokensEstimated}
 * when Tollgate counted the tokens itself. {@code inputTokens} is the whole prompt;
 * {@code cachedInputTokens} (cache reads) and {@code cacheWriteTokens} (cache writes) are parts of it.
 * {@code api}: the API the client called ({@code openai}, {@code anthropic} or {@code responses}); the operation
 * is the same ({@code chat}) for a chat completion and an Anthropic message.
 * {@code cacheOutcome}: hit, semantic-hit or miss when the cache was consulted, else null; a hit
 * costs 0 and {@code costSavedUsd} is what the cached answer cost when a provider produced it.
 * {@code experiment} and {@code variant}: the A/B experiment arm the call was assigned, else null.
 * {@code requestHash}: a hash of the request body as the client sent it (never its text), so
 * repeated identical requests can be counted; null when no body was read.
 */
public record UsageEvent(
        UUID eventId,
        String requestId,
        Instant createdAt,
        String keyName,
        String team,
        String project,
        String endUser,
        String feature,
        String operation,
        String requestedModel,
        String model,
        String provider,
        String deployment,
        boolean stream,
        long inputTokens,
        long outputTokens,
        long cachedInputTokens,
        long cacheWriteTokens,
        boolean tokensEstimated,
        BigDecimal costUsd,
        boolean costUnknown,
        String priceVersion,
        int latencyMs,
        Integer ttftMs,
        int status,
        String errorCode,
        String fallbackPath,
        int attempts,
        String cacheOutcome,
        BigDecimal costSavedUsd,
        String api,
        String experiment,
        String variant,
        Map<String, String> metadata,
        Route route,
        String requestHash) {

    /**
     * How a call to a routing alias was routed: tier, deciding stage and reason, complexity score,
     * and {@code baselineCostUsd}, what the same tokens would have cost on the alias's baseline
     * model (null when that model has no price). Null on calls to a model.
     */
    public record Route(String tier, String stage, String reason, Double complexity, BigDecimal baselineCostUsd) {}

    /** Without a request hash (calls the gateway refused before reading a body; older code paths). */
    public UsageEvent(UUID eventId, String requestId, Instant createdAt, String keyName, String team, String project,
            String endUser, String feature, String operation, String requestedModel, String model, String provider,
            String deployment, boolean stream, long inputTokens, long outputTokens, long cachedInputTokens,
            long cacheWriteTokens, boolean tokensEstimated, BigDecimal costUsd, boolean costUnknown, String priceVersion,
            int latencyMs, Integer ttftMs, int status, String errorCode, String fallbackPath, int attempts,
            String cacheOutcome, BigDecimal costSavedUsd, String api, String experiment, String variant,
            Map<String, String> metadata, Route route) {
        this(eventId, requestId, createdAt, keyName, team, project, endUser, feature, operation, requestedModel, model,
                provider, deployment, stream, inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens,
                tokensEstimated, costUsd, costUnknown, priceVersion, latencyMs, ttftMs, status, errorCode, fallbackPath,
                attempts, cacheOutcome, costSavedUsd, api, experiment, variant, metadata, route, null);
    }

    /** Without a route (a call to a model, not an alias) and without a request hash. */
    public UsageEvent(UUID eventId, String requestId, Instant createdAt, String keyName, String team, String project,
            String endUser, String feature, String operation, String requestedModel, String model, String provider,
            String deployment, boolean stream, long inputTokens, long outputTokens, long cachedInputTokens,
            long cacheWriteTokens, boolean tokensEstimated, BigDecimal costUsd, boolean costUnknown, String priceVersion,
            int latencyMs, Integer ttftMs, int status, String errorCode, String fallbackPath, int attempts,
            String cacheOutcome, BigDecimal costSavedUsd, String api, String experiment, String variant,
            Map<String, String> metadata) {
        this(eventId, requestId, createdAt, keyName, team, project, endUser, feature, operation, requestedModel, model,
                provider, deployment, stream, inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens,
                tokensEstimated, costUsd, costUnknown, priceVersion, latencyMs, ttftMs, status, errorCode, fallbackPath,
                attempts, cacheOutcome, costSavedUsd, api, experiment, variant, metadata, null, null);
    }

    /** What the call would have cost without routing: the baseline's price when routed, else the cost itself. */
    public BigDecimal baselineCostUsd() {
        return route != null ? route.baselineCostUsd() : costUsd;
    }

    /**
     * A random (version 4) id from a non-blocking generator: {@code UUID.randomUUID()} draws on
     * SecureRandom, which may read the OS entropy pool on a request thread.
     */
    public static UUID newId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (r.nextLong() & ~(0xC000000000000000L)) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }
}
