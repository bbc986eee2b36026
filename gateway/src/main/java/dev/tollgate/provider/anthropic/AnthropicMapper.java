package dev.tollgate.provider.anthropic;

import dev.tollgate.provider.ChatChunks;
import dev.tollgate.provider.ChatRequests;
import dev.tollgate.provider.PromptCaching;
import dev.tollgate.provider.StreamChunk;
import dev.tollgate.provider.TokenUsage;
import dev.tollgate.provider.Transport;
import dev.tollgate.provider.UnsupportedRequest;
import dev.tollgate.provider.UpstreamException;
import dev.tollgate.streaming.SseFrames;
import dev.tollgate.streaming.SseSplitter;
import dev.tollgate.support.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Translation between OpenAI's chat completions and Anthropic's Messages API, without I/O:
 * request tree in, request tree out; response tree in, OpenAI response tree out; and a
 * {@link StreamTranslator} that turns Anthropic's SSE events into OpenAI chunks one by one.
 *
 * <p>What does not map:
 * <ul>
 *   <li>{@code n > 1}, audio parts, file ids and legacy {@code function} messages are refused
 *       ({@link UnsupportedRequest}, a 400 that no retry can fix);
 *   <li>{@code logprobs}, {@code seed}, penalties, {@code logit_bias}, {@code reasoning_effort}
 *       and unknown vendor fields are dropped (Anthropic rejects fields it does not know, so
 *       nothing is passed through);
 *   <li>prompt-caching {@code cache_control} markers go back onto the blocks and tools they
 *       were on, wherever {@link PromptCaching} says the canonical request carries them (an OpenAI
 *       client may set them there too);
 *   <li>{@code response_format} JSON modes become one forced tool ({@value #JSON_TOOL}) whose
 *       input is the answer; its call is turned back into message content.
 * </ul>
 */
public final class AnthropicMapper {

    static final JsonMapper JSON = Json.MAPPER;

    /** The tool that carries the answer in JSON mode. */
    public static final String JSON_TOOL = "json_response";

    /** Anthropic requires {@code max_tokens}; used when the client set no limit. */
    public static final int DEFAULT_MAX_TOKENS = 4096;

    private AnthropicMapper() {}

    // ---------------------------------------------------------------- request

    /** True when {@code response_format} asks for JSON ({@code json_object} or {@code json_schema}). */
    public static boolean jsonMode(JsonNode chat) {
        String type = str(chat.path("response_format").get("type"));
        return "json_object".equals(type) || "json_schema".equals(type);
    }

    /** The Messages API body for an OpenAI chat body; {@code stream} as the client asked. */
    public static ObjectNode toAnthropicRequest(JsonNode chat, String model) {
        return toAnthropicRequest(chat, model, chat.path("stream").asBoolean(false));
    }

    public static ObjectNode toAnthropicRequest(JsonNode chat, String model, boolean stream) {
        ChatRequests.oneChoiceOnly(chat, "Anthropic");
        ObjectNode out = JSON.createObjectNode();
        out.put("model", model);
        out.put("max_tokens", maxTokens(chat));
        messages(chat.path("messages"), out);
        tools(chat, out);
        ArrayNode stop = ChatRequests.stopSequences(chat);
        if (stop != null) {
            out.set("stop_sequences", stop);
        }
        JsonNode temperature = chat.get("temperature");
        if (temperature != null && temperature.isNumber()) {
            // OpenAI's range is 0..2, Anthropic's 0..1: above 1 is clamped rather than refused.
            out.put("temperature", Math.min(1.0, temperature.asDouble()));
        }
        JsonNode topP = chat.get("top_p");
        if (topP != null && topP.isNumber()) {
            out.put("top_p", topP.asDouble());
        }
        String user = str(chat.get("user"));
        if (user != null && !user.isEmpty()) {
            out.putObject("metadata").put("user_id", user);
        }
        if (stream) {
            out.put("stream", true);
        }
        return out;
    }

    /** {@code max_completion_tokens}, else {@code max_tokens}, else {@value #DEFAULT_MAX_TOKENS}. */
    static int maxTokens(JsonNode chat) {
        Integer max = ChatRequests.maxTokens(chat);
        return max != null ? max : DEFAULT_MAX_TOKENS;
    }

    private static void messages(JsonNode messages, ObjectNode out) {
        List<ObjectNode> system = new ArrayList<>();
        ArrayNode turns = JSON.createArrayNode();
        ObjectNode toolTurn = null; // the user turn that collects consecutive tool results
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = "messages[" + i + "]";
            String role = ChatRequests.role(m, at);
            JsonNode content = m.get("content");
            switch (role) {
                case "system", "developer" -> messageBlocks(m, at).forEach(block -> system.add((ObjectNode) block));
                case "user" -> {
                    if (toolTurn != null) {
                        // Text after tool results joins their turn (results first, as Anthropic requires).
                        ArrayNode blocks = (ArrayNode) toolTurn.get("content");
                        blocks.addAll(messageBlocks(m, at));
                        toolTurn = null;
                    } else {
                        ObjectNode turn = turns.addObject().put("role", "user");
                        if (content != null && content.isString() && PromptCaching.marker(m) == null) {
                            turn.put("content", content.asString());
                        } else {
                            turn.set("content", messageBlocks(m, at));
                        }
                    }
                }
                case "assistant" -> {
                    toolTurn = null;
                    ArrayNode blocks = blocks(content, at + ".content");
                    JsonNode calls = m.get("tool_calls");
                    if (calls != null && calls.isArray()) {
                        for (int j = 0; j < calls.size(); j++) {
                            JsonNode call = calls.get(j);
                            ObjectNode use = blocks.addObject();
                            use.put("type", "tool_use");
                            use.put("id", call.path("id").asString(""));
                            use.put("name", call.path("function").path("name").asString(""));
                            use.set("input", ChatRequests.toolArguments(call.path("function").get("arguments"),
                                    at + ".tool_calls[" + j + "].function.arguments", "Anthropic"));
                            PromptCaching.copy(call, use);
                        }
                    }
                    if (!blocks.isEmpty()) {
                        PromptCaching.copy(m, (ObjectNode) blocks.get(blocks.size() - 1));
                    }
                    if (blocks.isEmpty()) {
                        continue; // nothing said and nothing called
                    }
                    ObjectNode turn = turns.addObject().put("role", "assistant");
                    if (blocks.size() == 1 && content != null && content.isString() && (calls == null || calls.isEmpty())
                            && !blocks.get(0).has(PromptCaching.FIELD)) {
                        turn.put("content", content.asString());
                    } else {
                        turn.set("content", blocks);
                    }
                }
                case "tool" -> {
                    ObjectNode result = JSON.createObjectNode();
                    result.put("type", "tool_result");
                    result.put("tool_use_id", m.path("tool_call_id").asString(""));
                    if (content != null && content.isString()) {
                        result.put("content", content.asString());
                    } else if (content != null && content.isArray()) {
                        result.set("content", blocks(content, at + ".content"));
                    }
                    PromptCaching.copy(m, result);
                    if (toolTurn == null) {
                        toolTurn = turns.addObject().put("role", "user");
                        toolTurn.putArray("content");
                    }
                    ((ArrayNode) toolTurn.get("content")).add(result);
                }
                default -> throw new UnsupportedRequest(at + ".role",
                        at + ".role: '" + role + "' messages are not supported by Anthropic; use 'tool' messages.");
            }
        }
        if (system.size() == 1 && !system.get(0).has(PromptCaching.FIELD)) {
            out.put("system", system.get(0).get("text").asString());
        } else if (!system.isEmpty()) {
            ArrayNode blocks = out.putArray("system");
            system.forEach(blocks::add);
        }
        out.set("messages", turns);
    }

    /** Content (string, array of parts, or null) as Anthropic content blocks; empty text is dropped. */
    private static ArrayNode blocks(JsonNode content, String at) {
        return ChatRequests.parts(content, at, AnthropicMapper::block);
    }

    /** A message's content as blocks, a message-level cache marker on the last of them. */
    private static ArrayNode messageBlocks(JsonNode message, String at) {
        ArrayNode blocks = blocks(message.get("content"), at + ".content");
        if (!blocks.isEmpty()) {
            PromptCaching.copy(message, (ObjectNode) blocks.get(blocks.size() - 1));
        }
        return blocks;
    }

    /** One OpenAI content part as an Anthropic block, with the part's cache marker; null for an empty text part. */
    private static ObjectNode block(JsonNode part, String type, String at) {
        ObjectNode block = unmarkedBlock(part, type, at);
        return block == null ? null : PromptCaching.copy(part, block);
    }

    private static ObjectNode unmarkedBlock(JsonNode part, String type, String at) {
        switch (type) {
            case "text", "refusal" -> {
                String text = ChatRequests.partText(part, type);
                if (text == null) {
                    return null;
                }
                return textBlock(text);
            }
            case "image_url" -> {
                String url = ChatRequests.imageUrl(part, at);
                ObjectNode block = JSON.createObjectNode().put("type", "image");
                block.set("source", source(url, at + ".image_url.url"));
                return block;
            }
            case "file" -> {
                String data = str(part.path("file").get("file_data"));
                if (data == null) {
                    throw new UnsupportedRequest(at + ".file",
                            at + ".file: only inline file_data (a base64 data: URI) is supported by Anthropic, not file_id.");
                }
                ObjectNode block = JSON.createObjectNode().put("type", "document");
                block.set("source", source(data, at + ".file.file_data"));
                return block;
            }
            default -> throw new UnsupportedRequest(at + ".type",
                    at + ".type: content parts of type '" + type + "' are not supported by Anthropic.");
        }
    }

    /** An image or document source: a base64 {@code data:} URI inline, anything else by URL. */
    private static ObjectNode source(String url, String at) {
        ObjectNode source = JSON.createObjectNode();
        ChatRequests.DataUri inline = ChatRequests.dataUri(url, at);
        if (inline != null) {
            source.put("type", "base64");
            source.put("media_type", inline.mediaType());
            source.put("data", inline.data());
        } else {
            source.put("type", "url");
            source.put("url", url);
        }
        return source;
    }

    private static ObjectNode textBlock(String text) {
        return JSON.createObjectNode().put("type", "text").put("text", text);
    }

    private static void tools(JsonNode chat, ObjectNode out) {
        ArrayNode tools = JSON.createArrayNode();
        JsonNode clientTools = chat.get("tools");
        if (clientTools != null && clientTools.isArray()) {
            for (int i = 0; i < clientTools.size(); i++) {
                JsonNode t = clientTools.get(i);
                if (!"function".equals(str(t.get("type")))) {
                    throw new UnsupportedRequest("tools[" + i + "].type",
                            "tools[" + i + "].type: only 'function' tools are supported by Anthropic.");
                }
                JsonNode fn = t.path("function");
                ObjectNode tool = tools.addObject();
                tool.put("name", fn.path("name").asString(""));
                String description = str(fn.get("description"));
                if (description != null) {
                    tool.put("description", description);
                }
                JsonNode parameters = fn.get("parameters");
                if (parameters != null && parameters.isObject()) {
                    tool.set("input_schema", parameters);
                } else {
                    tool.putObject("input_schema").put("type", "object").putObject("properties");
                }
                PromptCaching.copy(t, tool);
            }
        }
        boolean hasClientTools = !tools.isEmpty();
        ObjectNode choice = hasClientTools ? toolChoice(chat.get("tool_choice")) : null;
        if (jsonMode(chat)) {
            JsonNode format = chat.path("response_format");
            JsonNode schema = format.path("json_schema").get("schema");
            String description = str(format.path("json_schema").get("description"));
            ObjectNode tool = tools.addObject();
            tool.put("name", JSON_TOOL);
            tool.put("description", description != null ? description
                    : "Give the final answer as a JSON object by calling this tool with it as the input.");
            if (schema != null && schema.isObject()) {
                tool.set("input_schema", schema);
            } else {
                tool.putObject("input_schema").put("type", "object");
            }
            String type = choice == null ? null : str(choice.get("type"));
            if (type == null || type.equals("none")) {
                // Only the answer tool may be called: force it.
                choice = JSON.createObjectNode().put("type", "tool").put("name", JSON_TOOL);
            } else if (type.equals("auto")) {
                // A client tool or the answer tool, but never free text (which would not be JSON).
                choice.put("type", "any");
            }
        }
        if (!tools.isEmpty()) {
            out.set("tools", tools);
        }
        if (choice != null) {
            JsonNode parallel = chat.get("parallel_tool_calls");
            if (parallel != null && parallel.isBoolean() && !parallel.asBoolean() && !"none".equals(str(choice.get("type")))) {
                choice.put("disable_parallel_tool_use", true);
            }
            out.set("tool_choice", choice);
        }
    }

    /** OpenAI's tool_choice as Anthropic's; {@code auto} when the client gave none. */
    private static ObjectNode toolChoice(JsonNode choice) {
        ObjectNode out = JSON.createObjectNode();
        if (choice == null || choice.isNull()) {
            return out.put("type", "auto");
        }
        if (choice.isString()) {
            switch (choice.asString()) {
                case "required" -> out.put("type", "any");
                case "none" -> out.put("type", "none");
                default -> out.put("type", "auto");
            }
            return out;
        }
        String name = str(choice.path("function").get("name"));
        if (name == null) {
            throw new UnsupportedRequest("tool_choice", "tool_choice: expected 'auto', 'required', 'none' or {\"type\": \"function\", \"function\": {\"name\": ...}}.");
        }
        return out.put("type", "tool").put("name", name);
    }

    // ---------------------------------------------------------------- response

    /**
     * An Anthropic {@code message} as an OpenAI {@code chat.completion}.
     *
     * @param jsonMode the request used the {@value #JSON_TOOL} tool; its input becomes the content
     * @param created seconds since the epoch
     */
    public static ObjectNode toChatCompletion(JsonNode message, String fallbackModel, boolean jsonMode, long created) {
        StringBuilder text = new StringBuilder();
        String jsonAnswer = null;
        ArrayNode calls = JSON.createArrayNode();
        for (JsonNode block : message.path("content")) {
            String type = str(block.get("type"));
            if ("text".equals(type)) {
                text.append(block.path("text").asString(""));
            } else if ("tool_use".equals(type)) {
                String name = block.path("name").asString("");
                String arguments = JSON.writeValueAsString(block.has("input") ? block.get("input") : JSON.createObjectNode());
                if (jsonMode && name.equals(JSON_TOOL)) {
                    jsonAnswer = jsonAnswer == null ? arguments : jsonAnswer;
                    continue;
                }
                ObjectNode call = calls.addObject();
                call.put("id", block.path("id").asString(""));
                call.put("type", "function");
                call.putObject("function").put("name", name).put("arguments", arguments);
            }
            // thinking, redacted_thinking, server tool blocks: not part of OpenAI's message
        }
        ObjectNode root = ChatChunks.completion(message.path("id").asString("msg_unknown"), created,
                str(message.get("model")) != null ? message.get("model").asString() : fallbackModel);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        // In JSON mode the answer tool's input is the answer; any preamble text is not JSON.
        ChatChunks.assistantMessage(choice, jsonAnswer != null ? jsonAnswer : text.toString(), calls).putArray("annotations");
        choice.putNull("logprobs");
        choice.put("finish_reason", AnthropicWire.finishReason(str(message.get("stop_reason")), !calls.isEmpty()));
        TokenUsage usage = AnthropicWire.usage(message.get("usage"));
        if (usage != null) {
            ChatChunks.putUsage(root, usage);
        }
        return root;
    }

    static JsonNode parse(String json) {
        return ChatRequests.parseEvent(json);
    }

    static String str(JsonNode node) {
        return ChatRequests.str(node);
    }

    // ---------------------------------------------------------------- streaming

    /**
     * Anthropic's stream events to OpenAI chunks, one stream per instance. The role chunk goes out
     * with the first content block rather than at {@code message_start}, so an {@code error} event
     * right after the start (an overload) fails the attempt before any byte reached the client
     * and routing can still fall back.
     */
    public static final class StreamTranslator implements Transport.EventTranslator {

        private enum Kind { TEXT, TOOL, JSON_ANSWER, IGNORED }

        private record Block(Kind kind, int toolIndex, boolean[] hasArguments) {}

        private final String provider;
        private final boolean jsonMode;
        private final ChatChunks.Writer chunks;
        private final Map<Integer, Block> blocks = new HashMap<>();
        private boolean done;
        private int tools;
        private String stopReason;
        private long input;
        private long cacheCreation;
        private long cacheRead;
        private long output;
        private boolean usageSeen;

        public StreamTranslator(String provider, String fallbackModel, boolean jsonMode, long created) {
            this.provider = provider;
            this.chunks = new ChatChunks.Writer("msg_unknown", fallbackModel, created);
            this.jsonMode = jsonMode;
        }

        @Override
        public List<StreamChunk> accept(List<SseSplitter.Event> events) {
            return ChatChunks.translate(events, (event, out) -> accept(event.name(), event.data(), out));
        }

        /** One event; throws the provider's error for an {@code error} event. */
        public List<StreamChunk> accept(String name, String data) {
            List<StreamChunk> out = new ArrayList<>(3);
            accept(name, data, out);
            return out;
        }

        /** The upstream body ended: fine after {@code message_stop}, a broken stream otherwise. */
        @Override
        public List<StreamChunk> end() {
            if (!done) {
                throw UpstreamException.of(UpstreamException.Kind.CONNECTION_CLOSED,
                        "provider '" + provider + "' ended the stream before message_stop", null);
            }
            return List.of();
        }

        private void accept(String name, String data, List<StreamChunk> out) {
            if (done) {
                return;
            }
            JsonNode event = parse(data);
            String type = name != null ? name : str(event.get("type"));
            if (type == null) {
                return;
            }
            switch (type) {
                case "message_start" -> {
                    JsonNode message = event.path("message");
                    chunks.identify(message.path("id").asString(chunks.id()), message.path("model").asString(chunks.model()));
                    usage(message.get("usage"));
                }
                case "content_block_start" -> blockStart(event.path("index").asInt(0), event.path("content_block"), out);
                case "content_block_delta" -> blockDelta(event.path("index").asInt(0), event.path("delta"), out);
                case "content_block_stop" -> {
                    Block block = blocks.get(event.path("index").asInt(0));
                    if (block != null && block.kind() != Kind.TEXT && block.kind() != Kind.IGNORED && !block.hasArguments()[0]) {
                        // A call without input streams no input_json_delta; OpenAI clients parse the arguments.
                        argumentDelta(block, "{}", out);
                    }
                }
                case "message_delta" -> {
                    String reason = str(event.path("delta").get("stop_reason"));
                    if (reason != null) {
                        stopReason = reason;
                    }
                    usage(event.get("usage")); // cumulative counts: the latest wins
                    if (reason != null) {
                        finish(out);
                    }
                }
                case "message_stop" -> {
                    finish(out);
                    TokenUsage usage = usageSeen ? AnthropicWire.usage(input, cacheCreation, cacheRead, output) : null;
                    if (usage != null) {
                        out.add(chunks.usage(usage));
                    }
                    out.add(StreamChunk.done(SseFrames.DONE));
                    done = true;
                }
                case "error" -> throw AnthropicAdapter.streamError(provider, event);
                default -> {
                    // ping, and event types added after this adapter was written
                }
            }
        }

        private void blockStart(int index, JsonNode contentBlock, List<StreamChunk> out) {
            String type = str(contentBlock.get("type"));
            chunks.roleOnce(out);
            if ("text".equals(type)) {
                blocks.put(index, new Block(Kind.TEXT, -1, null));
                String text = contentBlock.path("text").asString("");
                if (!text.isEmpty()) {
                    out.add(chunks.content(text));
                }
            } else if ("tool_use".equals(type)) {
                String toolName = contentBlock.path("name").asString("");
                if (jsonMode && toolName.equals(JSON_TOOL)) {
                    blocks.put(index, new Block(Kind.JSON_ANSWER, -1, new boolean[1]));
                    return;
                }
                Block block = new Block(Kind.TOOL, tools++, new boolean[1]);
                blocks.put(index, block);
                out.add(chunks.toolCallStart(block.toolIndex(), contentBlock.path("id").asString(""), toolName));
            } else {
                blocks.put(index, new Block(Kind.IGNORED, -1, null)); // thinking and server tool blocks
            }
        }

        private void blockDelta(int index, JsonNode delta, List<StreamChunk> out) {
            String type = str(delta.get("type"));
            Block block = blocks.get(index);
            if ("text_delta".equals(type)) {
                String text = delta.path("text").asString("");
                if (!text.isEmpty() && (block == null || block.kind() == Kind.TEXT)) {
                    chunks.roleOnce(out);
                    out.add(chunks.content(text));
                }
            } else if ("input_json_delta".equals(type) && block != null) {
                String partial = delta.path("partial_json").asString("");
                if (!partial.isEmpty()) {
                    argumentDelta(block, partial, out);
                }
            }
            // thinking_delta, signature_delta, citations_delta: not part of OpenAI's stream
        }

        private void argumentDelta(Block block, String partial, List<StreamChunk> out) {
            if (block.kind() == Kind.JSON_ANSWER) {
                block.hasArguments()[0] = true;
                out.add(chunks.content(partial));
            } else if (block.kind() == Kind.TOOL) {
                block.hasArguments()[0] = true;
                out.add(chunks.toolArguments(block.toolIndex(), partial));
            }
        }

        private void finish(List<StreamChunk> out) {
            chunks.finishOnce(AnthropicWire.finishReason(stopReason, tools > 0), out);
        }

        private void usage(JsonNode usage) {
            if (usage == null || !usage.isObject()) {
                return;
            }
            usageSeen = true;
            input = usage.path("input_tokens").asLong(input);
            cacheCreation = usage.path("cache_creation_input_tokens").asLong(cacheCreation);
            cacheRead = usage.path("cache_read_input_tokens").asLong(cacheRead);
            output = usage.path("output_tokens").asLong(output);
        }
    }
}
