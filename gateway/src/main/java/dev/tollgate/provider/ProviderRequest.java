package dev.tollgate.provider;

import dev.tollgate.api.LlmRequest;
import java.time.Duration;

/**
 * One physical attempt: the client's request, sent to {@code upstreamModel} at one provider, with
 * the deployment's connect timeout (the other time limits are applied around the attempt).
 */
public record ProviderRequest(LlmRequest request, String upstreamModel, String requestId, Duration connectTimeout) {}
