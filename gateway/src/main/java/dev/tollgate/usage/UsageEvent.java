package dev.tollgate.usage;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * One metered call, as written to the usage store. {@code costUsd} is null when the model has
 * no price (never a silent zero); {@code tokensEstimated} when Tollgate counted the tokens itself.
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
        boolean tokensEstimated,
        BigDecimal costUsd,
        String priceVersion,
        int latencyMs,
        Integer ttftMs,
        int status,
        String errorCode,
        String fallbackPath,
        int attempts,
        String cacheOutcome,
        Map<String, String> metadata) {}
