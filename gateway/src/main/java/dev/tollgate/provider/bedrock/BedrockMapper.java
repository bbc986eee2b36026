package dev.tollgate.provider.bedrock;

import dev.tollgate.provider.ChatChunks;
import dev.tollgate.provider.ChatRequests;
import dev.tollgate.provider.StreamChunk;
import dev.tollgate.provider.TokenUsage;
import dev.tollgate.provider.UnsupportedRequest;
import dev.tollgate.provider.UpstreamException;
import dev.tollgate.streaming.SseFrames;
import dev.tollgate.support.Json;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Translation between OpenAI's chat completions and Bedrock's Converse API, without I/O: request
 * tree in, Converse body out; Converse answer in, {@code chat.completion} out; and a
 * {@link StreamTranslator} from ConverseStream's event-stream messages to OpenAI chunks.
 *
 * <p>What does not map: {@code n > 1}, JSON response formats, audio parts, http(s) image URLs
 * (Converse takes image bytes only) and legacy {@code function} messages are refused with a 400
 * ({@link UnsupportedRequest}); {@code logprobs}, {@code seed}, penalties and other vendor fields
 * are dropped, since Converse rejects fields it does not know.
 */
public final class BedrockMapper {

    static final JsonMapper JSON = Json.MAPPER;

    private BedrockMapper() {}

    // ---------------------------------------------------------------- request

    /** The Converse (or ConverseStream: the body is the same) request for an OpenAI chat body. */
    public static ObjectNode toConverseRequest(JsonNode chat) {
        ChatRequests.oneChoiceOnly(chat, "Bedrock");
        String format = str(chat.path("response_format").get("type"));
        if (format != null && !format.equals("text")) {
            throw new UnsupportedRequest("response_format",
                    "response_format: '" + format + "' is not supported by Bedrock's Converse API; describe the JSON in the prompt or use a tool.");
        }
        ObjectNode out = JSON.createObjectNode();
        boolean toolHistory = messages(chat.path("messages"), out);
        ObjectNode inference = JSON.createObjectNode();
        Integer maxTokens = ChatRequests.maxTokens(chat);
        if (maxTokens != null) {
            inference.put("maxTokens", maxTokens);
        }
        JsonNode temperature = chat.get("temperature");
        if (temperature != null && temperature.isNumber()) {
            inference.put("temperature", temperature.asDouble());
        }
        JsonNode topP = chat.get("top_p");
        if (topP != null && topP.isNumber()) {
            inference.put("topP", topP.asDouble());
        }
        ArrayNode stop = ChatRequests.stopSequences(chat);
        if (stop != null) {
            inference.set("stopSequences", stop);
        }
        if (!inference.isEmpty()) {
            out.set("inferenceConfig", inference);
        }
        tools(chat, out, toolHistory);
        return out;
    }

    /** Fills {@code system} and {@code messages}; true when the history holds tool calls or results. */
    private static boolean messages(JsonNode messages, ObjectNode out) {
        ArrayNode system = JSON.createArrayNode();
        ArrayNode turns = JSON.createArrayNode();
        boolean toolHistory = false;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = "messages[" + i + "]";
            String role = ChatRequests.role(m, at);
            JsonNode content = m.get("content");
            switch (role) {
                case "system", "developer" -> {
                    for (JsonNode block : blocks(content, at + ".content")) {
                        if (!block.has("text")) {
                            throw new UnsupportedRequest(at + ".content", at + ".content: system messages may hold text only.");
                        }
                        system.add(block);
                    }
                }
                case "user" -> turn(turns, "user").addAll(blocks(content, at + ".content"));
                case "assistant" -> {
                    ArrayNode blocks = blocks(content, at + ".content");
                    JsonNode calls = m.get("tool_calls");
                    if (calls != null && calls.isArray()) {
                        for (int j = 0; j < calls.size(); j++) {
                            JsonNode call = calls.get(j);
                            ObjectNode use = blocks.addObject().putObject("toolUse");
                            use.put("toolUseId", call.path("id").asString(""));
                            use.put("name", call.path("function").path("name").asString(""));
                            use.set("input", ChatRequests.toolArguments(call.path("function").get("arguments"),
                                    at + ".tool_calls[" + j + "].function.arguments", "Bedrock"));
                            toolHistory = true;
                        }
                    }
                    if (!blocks.isEmpty()) {
                        turn(turns, "assistant").addAll(blocks);
                    }
                }
                case "tool" -> {
                    ObjectNode result = JSON.createObjectNode();
                    ObjectNode toolResult = result.putObject("toolResult");
                    toolResult.put("toolUseId", m.path("tool_call_id").asString(""));
                    ArrayNode parts = blocks(content, at + ".content");
                    if (parts.isEmpty()) {
                        parts.addObject().put("text", ""); // Converse needs content; an empty result is still a result
                    }
                    toolResult.set("content", parts);
                    turn(turns, "user").add(result);
                    toolHistory = true;
                }
                default -> throw new UnsupportedRequest(at + ".role",
                        at + ".role: '" + role + "' messages are not supported by Bedrock; use 'tool' messages.");
            }
        }
        if (!system.isEmpty()) {
            out.set("system", system);
        }
        out.set("messages", turns);
        return toolHistory;
    }

    /**
     * The content of the turn that {@code role} continues: Converse wants user and assistant
     * turns to alternate, so consecutive messages of one role (tool results followed by user
     * text, say) become one turn.
     */
    private static ArrayNode turn(ArrayNode turns, String role) {
        if (!turns.isEmpty() && role.equals(str(turns.get(turns.size() - 1).get("role")))) {
            return (ArrayNode) turns.get(turns.size() - 1).get("content");
        }
        ObjectNode turn = turns.addObject().put("role", role);
        return turn.putArray("content");
    }

    /** Content (string, array of parts, or null) as Converse content blocks; empty text is dropped. */
    private static ArrayNode blocks(JsonNode content, String at) {
        return ChatRequests.parts(content, at, BedrockMapper::block);
    }

    private static ObjectNode block(JsonNode part, String type, String at) {
        switch (type) {
            case "text", "refusal" -> {
                String text = ChatRequests.partText(part, type);
                return text == null ? null : JSON.createObjectNode().put("text", text);
            }
            case "image_url" -> {
                String url = ChatRequests.imageUrl(part, at);
                String param = at + ".image_url.url";
                ChatRequests.DataUri data = ChatRequests.dataUri(url, param);
                if (data == null) {
                    throw new UnsupportedRequest(param, param
                            + ": Bedrock accepts images only as inline base64 data: URLs (data:image/png;base64,...), not by http(s) URL.");
                }
                String format = switch (data.mediaType().toLowerCase(Locale.ROOT)) {
                    case "image/png" -> "png";
                    case "image/jpeg", "image/jpg" -> "jpeg";
                    case "image/gif" -> "gif";
                    case "image/webp" -> "webp";
                    default -> throw new UnsupportedRequest(param, param + ": image type '" + data.mediaType()
                            + "' is not supported by Bedrock (png, jpeg, gif or webp).");
                };
                ObjectNode block = JSON.createObjectNode();
                ObjectNode img = block.putObject("image");
                img.put("format", format);
                img.putObject("source").put("bytes", data.data());
                return block;
            }
            default -> throw new UnsupportedRequest(at + ".type",
                    at + ".type: content parts of type '" + type + "' are not supported by Bedrock.");
        }
    }

    /**
     * {@code toolConfig}: the client's function tools and its tool_choice ({@code auto},
     * {@code required} as {@code any}, a named function as {@code tool}). Converse has no
     * {@code none}: the tools are then left out, unless the history holds tool calls, which
     * Converse accepts only with a toolConfig (and then the model may still call one).
     */
    private static void tools(JsonNode chat, ObjectNode out, boolean toolHistory) {
        JsonNode clientTools = chat.get("tools");
        if (clientTools == null || !clientTools.isArray() || clientTools.isEmpty()) {
            return;
        }
        JsonNode choice = chat.get("tool_choice");
        boolean none = choice != null && choice.isString() && choice.asString().equals("none");
        if (none && !toolHistory) {
            return;
        }
        ObjectNode config = out.putObject("toolConfig");
        ArrayNode tools = config.putArray("tools");
        for (int i = 0; i < clientTools.size(); i++) {
            JsonNode t = clientTools.get(i);
            if (!"function".equals(str(t.get("type")))) {
                throw new UnsupportedRequest("tools[" + i + "].type", "tools[" + i + "].type: only 'function' tools are supported by Bedrock.");
            }
            JsonNode fn = t.path("function");
            ObjectNode spec = tools.addObject().putObject("toolSpec");
            spec.put("name", fn.path("name").asString(""));
            String description = str(fn.get("description"));
            if (description != null && !description.isEmpty()) {
                spec.put("description", description);
            }
            JsonNode parameters = fn.get("parameters");
            ObjectNode schema = spec.putObject("inputSchema");
            if (parameters != null && parameters.isObject()) {
                schema.set("json", parameters);
            } else {
                schema.putObject("json").put("type", "object").putObject("properties");
            }
        }
        if (choice == null || choice.isNull() || none) {
            return; // Converse's default is auto
        }
        if (choice.isString()) {
            switch (choice.asString()) {
                case "required" -> config.putObject("toolChoice").putObject("any");
                case "auto" -> config.putObject("toolChoice").putObject("auto");
                default -> throw new UnsupportedRequest("tool_choice", "tool_choice: expected 'auto', 'required', 'none' or a function.");
            }
            return;
        }
        String name = str(choice.path("function").get("name"));
        if (name == null) {
            throw new UnsupportedRequest("tool_choice",
                    "tool_choice: expected 'auto', 'required', 'none' or {\"type\": \"function\", \"function\": {\"name\": ...}}.");
        }
        config.putObject("toolChoice").putObject("tool").put("name", name);
    }

    // ---------------------------------------------------------------- response

    /** A Converse answer as an OpenAI {@code chat.completion}; {@code id} and {@code model} come from the call. */
    public static ObjectNode toChatCompletion(JsonNode converse, String id, String model, long created) {
        StringBuilder text = new StringBuilder();
        ArrayNode calls = JSON.createArrayNode();
        for (JsonNode block : converse.path("output").path("message").path("content")) {
            if (block.has("text")) {
                text.append(block.path("text").asString(""));
            } else if (block.has("toolUse")) {
                JsonNode use = block.get("toolUse");
                ObjectNode call = calls.addObject();
                call.put("id", use.path("toolUseId").asString(""));
                call.put("type", "function");
                call.putObject("function").put("name", use.path("name").asString(""))
                        .put("arguments", JSON.writeValueAsString(use.has("input") ? use.get("input") : JSON.createObjectNode()));
            }
            // reasoningContent, citations, guard content: not part of OpenAI's message
        }
        ObjectNode root = ChatChunks.completion(id, created, model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ChatChunks.assistantMessage(choice, text.toString(), calls);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(str(converse.get("stopReason"))));
        TokenUsage usage = usage(converse.get("usage"));
        if (usage != null) {
            ChatChunks.putUsage(root, usage);
        }
        return root;
    }

    /** OpenAI's finish_reason for Converse's stopReason. */
    public static String finishReason(String stopReason) {
        if (stopReason == null) {
            return "stop";
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "content_filtered", "guardrail_intervened" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence
        };
    }

    /**
     * Converse usage in Tollgate's terms: {@code inputTokens} leaves out the cache reads and
     * writes, OpenAI's prompt_tokens is their sum with cached_tokens the reads; the writes are
     * kept apart as cache-write tokens (priced at the cache-write price). The same object ends a
     * stream (the {@code metadata} event). Null when absent.
     */
    public static TokenUsage usage(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        long cacheRead = usage.path("cacheReadInputTokens").asLong(0);
        long cacheWrite = usage.path("cacheWriteInputTokens").asLong(0);
        long prompt = usage.path("inputTokens").asLong(0) + cacheWrite + cacheRead;
        return new TokenUsage(prompt, usage.path("outputTokens").asLong(0), cacheRead, cacheWrite, false);
    }


    static String str(JsonNode node) {
        return ChatRequests.str(node);
    }

    // ---------------------------------------------------------------- streaming

    /**
     * ConverseStream's messages to OpenAI chunks, one stream per instance. Text comes as
     * {@code contentBlockDelta}s without a start; a tool call opens with a
     * {@code contentBlockStart} carrying its id and name, then streams its input as partial JSON.
     * {@code messageStop} carries the stop reason, and {@code metadata} after it the usage. The
     * role chunk waits for the first content, so an exception right at the start (throttling)
     * fails the attempt before anything reached the client and routing can still fall back.
     */
    public static final class StreamTranslator implements dev.tollgate.provider.Transport.Translator<Message> {

        private final String provider;
        private final ChatChunks.Writer chunks;
        /** Converse content block index to OpenAI tool call index, with whether arguments came. */
        private final Map<Integer, int[]> toolBlocks = new HashMap<>();
        private boolean done;
        private int tools;
        private String stopReason;

        public StreamTranslator(String provider, String id, String model, long created) {
            this.provider = provider;
            this.chunks = new ChatChunks.Writer(id, model, created);
        }

        public List<StreamChunk> accept(List<Message> messages) {
            return ChatChunks.translate(messages, this::accept);
        }

        /**
         * The upstream body ended: complete after {@code metadata}, or after {@code messageStop}
         * (then without usage); a broken stream before that.
         */
        public List<StreamChunk> end() {
            if (done) {
                return List.of();
            }
            if (!chunks.finished()) {
                throw UpstreamException.of(UpstreamException.Kind.CONNECTION_CLOSED,
                        "provider '" + provider + "' ended the stream before messageStop", null);
            }
            done = true;
            return List.of(StreamChunk.done(SseFrames.DONE));
        }

        private void accept(Message message, List<StreamChunk> out) {
            if (done) {
                return;
            }
            String messageType = header(message, ":message-type");
            if ("exception".equals(messageType)) {
                throw BedrockErrors.streamException(provider, header(message, ":exception-type"), payload(message));
            }
            if ("error".equals(messageType)) {
                throw BedrockErrors.streamError(provider, header(message, ":error-code"), header(message, ":error-message"));
            }
            String type = header(message, ":event-type");
            if (type == null) {
                return;
            }
            switch (type) {
                case "contentBlockStart" -> {
                    JsonNode event = payload(message);
                    JsonNode toolUse = event.path("start").get("toolUse");
                    if (toolUse != null && toolUse.isObject()) {
                        chunks.roleOnce(out);
                        int index = tools++;
                        toolBlocks.put(event.path("contentBlockIndex").asInt(0), new int[] {index, 0});
                        out.add(chunks.toolCallStart(index, toolUse.path("toolUseId").asString(""), toolUse.path("name").asString("")));
                    }
                }
                case "contentBlockDelta" -> {
                    JsonNode event = payload(message);
                    JsonNode delta = event.path("delta");
                    String text = str(delta.get("text"));
                    if (text != null && !text.isEmpty()) {
                        chunks.roleOnce(out);
                        out.add(chunks.content(text));
                    }
                    String input = str(delta.path("toolUse").get("input"));
                    int[] tool = toolBlocks.get(event.path("contentBlockIndex").asInt(0));
                    if (input != null && !input.isEmpty() && tool != null) {
                        arguments(tool, input, out);
                    }
                    // reasoningContent deltas: not part of OpenAI's stream
                }
                case "contentBlockStop" -> {
                    int[] tool = toolBlocks.get(payload(message).path("contentBlockIndex").asInt(0));
                    if (tool != null && tool[1] == 0) {
                        arguments(tool, "{}", out); // a call without input: OpenAI clients parse the arguments
                    }
                }
                case "messageStop" -> {
                    stopReason = str(payload(message).get("stopReason"));
                    finish(out);
                }
                case "metadata" -> {
                    finish(out);
                    TokenUsage usage = usage(payload(message).get("usage"));
                    if (usage != null) {
                        out.add(chunks.usage(usage));
                    }
                    out.add(StreamChunk.done(SseFrames.DONE));
                    done = true;
                }
                default -> {
                    // messageStart (the role waits for content), and event types added later
                }
            }
        }

        private void arguments(int[] tool, String partial, List<StreamChunk> out) {
            tool[1] = 1;
            out.add(chunks.toolArguments(tool[0], partial));
        }

        private void finish(List<StreamChunk> out) {
            chunks.finishOnce(finishReason(stopReason), out);
        }

        private JsonNode payload(Message message) {
            try {
                JsonNode json = JSON.readTree(message.getPayload());
                return json == null ? JSON.createObjectNode() : json;
            } catch (JacksonException e) {
                throw UpstreamException.of(UpstreamException.Kind.PROTOCOL,
                        "provider '" + provider + "' streamed invalid JSON: " + e.getOriginalMessage(), null);
            }
        }

        private static String header(Message message, String name) {
            HeaderValue value = message.getHeaders().get(name);
            if (value == null) {
                return null;
            }
            return switch (value.getType()) {
                case STRING -> value.getString();
                case BYTE_ARRAY -> new String(value.getByteArray(), StandardCharsets.UTF_8);
                default -> value.toString();
            };
        }
    }
}
