package dev.tollgate.provider;

/** A complete (non-streamed) answer: the OpenAI-shaped JSON body and its usage. */
public record ProviderResponse(byte[] body, TokenUsage usage) {}
