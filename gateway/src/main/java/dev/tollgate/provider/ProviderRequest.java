package dev.tollgate.provider;

import dev.tollgate.api.LlmRequest;

/** One physical attempt: the client's request, sent to {@code upstreamModel} at one provider. */
public record ProviderRequest(LlmRequest request, String upstreamModel, String requestId) {}
