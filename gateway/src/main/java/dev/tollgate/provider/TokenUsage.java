package dev.tollgate.provider;

import tools.jackson.databind.JsonNode;

/**
 * Tokens of one call; {@code estimated} when counted by Tollgate rather than reported by the provider.
 *
 * <p>{@code inputTokens} is the whole prompt in OpenAI's convention ({@code prompt_tokens}); the
 * two cache parts are subsets of it: {@code cachedInputTokens} were read from the provider's
 * prompt cache, {@code cacheWriteInputTokens} were written to it (Anthropic's
 * {@code cache_creation_input_tokens}, Bedrock's {@code cacheWriteInputTokens}), each billed at
 * its own price. The plain input is what remains.
 */
public record TokenUsage(long inputTokens, long outputTokens, long cachedInputTokens, long cacheWriteInputTokens,
        boolean estimated) {

    public static final TokenUsage NONE = new TokenUsage(0, 0, 0, 0, false);

    /** Usage without cache writes (every provider but Anthropic and Bedrock). */
    public TokenUsage(long inputTokens, long outputTokens, long cachedInputTokens, boolean estimated) {
        this(inputTokens, outputTokens, cachedInputTokens, 0, estimated);
    }

    /** Input tokens that were neither read from nor written to the prompt cache. */
    public long plainInputTokens() {
        long cached = Math.min(cachedInputTokens, inputTokens);
        return inputTokens - cached - Math.min(cacheWriteInputTokens, inputTokens - cached);
    }

    /** {@code usage} of an OpenAI chat, completion or embedding response (or usage chunk); null when absent. */
    public static TokenUsage ofOpenAi(JsonNode root) {
        JsonNode usage = root.get("usage");
        if (usage == null || !usage.isObject()) {
            return null;
        }
        long prompt = usage.path("prompt_tokens").asLong(0);
        long completion = usage.path("completion_tokens").asLong(0);
        long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
        return new TokenUsage(prompt, completion, cached, false);
    }
}
