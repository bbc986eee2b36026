package dev.tollgate.provider.anthropic;

import dev.tollgate.provider.TokenUsage;
import dev.tollgate.support.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Anthropic's vocabulary and its OpenAI counterparts, in both directions: the provider adapter
 * reads Anthropic answers into OpenAI's terms, the {@code /v1/messages} front door writes OpenAI
 * answers in Anthropic's. Each table lives here once so the two directions cannot drift apart.
 */
public final class AnthropicWire {

    private AnthropicWire() {}

    // ---------------------------------------------------------------- stop reasons

    /**
     * OpenAI's finish_reason for Anthropic's stop_reason. A {@code tool_use} stop is
     * {@code tool_calls} only when a client tool was called (not just the JSON-mode tool).
     */
    public static String finishReason(String stopReason, boolean calledClientTool) {
        if (stopReason == null) {
            return "stop";
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> calledClientTool ? "tool_calls" : "stop";
            case "refusal" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence, pause_turn
        };
    }

    /**
     * Anthropic's stop_reason for OpenAI's finish_reason. OpenAI does not say whether a
     * {@code stop} was the natural end or a stop sequence; {@code matchedStop} is the sequence when
     * the caller knows it (then the answer is {@code stop_sequence}).
     */
    public static String stopReason(String finishReason, String matchedStop) {
        if (finishReason == null) {
            return "end_turn";
        }
        return switch (finishReason) {
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> matchedStop != null ? "stop_sequence" : "end_turn";
        };
    }

    // ---------------------------------------------------------------- errors

    /** The HTTP status Anthropic uses for an error type; 500 for types it adds later. */
    /** Anthropic's own status for "the API is overloaded"; not in HTTP's registry. */
    public static final int OVERLOADED = 529;

    public static int errorStatus(String type) {
        if (type == null) {
            return 500;
        }
        return switch (type) {
            case "invalid_request_error" -> 400;
            case "authentication_error" -> 401;
            case "billing_error" -> 402;
            case "permission_error" -> 403;
            case "not_found_error" -> 404;
            case "request_too_large" -> 413;
            case "rate_limit_error" -> 429;
            case "timeout_error" -> 504;
            case "overloaded_error" -> 529;
            default -> 500; // api_error and anything new
        };
    }

    /** The Anthropic error type a client expects for an HTTP status (the inverse of {@link #errorStatus}). */
    public static String errorType(int status) {
        return switch (status) {
            case 400, 405, 422 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            case 504 -> "timeout_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    }

    // ---------------------------------------------------------------- usage

    /**
     * Anthropic's usage in Tollgate's terms. Anthropic counts the prompt in three disjoint parts:
     * {@code input_tokens} (after the last cache breakpoint), {@code cache_creation_input_tokens}
     * and {@code cache_read_input_tokens}; OpenAI's {@code prompt_tokens} is their sum with
     * {@code cached_tokens} the cache reads. Cache writes (billed by Anthropic at 1.25x input for
     * the 5-minute cache) are kept apart as {@link TokenUsage#cacheWriteInputTokens()} so they are
     * priced at the cache-write price. Null when the message has no usage.
     */
    public static TokenUsage usage(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        return usage(usage.path("input_tokens").asLong(0), usage.path("cache_creation_input_tokens").asLong(0),
                usage.path("cache_read_input_tokens").asLong(0), usage.path("output_tokens").asLong(0));
    }

    /** Anthropic's three disjoint prompt counts and the output, in Tollgate's terms. */
    static TokenUsage usage(long input, long cacheCreation, long cacheRead, long output) {
        return new TokenUsage(input + cacheCreation + cacheRead, output, cacheRead, cacheCreation, false);
    }

    /**
     * Tollgate's usage as Anthropic's object (the inverse of {@link #usage(JsonNode)}): cache reads
     * and cache writes as Anthropic counts them, the rest as {@code input_tokens}.
     */
    public static ObjectNode usageJson(TokenUsage usage) {
        long cached = Math.min(usage.cachedInputTokens(), usage.inputTokens());
        long written = Math.min(usage.cacheWriteInputTokens(), usage.inputTokens() - cached);
        return Json.MAPPER.createObjectNode()
                .put("input_tokens", usage.inputTokens() - cached - written)
                .put("cache_creation_input_tokens", written)
                .put("cache_read_input_tokens", cached)
                .put("output_tokens", usage.outputTokens());
    }
}
