package dev.tollgate.provider;

import dev.tollgate.streaming.SseFrames;
import dev.tollgate.support.Json;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What every adapter that translates OpenAI chat completions to another vendor's API needs alike:
 * reading the common request fields, refusing what the vendor cannot do, and writing OpenAI's
 * answer shapes ({@code usage}, {@code chat.completion.chunk} frames).
 */
public final class OpenAiChat {

    static final JsonMapper JSON = Json.MAPPER;

    private OpenAiChat() {}

    /** The client asked for something the vendor cannot do; a 400 for the client, never retried. */
    public static final class UnsupportedRequest extends RuntimeException {
        private final String param;

        public UnsupportedRequest(String param, String message) {
            super(message, null, false, false);
            this.param = param;
        }

        public String param() {
            return param;
        }

        /** As the 400 the client gets, naming the provider. */
        public UpstreamException toUpstream(String provider) {
            return refused(provider, param, getMessage());
        }
    }

    /** A request the provider cannot serve, refused without calling it: a 400 that no retry can fix. */
    public static UpstreamException refused(String provider, String param, String message) {
        return new UpstreamException(UpstreamException.Kind.HTTP_STATUS, 400,
                "provider '" + provider + "' cannot serve this request: " + message, null,
                "invalid_request_error", "unsupported_by_provider", param, null);
    }

    /** Refuses {@code n > 1}: the translating vendors return one choice per call. */
    public static void oneChoiceOnly(JsonNode chat, String vendor) {
        JsonNode n = chat.get("n");
        if (n != null && n.isNumber() && n.asInt() > 1) {
            throw new UnsupportedRequest("n", "n: " + vendor + " returns one choice per call; n > 1 is not supported.");
        }
    }

    /** One OpenAI content part as a vendor block, or null to leave it out; {@code at} is its path for errors. */
    @FunctionalInterface
    public interface PartMapper {
        ObjectNode map(JsonNode part, String type, String at);
    }

    /**
     * Message content (a string, an array of parts, or null) as the vendor's blocks: a string is
     * one text part; empty text is dropped; a part without a type is refused.
     */
    public static ArrayNode contentBlocks(JsonNode content, String at, PartMapper mapper) {
        ArrayNode blocks = JSON.createArrayNode();
        if (content == null || content.isNull()) {
            return blocks;
        }
        if (content.isString()) {
            if (!content.asString().isEmpty()) {
                blocks.add(mapper.map(JSON.createObjectNode().put("type", "text").put("text", content.asString()), "text", at));
            }
            return blocks;
        }
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String partAt = at + "[" + i + "]";
            JsonNode type = part.get("type");
            if (type == null || !type.isString()) {
                throw new UnsupportedRequest(partAt + ".type", partAt + ".type: required.");
            }
            ObjectNode block = mapper.map(part, type.asString(), partAt);
            if (block != null) {
                blocks.add(block);
            }
        }
        return blocks;
    }

    /** {@code max_completion_tokens}, else {@code max_tokens}; null when the client set no limit. */
    public static Integer maxTokens(JsonNode chat) {
        for (String field : new String[] {"max_completion_tokens", "max_tokens"}) {
            JsonNode v = chat.get(field);
            if (v != null && v.isIntegralNumber()) {
                return v.asInt();
            }
        }
        return null;
    }

    /** {@code stop} as a list (a single string or an array); empty when absent. */
    public static List<String> stopSequences(JsonNode chat) {
        JsonNode stop = chat.get("stop");
        List<String> out = new ArrayList<>();
        if (stop != null && stop.isString()) {
            out.add(stop.asString());
        } else if (stop != null && stop.isArray()) {
            stop.forEach(s -> out.add(s.asString()));
        }
        return out;
    }

    /** Tool call arguments (a JSON string in OpenAI) as the JSON object the vendor wants. */
    public static JsonNode toolArguments(JsonNode arguments, String at, String vendor) {
        if (arguments == null || arguments.isNull() || (arguments.isString() && arguments.asString().isBlank())) {
            return JSON.createObjectNode();
        }
        if (arguments.isObject()) {
            return arguments;
        }
        try {
            JsonNode parsed = JSON.readTree(arguments.asString());
            if (parsed != null && parsed.isObject()) {
                return parsed;
            }
        } catch (JacksonException notJson) {
            // reported below
        }
        throw new UnsupportedRequest(at, at + ": " + vendor + " needs tool call arguments that are a JSON object.");
    }

    /** A base64 {@code data:} URL: {@code data:<media type>;base64,<data>}. */
    public record DataUrl(String mediaType, String base64) {

        public static DataUrl parse(String url, String at) {
            int comma = url.indexOf(',');
            String meta = comma < 0 ? "" : url.substring(5, comma);
            if (comma < 0 || !meta.endsWith(";base64")) {
                throw new UnsupportedRequest(at, at + ": a data: URI must be base64 encoded (data:<media type>;base64,...).");
            }
            return new DataUrl(meta.substring(0, meta.length() - ";base64".length()), url.substring(comma + 1));
        }
    }

    /** OpenAI's {@code usage} object on {@code root}. */
    public static void putUsage(ObjectNode root, TokenUsage usage) {
        ObjectNode u = root.putObject("usage");
        u.put("prompt_tokens", usage.inputTokens());
        u.put("completion_tokens", usage.outputTokens());
        u.put("total_tokens", usage.inputTokens() + usage.outputTokens());
        u.putObject("prompt_tokens_details").put("cached_tokens", usage.cachedInputTokens());
    }

    /**
     * Writes the {@code chat.completion.chunk} frames of one translated stream: the role chunk,
     * content and tool-call deltas, the finish chunk and the final usage chunk.
     */
    public static final class ChunkWriter {
        private String id;
        private String model;
        private final long created;
        private boolean started;
        private boolean finished;

        public ChunkWriter(String id, String model, long created) {
            this.id = id;
            this.model = model;
            this.created = created;
        }

        /** The id and model, when the vendor names them only once the stream has started. */
        public void identify(String id, String model) {
            this.id = id;
            this.model = model;
        }

        public String id() {
            return id;
        }

        public String model() {
            return model;
        }

        /**
         * The role chunk, once per stream, added before the first content. Translators hold it
         * back until then, so that a vendor error right after the stream opened fails the
         * attempt before any byte reached the client and routing can still fall back.
         */
        public void roleOnce(List<StreamChunk> out) {
            if (!started) {
                started = true;
                ObjectNode delta = JSON.createObjectNode().put("role", "assistant").put("content", "");
                delta.putNull("refusal");
                out.add(chunk(delta, null, null));
            }
        }

        /** The finish chunk, once per stream (after the role chunk if none went out yet). */
        public void finishOnce(String finishReason, List<StreamChunk> out) {
            if (!finished) {
                roleOnce(out);
                finished = true;
                out.add(chunk(JSON.createObjectNode(), finishReason, null));
            }
        }

        public boolean finished() {
            return finished;
        }

        public StreamChunk content(String text) {
            return chunk(JSON.createObjectNode().put("content", text), null, text);
        }

        public StreamChunk toolCallStart(int index, String callId, String name) {
            ObjectNode delta = JSON.createObjectNode();
            ObjectNode call = delta.putArray("tool_calls").addObject();
            call.put("index", index);
            call.put("id", callId);
            call.put("type", "function");
            call.putObject("function").put("name", name).put("arguments", "");
            return chunk(delta, null, null);
        }

        public StreamChunk toolArguments(int index, String partial) {
            ObjectNode delta = JSON.createObjectNode();
            ObjectNode call = delta.putArray("tool_calls").addObject();
            call.put("index", index);
            call.putObject("function").put("arguments", partial);
            return chunk(delta, null, partial);
        }

        /** The usage-only chunk ({@code choices: []}) that ends a metered stream. */
        public StreamChunk usage(TokenUsage usage) {
            ObjectNode chunk = envelope();
            chunk.putArray("choices");
            putUsage(chunk, usage);
            return new StreamChunk(SseFrames.data(JSON.writeValueAsBytes(chunk)), usage, true, null, false);
        }

        private StreamChunk chunk(ObjectNode delta, String finishReason, String text) {
            ObjectNode chunk = envelope();
            ObjectNode choice = chunk.putArray("choices").addObject();
            choice.put("index", 0);
            choice.set("delta", delta);
            choice.putNull("logprobs");
            if (finishReason == null) {
                choice.putNull("finish_reason");
            } else {
                choice.put("finish_reason", finishReason);
            }
            chunk.putNull("usage");
            return new StreamChunk(SseFrames.data(JSON.writeValueAsBytes(chunk)), null, false, text, false);
        }

        private ObjectNode envelope() {
            ObjectNode chunk = JSON.createObjectNode();
            chunk.put("id", id);
            chunk.put("object", "chat.completion.chunk");
            chunk.put("created", created);
            chunk.put("model", model);
            return chunk;
        }
    }
}
