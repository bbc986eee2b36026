package dev.tollgate.frontdoor.anthropic;

import dev.tollgate.api.GatewayException;
import dev.tollgate.provider.PromptCaching;
import dev.tollgate.support.Json;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An Anthropic Messages API request ({@code POST /v1/messages}) as the canonical OpenAI chat
 * completions request, checked on the way the way Anthropic checks it: every refusal is a 400
 * {@code invalid_request_error} whose message starts with the offending field in Anthropic's
 * notation ({@code messages.1.content.0.tool_use_id: ...}).
 *
 * <p>What maps: {@code system} (string or text blocks) → a system message; text, image (base64
 * or URL) and PDF document blocks → content parts; {@code tool_use} → assistant
 * {@code tool_calls}; {@code tool_result} → {@code tool} messages (placed before the rest of their
 * user turn, as OpenAI requires them right after the call); {@code tools} with
 * {@code input_schema} → function tools; {@code tool_choice} auto/any/tool/none (with
 * {@code disable_parallel_tool_use}); {@code stop_sequences}, {@code max_tokens},
 * {@code temperature}, {@code top_p}, {@code metadata.user_id} → {@code user}; {@code stream}.
 *
 * <p>Prompt-caching {@code cache_control} markers on system blocks, content blocks, tool results,
 * tool uses and tools are kept where {@link PromptCaching} says, so an Anthropic upstream gets
 * them back at the same places (other upstreams never see them).
 *
 * <p>What is dropped: {@code thinking} and {@code redacted_thinking} blocks and the {@code thinking} switch,
 * {@code top_k}, {@code service_tier}, citations and unknown fields. Server tools (web search,
 * code execution, ...) and tool results carrying images are refused: no OpenAI upstream can run
 * them.
 */
public final class MessagesRequest {

    private static final JsonMapper JSON = Json.MAPPER;
    private static final Set<String> IMAGE_TYPES = Set.of("image/jpeg", "image/png", "image/gif", "image/webp");

    private MessagesRequest() {}

    /** The chat body for a {@code /v1/messages} body. */
    public static ObjectNode toChat(ObjectNode messages) {
        return translate(messages, false);
    }

    /** The chat body for a {@code /v1/messages/count_tokens} body ({@code max_tokens} not required). */
    public static ObjectNode toChatForCounting(ObjectNode messages) {
        return translate(messages, true);
    }

    private static ObjectNode translate(ObjectNode in, boolean counting) {
        ObjectNode out = JSON.createObjectNode();
        out.put("model", requiredString(in, "model"));
        if (!counting) {
            JsonNode max = in.get("max_tokens");
            if (max == null || max.isNull()) {
                throw missing("max_tokens");
            }
            if (!max.isIntegralNumber() || !max.canConvertToInt() || max.asInt() < 1) {
                throw invalid("max_tokens", "max_tokens: expected an integer >= 1.");
            }
            out.put("max_completion_tokens", max.asInt());
        }
        ArrayNode chat = out.putArray("messages");
        system(in.get("system"), chat);
        turns(in.get("messages"), chat);
        tools(in, out);
        if (!counting) {
            sampling(in, out);
            stopSequences(in.get("stop_sequences"), out);
            JsonNode metadata = in.get("metadata");
            if (metadata != null && !metadata.isNull()) {
                if (!metadata.isObject()) {
                    throw invalid("metadata", "metadata: expected an object.");
                }
                JsonNode user = metadata.get("user_id");
                if (user != null && !user.isNull()) {
                    if (!user.isString()) {
                        throw invalid("metadata.user_id", "metadata.user_id: expected a string.");
                    }
                    if (!user.asString().isEmpty()) {
                        out.put("user", user.asString());
                    }
                }
            }
            JsonNode stream = in.get("stream");
            if (stream != null && !stream.isNull()) {
                if (!stream.isBoolean()) {
                    throw invalid("stream", "stream: expected a boolean.");
                }
                if (stream.asBoolean()) {
                    out.put("stream", true);
                }
            }
        }
        return out;
    }

    private static void system(JsonNode system, ArrayNode chat) {
        if (system == null || system.isNull()) {
            return;
        }
        String text;
        if (system.isString()) {
            text = system.asString();
        } else if (system.isArray()) {
            StringBuilder joined = new StringBuilder();
            ArrayNode parts = JSON.createArrayNode();
            boolean marked = false;
            for (int i = 0; i < system.size(); i++) {
                JsonNode block = system.get(i);
                String at = "system." + i;
                if (!"text".equals(block.path("type").asString(null))) {
                    throw invalid(at + ".type", at + ".type: system blocks must be of type 'text'.");
                }
                if (!block.path("text").isString()) {
                    throw missing(at + ".text");
                }
                marked |= cacheControl(block, at) != null;
                if (!joined.isEmpty()) {
                    joined.append("\n\n");
                }
                joined.append(block.get("text").asString());
                if (!block.get("text").asString().isEmpty()) {
                    parts.add(PromptCaching.copy(block, JSON.createObjectNode().put("type", "text").put("text", block.get("text").asString())));
                }
            }
            if (marked && !parts.isEmpty()) {
                // Cache breakpoints need the blocks apart: one text part per block, markers kept.
                chat.addObject().put("role", "system").set("content", parts);
                return;
            }
            text = joined.toString();
        } else {
            throw invalid("system", "system: expected a string or an array of text blocks.");
        }
        if (!text.isEmpty()) {
            chat.addObject().put("role", "system").put("content", text);
        }
    }

    private static void turns(JsonNode messages, ArrayNode chat) {
        if (messages == null || messages.isNull()) {
            throw missing("messages");
        }
        if (!messages.isArray() || messages.isEmpty()) {
            throw invalid("messages", "messages: expected a non-empty array of {role, content} objects.");
        }
        for (int i = 0; i < messages.size(); i++) {
            String at = "messages." + i;
            JsonNode m = object(messages.get(i), at, "an object with 'role' and 'content'");
            String role = m.path("role").asString(null);
            if (role == null) {
                throw missing(at + ".role");
            }
            JsonNode content = m.get("content");
            if (content == null || content.isNull()) {
                throw missing(at + ".content");
            }
            if (!content.isString() && !content.isArray()) {
                throw invalid(at + ".content", at + ".content: expected a string or an array of content blocks.");
            }
            switch (role) {
                case "user" -> userTurn(content, at + ".content", chat);
                case "assistant" -> assistantTurn(content, at + ".content", chat);
                default -> throw invalid(at + ".role", at + ".role: expected 'user' or 'assistant', got '" + role + "'.");
            }
        }
    }

    /** Tool results first (each its own {@code tool} message), then the rest of the turn as one user message. */
    private static void userTurn(JsonNode content, String at, ArrayNode chat) {
        if (content.isString()) {
            chat.addObject().put("role", "user").put("content", content.asString());
            return;
        }
        ArrayNode parts = JSON.createArrayNode();
        for (int i = 0; i < content.size(); i++) {
            JsonNode block = content.get(i);
            String blockAt = at + "." + i;
            String type = blockType(block, blockAt);
            switch (type) {
                case "tool_result" -> chat.add(toolResult(block, blockAt));
                case "text", "image", "document" -> {
                    ObjectNode part = part(block, type, blockAt);
                    if (part != null) {
                        parts.add(part);
                    }
                }
                case "thinking", "redacted_thinking" -> {
                    // no counterpart in OpenAI's chat
                }
                case "tool_use" -> throw invalid(blockAt + ".type", blockAt + ".type: 'tool_use' blocks belong in assistant turns.");
                default -> throw unsupportedBlock(blockAt, type);
            }
        }
        if (!parts.isEmpty()) {
            ObjectNode message = chat.addObject().put("role", "user");
            if (parts.size() == 1 && parts.get(0).path("type").asString("").equals("text") && !parts.get(0).has(PromptCaching.FIELD)) {
                message.put("content", parts.get(0).get("text").asString());
            } else {
                message.set("content", parts);
            }
        }
    }

    private static void assistantTurn(JsonNode content, String at, ArrayNode chat) {
        ObjectNode message = JSON.createObjectNode().put("role", "assistant");
        if (content.isString()) {
            chat.add(message.put("content", content.asString()));
            return;
        }
        StringBuilder text = new StringBuilder();
        ArrayNode texts = JSON.createArrayNode(); // the text blocks apart, needed only when one is marked
        boolean marked = false;
        ArrayNode calls = JSON.createArrayNode();
        for (int i = 0; i < content.size(); i++) {
            JsonNode block = content.get(i);
            String blockAt = at + "." + i;
            String type = blockType(block, blockAt);
            switch (type) {
                case "text" -> {
                    String t = text(block, blockAt);
                    text.append(t);
                    marked |= cacheControl(block, blockAt) != null;
                    if (!t.isEmpty()) {
                        texts.add(PromptCaching.copy(block, JSON.createObjectNode().put("type", "text").put("text", t)));
                    }
                }
                case "tool_use" -> {
                    String id = requiredString(block, "id", blockAt);
                    String name = requiredString(block, "name", blockAt);
                    JsonNode input = block.get("input");
                    if (input != null && !input.isNull() && !input.isObject()) {
                        throw invalid(blockAt + ".input", blockAt + ".input: expected an object.");
                    }
                    ObjectNode call = calls.addObject().put("id", id).put("type", "function");
                    call.putObject("function").put("name", name)
                            .put("arguments", input == null || input.isNull() ? "{}" : JSON.writeValueAsString(input));
                    cacheControl(block, blockAt);
                    PromptCaching.copy(block, call);
                }
                case "thinking", "redacted_thinking" -> {
                    // no counterpart in OpenAI's chat
                }
                case "tool_result", "image", "document" ->
                        throw invalid(blockAt + ".type", blockAt + ".type: '" + type + "' blocks belong in user turns.");
                default -> throw unsupportedBlock(blockAt, type);
            }
        }
        if (text.isEmpty() && calls.isEmpty()) {
            return; // only thinking: nothing OpenAI could be told
        }
        if (text.isEmpty()) {
            message.putNull("content");
        } else if (marked) {
            message.set("content", texts);
        } else {
            message.put("content", text.toString());
        }
        if (!calls.isEmpty()) {
            message.set("tool_calls", calls);
        }
        chat.add(message);
    }

    private static ObjectNode toolResult(JsonNode block, String at) {
        ObjectNode message = JSON.createObjectNode().put("role", "tool");
        message.put("tool_call_id", requiredString(block, "tool_use_id", at));
        cacheControl(block, at);
        JsonNode content = block.get("content");
        if (content == null || content.isNull()) {
            message.put("content", "");
        } else if (content.isString()) {
            message.put("content", content.asString());
        } else if (content.isArray()) {
            StringBuilder text = new StringBuilder();
            ArrayNode parts = JSON.createArrayNode();
            boolean marked = false;
            for (int i = 0; i < content.size(); i++) {
                JsonNode part = content.get(i);
                String partAt = at + ".content." + i;
                String type = blockType(part, partAt);
                if (!type.equals("text")) {
                    throw invalid(partAt + ".type", partAt + ".type: tool results can carry only text through Tollgate, not '"
                            + type + "'.");
                }
                if (!text.isEmpty()) {
                    text.append("\n\n");
                }
                String t = text(part, partAt);
                text.append(t);
                marked |= cacheControl(part, partAt) != null;
                if (!t.isEmpty()) {
                    parts.add(PromptCaching.copy(part, JSON.createObjectNode().put("type", "text").put("text", t)));
                }
            }
            if (marked) {
                message.set("content", parts);
            } else {
                message.put("content", text.toString());
            }
        } else {
            throw invalid(at + ".content", at + ".content: expected a string or an array of text blocks.");
        }
        return PromptCaching.copy(block, message);
    }

    /** A user content block as an OpenAI content part (with its cache marker); null for an empty text block. */
    private static ObjectNode part(JsonNode block, String type, String at) {
        ObjectNode part = contentPart(block, type, at);
        return part == null || cacheControl(block, at) == null ? part : PromptCaching.copy(block, part);
    }

    private static ObjectNode contentPart(JsonNode block, String type, String at) {
        switch (type) {
            case "text" -> {
                String text = text(block, at);
                return text.isEmpty() ? null : JSON.createObjectNode().put("type", "text").put("text", text);
            }
            case "image" -> {
                JsonNode source = source(block, at);
                String url = switch (source.path("type").asString("")) {
                    case "base64" -> {
                        String mediaType = requiredString(source, "media_type", at + ".source");
                        if (!IMAGE_TYPES.contains(mediaType)) {
                            throw invalid(at + ".source.media_type", at + ".source.media_type: expected one of " + IMAGE_TYPES + ".");
                        }
                        yield "data:" + mediaType + ";base64," + requiredString(source, "data", at + ".source");
                    }
                    case "url" -> requiredString(source, "url", at + ".source");
                    default -> throw invalid(at + ".source.type", at + ".source.type: expected 'base64' or 'url'.");
                };
                ObjectNode part = JSON.createObjectNode().put("type", "image_url");
                part.putObject("image_url").put("url", url);
                return part;
            }
            default -> { // document
                JsonNode source = source(block, at);
                switch (source.path("type").asString("")) {
                    case "base64" -> {
                        String mediaType = requiredString(source, "media_type", at + ".source");
                        ObjectNode part = JSON.createObjectNode().put("type", "file");
                        ObjectNode file = part.putObject("file");
                        String title = block.path("title").asString(null);
                        file.put("filename", title != null ? title : "document.pdf");
                        file.put("file_data", "data:" + mediaType + ";base64," + requiredString(source, "data", at + ".source"));
                        return part;
                    }
                    case "text" -> {
                        String text = requiredString(source, "data", at + ".source");
                        return JSON.createObjectNode().put("type", "text").put("text", text);
                    }
                    default -> throw invalid(at + ".source.type",
                            at + ".source.type: documents go through Tollgate as 'base64' or 'text' sources.");
                }
            }
        }
    }

    private static JsonNode source(JsonNode block, String at) {
        JsonNode source = block.get("source");
        if (source == null || !source.isObject()) {
            throw missing(at + ".source");
        }
        return source;
    }

    private static void tools(JsonNode in, ObjectNode out) {
        JsonNode tools = in.get("tools");
        boolean any = false;
        if (tools != null && !tools.isNull()) {
            if (!tools.isArray()) {
                throw invalid("tools", "tools: expected an array of {name, description, input_schema}.");
            }
            ArrayNode functions = out.putArray("tools");
            for (int i = 0; i < tools.size(); i++) {
                String at = "tools." + i;
                JsonNode tool = object(tools.get(i), at, "an object");
                String type = tool.path("type").asString(null);
                if (type != null && !type.equals("custom")) {
                    throw invalid(at + ".type", at + ".type: server tools ('" + type
                            + "') are not supported through Tollgate; only client tools with an input_schema are.");
                }
                ObjectNode function = functions.addObject().put("type", "function").putObject("function");
                function.put("name", requiredString(tool, "name", at));
                String description = tool.path("description").asString(null);
                if (description != null) {
                    function.put("description", description);
                }
                JsonNode schema = tool.get("input_schema");
                if (schema == null || schema.isNull()) {
                    throw missing(at + ".input_schema");
                }
                if (!schema.isObject()) {
                    throw invalid(at + ".input_schema", at + ".input_schema: expected a JSON schema object.");
                }
                function.set("parameters", schema);
                cacheControl(tool, at);
                PromptCaching.copy(tool, (ObjectNode) functions.get(functions.size() - 1));
            }
            any = !functions.isEmpty();
            if (!any) {
                out.remove("tools");
            }
        }
        JsonNode choice = in.get("tool_choice");
        if (choice == null || choice.isNull() || !any) {
            return;
        }
        if (!choice.isObject()) {
            throw invalid("tool_choice", "tool_choice: expected an object such as {\"type\": \"auto\"}.");
        }
        String type = choice.path("type").asString(null);
        if (type == null) {
            throw missing("tool_choice.type");
        }
        switch (type) {
            case "auto" -> out.put("tool_choice", "auto");
            case "any" -> out.put("tool_choice", "required");
            case "none" -> out.put("tool_choice", "none");
            case "tool" -> {
                ObjectNode named = out.putObject("tool_choice").put("type", "function");
                named.putObject("function").put("name", requiredString(choice, "name", "tool_choice"));
            }
            default -> throw invalid("tool_choice.type", "tool_choice.type: expected 'auto', 'any', 'tool' or 'none'.");
        }
        JsonNode parallel = choice.get("disable_parallel_tool_use");
        if (parallel != null && parallel.isBoolean() && parallel.asBoolean() && !type.equals("none")) {
            out.put("parallel_tool_calls", false);
        }
    }

    private static void sampling(JsonNode in, ObjectNode out) {
        number(in, out, "temperature", 0, 1);
        number(in, out, "top_p", 0, 1);
    }

    private static void number(JsonNode in, ObjectNode out, String field, double min, double max) {
        JsonNode v = in.get(field);
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
            throw invalid(field, field + ": expected a number in [" + min + ", " + max + "].");
        }
        out.set(field, v);
    }

    private static void stopSequences(JsonNode stop, ObjectNode out) {
        if (stop == null || stop.isNull()) {
            return;
        }
        if (!stop.isArray()) {
            throw invalid("stop_sequences", "stop_sequences: expected an array of strings.");
        }
        if (stop.isEmpty()) {
            return;
        }
        if (stop.size() > 4) {
            // OpenAI-family upstreams take at most 4; refusing beats silently ignoring some.
            throw invalid("stop_sequences", "stop_sequences: at most 4 through Tollgate.");
        }
        ArrayNode sequences = out.putArray("stop");
        for (int i = 0; i < stop.size(); i++) {
            if (!stop.get(i).isString()) {
                throw invalid("stop_sequences." + i, "stop_sequences." + i + ": expected a string.");
            }
            sequences.add(stop.get(i).asString());
        }
    }

    /** {@code node} when it is an object, else the refusal naming {@code at}. */
    private static JsonNode object(JsonNode node, String at, String expected) {
        if (!node.isObject()) {
            throw invalid(at, at + ": expected " + expected + ".");
        }
        return node;
    }

    private static String blockType(JsonNode block, String at) {
        object(block, at, "a content block object");
        String type = block.path("type").asString(null);
        if (type == null) {
            throw missing(at + ".type");
        }
        return type;
    }

    private static String text(JsonNode block, String at) {
        JsonNode text = block.get("text");
        if (text == null || !text.isString()) {
            throw missing(at + ".text");
        }
        return text.asString();
    }

    /** The block's {@code cache_control} marker, null when it has none; refused when it is not an object. */
    private static JsonNode cacheControl(JsonNode block, String at) {
        JsonNode marker = block.get(PromptCaching.FIELD);
        if (marker == null || marker.isNull()) {
            return null;
        }
        if (!marker.isObject() || !marker.path("type").isString()) {
            throw invalid(at + "." + PromptCaching.FIELD, at + "." + PromptCaching.FIELD
                    + ": expected an object such as {\"type\": \"ephemeral\"}.");
        }
        return marker;
    }

    private static GatewayException unsupportedBlock(String at, String type) {
        return invalid(at + ".type", at + ".type: content blocks of type '" + type + "' are not supported through Tollgate.");
    }

    private static String requiredString(JsonNode node, String field) {
        return requiredString(node, field, null);
    }

    private static String requiredString(JsonNode node, String field, String at) {
        String path = at == null ? field : at + "." + field;
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw missing(path);
        }
        if (!v.isString() || v.asString().isEmpty()) {
            throw invalid(path, path + ": expected a non-empty string.");
        }
        return v.asString();
    }

    private static GatewayException missing(String field) {
        return GatewayException.missingParam(field, field + ": Field required");
    }

    private static GatewayException invalid(String field, String message) {
        return GatewayException.invalidRequest(field, message);
    }
}
