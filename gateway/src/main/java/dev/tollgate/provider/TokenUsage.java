package dev.tollgate.provider;

import tools.jackson.databind.JsonNode;

/** Tokens of one call; {@code estimated} when counted by Tollgate rather than reported by the provider. */
public record TokenUsage(long inputTokens, long outputTokens, long cachedInputTokens, boolean estimated) {

    public static final TokenUsage NONE = new TokenUsage(0, 0, 0, false);

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
