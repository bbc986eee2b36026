package dev.tollgate.provider;

import dev.tollgate.streaming.SseFrames;
import dev.tollgate.support.Json;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's streamed shapes as the translating adapters build them: {@code chat.completion.chunk}
 * frames for one choice, the role delta that opens a choice, the final usage chunk, and the
 * {@code usage} object of a response.
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

    /** The delta that opens a choice: the assistant role, empty content, no refusal. */
    public static ObjectNode roleDelta() {
        ObjectNode delta = Json.MAPPER.createObjectNode().put("role", "assistant").put("content", "");
        delta.putNull("refusal");
        return delta;
    }

    /** The fields every chunk of one stream shares. */
    public static ObjectNode envelope(String id, long created, String model) {
        ObjectNode chunk = Json.MAPPER.createObjectNode();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", model);
        return chunk;
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
}
