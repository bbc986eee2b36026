package dev.tollgate.frontdoor.anthropic;

import dev.tollgate.provider.TokenUsage;
import dev.tollgate.provider.anthropic.AnthropicWire;
import dev.tollgate.support.Json;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An OpenAI {@code chat.completion} as an Anthropic {@code message}: the first choice's text as a
 * text block, each tool call as a {@code tool_use} block (arguments parsed into {@code input}),
 * the finish reason as a stop reason, and the call's metered usage.
 */
public final class MessagesResponse {

    private static final JsonMapper JSON = Json.MAPPER;

    private MessagesResponse() {}

    /**
     * @param usage what the call is billed with (the provider's usage, else Tollgate's estimate);
     *              it wins over the body's so the client sees what the usage event records; null
     *              takes the body's own (an answer served from the cache)
     */
    public static ObjectNode toMessage(JsonNode completion, TokenUsage usage) {
        JsonNode message = completion.path("choices").path(0).path("message");
        ObjectNode out = JSON.createObjectNode();
        out.put("id", messageId(completion.path("id").asString(null)));
        out.put("type", "message");
        out.put("role", "assistant");
        out.put("model", completion.path("model").asString(""));
        ArrayNode content = out.putArray("content");
        StringBuilder text = new StringBuilder();
        JsonNode body = message.get("content");
        if (body != null && body.isString()) {
            text.append(body.asString());
        } else if (body != null && body.isArray()) {
            body.forEach(part -> text.append(part.path("text").asString("")));
        }
        if (text.isEmpty() && message.path("refusal").isString()) {
            text.append(message.get("refusal").asString());
        }
        if (!text.isEmpty()) {
            content.add(textBlock(text.toString()));
        }
        for (JsonNode call : message.path("tool_calls")) {
            ObjectNode use = content.addObject();
            use.put("type", "tool_use");
            use.put("id", call.path("id").asString(""));
            use.put("name", call.path("function").path("name").asString(""));
            use.set("input", input(call.path("function").path("arguments").asString("")));
        }
        String finish = completion.path("choices").path(0).path("finish_reason").asString(null);
        out.put("stop_reason", AnthropicWire.stopReason(finish, null));
        out.putNull("stop_sequence");
        TokenUsage billed = usage != null ? usage : TokenUsage.ofOpenAi(completion);
        out.set("usage", AnthropicWire.usageJson(billed != null ? billed : TokenUsage.NONE));
        return out;
    }

    static ObjectNode textBlock(String text) {
        ObjectNode block = JSON.createObjectNode().put("type", "text").put("text", text);
        block.putNull("citations");
        return block;
    }

    /**
     * A tool call's arguments as the {@code input} object. Arguments that are not a JSON object
     * (a model can emit broken JSON) are kept as a string under {@code _raw}, never lost.
     */
    static JsonNode input(String arguments) {
        if (arguments.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode parsed = JSON.readTree(arguments);
            if (parsed != null && parsed.isObject()) {
                return parsed;
            }
        } catch (JacksonException notJson) {
            // kept raw below
        }
        return JSON.createObjectNode().put("_raw", arguments);
    }

    /** Anthropic ids start with {@code msg_}; an OpenAI id is kept recognisable behind the prefix. */
    static String messageId(String id) {
        if (id == null || id.isEmpty()) {
            return "msg_" + Long.toHexString(System.nanoTime());
        }
        return id.startsWith("msg_") ? id : "msg_" + id;
    }
}
