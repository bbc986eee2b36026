package dev.tollgate.provider;

import dev.tollgate.streaming.SseFrames;
import dev.tollgate.support.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's answer shapes as the translating adapters build them: the {@code usage} object of a
 * response, and {@code chat.completion.chunk} frames. The static functions build single frames
 * for any choice (Gemini streams several candidates at once); {@link Writer} keeps the state of a
 * one-choice stream (Anthropic, Bedrock): the role chunk once, the finish chunk once.
 */
public final class ChatChunks {

    private ChatChunks() {}

    /** {@code usage} with prompt, completion and total tokens and the cached part of the prompt. */
    public static ObjectNode putUsage(ObjectNode root, TokenUsage usage) {
        ObjectNode u = root.putObject("usage");
        u.put("prompt_tokens", usage.inputTokens());
        u.put("completion_tokens", usage.outputTokens());
        u.put("total_tokens", usage.inputTokens() + usage.outputTokens());
        u.putObject("prompt_tokens_details").put("cached_tokens", usage.cachedInputTokens());
        return u;
    }

    /** The fields of a {@code chat.completion} before its choices. */
    public static ObjectNode completion(String id, long created, String model) {
        return head(id, "chat.completion", created, model);
    }

    /**
     * A choice's assistant message: the content (null when there is none but tool calls), the
     * tool calls if any, no refusal.
     */
    public static ObjectNode assistantMessage(ObjectNode choice, String content, ArrayNode calls) {
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        if (!content.isEmpty() || calls.isEmpty()) {
            message.put("content", content);
        } else {
            message.putNull("content");
        }
        if (!calls.isEmpty()) {
            message.set("tool_calls", calls);
        }
        message.putNull("refusal");
        return message;
    }

    /** The delta that opens a choice: the assistant role, empty content, no refusal. */
    public static ObjectNode roleDelta() {
        ObjectNode delta = Json.MAPPER.createObjectNode().put("role", "assistant").put("content", "");
        delta.putNull("refusal");
        return delta;
    }

    /** The fields every chunk of one stream shares. */
    public static ObjectNode envelope(String id, long created, String model) {
        return head(id, "chat.completion.chunk", created, model);
    }

    private static ObjectNode head(String id, String object, long created, String model) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("id", id);
        root.put("object", object);
        root.put("created", created);
        root.put("model", model);
        return root;
    }

    /** One choice's delta (and finish reason, when it ends) as a framed chunk; {@code text} for token estimates. */
    public static StreamChunk delta(ObjectNode envelope, int index, ObjectNode delta, String finishReason, String text) {
        ObjectNode choice = envelope.putArray("choices").addObject();
        choice.put("index", index);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        envelope.putNull("usage");
        return new StreamChunk(SseFrames.data(Json.MAPPER.writeValueAsBytes(envelope)), null, false, text, false);
    }

    /** The final chunk without choices that carries the usage; dropped for clients that did not ask for it. */
    public static StreamChunk usage(ObjectNode envelope, TokenUsage usage) {
        envelope.putArray("choices");
        putUsage(envelope, usage);
        return new StreamChunk(SseFrames.data(Json.MAPPER.writeValueAsBytes(envelope)), usage, true, null, false);
    }

    /** A batch of upstream events translated one by one, in order, into one list of chunks. */
    public static <E> List<StreamChunk> translate(List<E> events, BiConsumer<E, List<StreamChunk>> translator) {
        if (events.isEmpty()) {
            return List.of();
        }
        List<StreamChunk> out = new ArrayList<>(events.size() + 2);
        for (E event : events) {
            translator.accept(event, out);
        }
        return out;
    }

    /**
     * Writes the chunks of one translated stream with a single choice: the role chunk, content
     * and tool-call deltas, the finish chunk and the final usage chunk.
     */
    public static final class Writer {
        private String id;
        private String model;
        private final long created;
        private boolean started;
        private boolean finished;

        public Writer(String id, String model, long created) {
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
                out.add(chunk(roleDelta(), null, null));
            }
        }

        /** The finish chunk, once per stream (after the role chunk if none went out yet). */
        public void finishOnce(String finishReason, List<StreamChunk> out) {
            if (!finished) {
                roleOnce(out);
                finished = true;
                out.add(chunk(Json.MAPPER.createObjectNode(), finishReason, null));
            }
        }

        public boolean finished() {
            return finished;
        }

        public StreamChunk content(String text) {
            return chunk(Json.MAPPER.createObjectNode().put("content", text), null, text);
        }

        public StreamChunk toolCallStart(int index, String callId, String name) {
            ObjectNode delta = Json.MAPPER.createObjectNode();
            ObjectNode call = delta.putArray("tool_calls").addObject();
            call.put("index", index);
            call.put("id", callId);
            call.put("type", "function");
            call.putObject("function").put("name", name).put("arguments", "");
            return chunk(delta, null, null);
        }

        public StreamChunk toolArguments(int index, String partial) {
            ObjectNode delta = Json.MAPPER.createObjectNode();
            ObjectNode call = delta.putArray("tool_calls").addObject();
            call.put("index", index);
            call.putObject("function").put("arguments", partial);
            return chunk(delta, null, partial);
        }

        /** The usage-only chunk ({@code choices: []}) that ends a metered stream. */
        public StreamChunk usage(TokenUsage usage) {
            return ChatChunks.usage(envelope(id, created, model), usage);
        }

        private StreamChunk chunk(ObjectNode delta, String finishReason, String text) {
            return delta(envelope(id, created, model), 0, delta, finishReason, text);
        }
    }
}
