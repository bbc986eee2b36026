package dev.tollgate.frontdoor.responses;

import dev.tollgate.provider.TokenUsage;
import dev.tollgate.support.Json;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The pieces of a Responses API answer as the official OpenAPI schema and SDKs define them:
 * ids in OpenAI's style, output message and function call items, usage and status.
 */
final class ResponsesOutput {

    private static final JsonMapper JSON = Json.MAPPER;

    private ResponsesOutput() {}

    /** {@code prefix_} and 48 hex digits, as OpenAI's ids look ({@code resp_}, {@code msg_}, {@code fc_}). */
    static String id(String prefix) {
        byte[] random = new byte[24];
        ThreadLocalRandom.current().nextBytes(random); // ids name stored answers per tenant; they are not secrets
        return prefix + HexFormat.of().formatHex(random);
    }

    static ObjectNode messageItem(String id, String status, String text, boolean refusal) {
        ObjectNode item = JSON.createObjectNode().put("id", id).put("type", "message").put("status", status).put("role", "assistant");
        if (text != null) {
            item.putArray("content").add(refusal ? refusalPart(text) : textPart(text));
        } else {
            item.putArray("content");
        }
        return item;
    }

    static ObjectNode textPart(String text) {
        ObjectNode part = JSON.createObjectNode().put("type", "output_text").put("text", text);
        part.putArray("annotations");
        part.putArray("logprobs");
        return part;
    }

    static ObjectNode refusalPart(String refusal) {
        return JSON.createObjectNode().put("type", "refusal").put("refusal", refusal);
    }

    static ObjectNode functionCallItem(String id, String status, String callId, String name, String namespace, String arguments) {
        ObjectNode item = JSON.createObjectNode().put("id", id).put("type", "function_call").put("status", status)
                .put("call_id", callId).put("name", name).put("arguments", arguments);
        if (namespace != null) {
            item.put("namespace", namespace);
        }
        return item;
    }

    /**
     * {@code usage} in the Responses shape. {@code reasoningTokens} come from the chat answer's
     * {@code completion_tokens_details} (OpenAI's reasoning models; 0 elsewhere).
     */
    static ObjectNode usage(TokenUsage usage, long reasoningTokens) {
        ObjectNode out = JSON.createObjectNode().put("input_tokens", usage.inputTokens());
        out.putObject("input_tokens_details").put("cached_tokens", usage.cachedInputTokens())
                .put("cache_write_tokens", usage.cacheWriteInputTokens());
        out.put("output_tokens", usage.outputTokens());
        out.putObject("output_tokens_details").put("reasoning_tokens", reasoningTokens);
        out.put("total_tokens", usage.inputTokens() + usage.outputTokens());
        return out;
    }

    static long reasoningTokens(JsonNode chatRoot) {
        return chatRoot.path("usage").path("completion_tokens_details").path("reasoning_tokens").asLong(0);
    }

    /**
     * The client's {@code input} as stored input items: a string becomes one user message;
     * message contents given as a string become one text part; every item gets an id and a status.
     */
    static ArrayNode inputItems(JsonNode input) {
        ArrayNode items = JSON.createArrayNode();
        if (input == null || input.isNull()) {
            return items;
        }
        if (input.isString()) {
            ObjectNode message = items.addObject().put("id", id("msg_")).put("type", "message").put("role", "user")
                    .put("status", "completed");
            message.putArray("content").addObject().put("type", "input_text").put("text", input.asString());
            return items;
        }
        for (JsonNode original : input) {
            ObjectNode item = ((ObjectNode) original).deepCopy();
            String type = item.path("type").asString(item.has("role") ? "message" : "");
            item.put("type", type);
            if (!item.path("id").isString()) {
                item.put("id", id(switch (type) {
                    case "function_call" -> "fc_";
                    case "function_call_output" -> "fco_";
                    case "reasoning" -> "rs_";
                    default -> "msg_";
                }));
            }
            if (!item.path("status").isString()) {
                item.put("status", "completed");
            }
            JsonNode content = item.get("content");
            if ("message".equals(type) && content != null && content.isString()) {
                String partType = "assistant".equals(item.path("role").asString()) ? "output_text" : "input_text";
                ObjectNode part = item.putArray("content").addObject().put("type", partType).put("text", content.asString());
                if (partType.equals("output_text")) {
                    part.putArray("annotations");
                }
            }
            items.add(item);
        }
        return items;
    }

    /** The assistant's turn of a finished response as a chat message (text and tool calls), or null when it said nothing. */
    static ObjectNode assistantMessage(JsonNode response) {
        StringBuilder text = new StringBuilder();
        ArrayNode calls = JSON.createArrayNode();
        for (JsonNode item : response.path("output")) {
            switch (item.path("type").asString("")) {
                case "message" -> item.path("content").forEach(part -> text.append(part.path("text").asString(part.path("refusal").asString(""))));
                case "function_call" -> {
                    ObjectNode call = calls.addObject().put("id", item.path("call_id").asString()).put("type", "function");
                    call.putObject("function").put("name", item.path("name").asString()).put("arguments", item.path("arguments").asString(""));
                }
                default -> { }
            }
        }
        if (text.isEmpty() && calls.isEmpty()) {
            return null;
        }
        ObjectNode message = JSON.createObjectNode().put("role", "assistant");
        if (text.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", text.toString());
        }
        if (!calls.isEmpty()) {
            message.set("tool_calls", calls);
        }
        return message;
    }

    /** The reason a response is {@code incomplete}, or null when the finish reason means it completed. */
    static String incompleteReason(String finishReason) {
        if (finishReason == null) {
            return null;
        }
        return switch (finishReason) {
            case "length" -> "max_output_tokens";
            case "content_filter" -> "content_filter";
            default -> null;
        };
    }
}
