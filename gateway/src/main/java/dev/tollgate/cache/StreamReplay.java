package dev.tollgate.cache;

import dev.tollgate.provider.StreamChunk;
import dev.tollgate.provider.TokenUsage;
import dev.tollgate.streaming.SseFrames;
import dev.tollgate.support.Json;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Serves a cached {@code chat.completion} as the SSE stream a live call would have produced: per
 * choice a role-and-content chunk, tool calls with their index, then a finish chunk; a usage chunk
 * (marked usage-only: the front door passes it on only when the client asked for usage); then
 * {@code [DONE]}. The chunks go through the caller's front door like a provider's would.
 */
public final class StreamReplay {

    private StreamReplay() {}

    public static List<StreamChunk> chunks(byte[] completionJson) {
        JsonNode completion = Json.MAPPER.readTree(completionJson);
        List<StreamChunk> frames = new ArrayList<>();
        for (JsonNode choice : completion.path("choices")) {
            int index = choice.path("index").asInt(0);
            JsonNode message = choice.path("message");
            ObjectNode first = chunk(completion);
            ObjectNode delta = choiceOf(first, index).putObject("delta");
            delta.put("role", "assistant");
            delta.set("content", message.path("content").isString() ? message.get("content") : Json.MAPPER.nullNode());
            if (message.hasNonNull("refusal")) {
                delta.set("refusal", message.get("refusal"));
            }
            frames.add(new StreamChunk(frame(first), null, false,
                    message.path("content").isString() ? message.get("content").asString() : null, false));
            int toolIndex = 0;
            for (JsonNode call : message.path("tool_calls")) {
                ObjectNode chunk = chunk(completion);
                ArrayNode calls = choiceOf(chunk, index).putObject("delta").putArray("tool_calls");
                ObjectNode c = calls.addObject();
                c.put("index", toolIndex++);
                c.set("id", call.get("id"));
                c.put("type", call.path("type").asString("function"));
                c.set("function", call.get("function"));
                frames.add(new StreamChunk(frame(chunk), null, false, null, false));
            }
            ObjectNode last = chunk(completion);
            ObjectNode lastChoice = choiceOf(last, index);
            lastChoice.putObject("delta");
            lastChoice.set("finish_reason", choice.get("finish_reason"));
            frames.add(new StreamChunk(frame(last), null, false, null, false));
        }
        if (completion.hasNonNull("usage")) {
            ObjectNode usage = chunk(completion);
            usage.putArray("choices");
            usage.set("usage", completion.get("usage"));
            frames.add(new StreamChunk(frame(usage), TokenUsage.ofOpenAi(completion), true, null, false));
        }
        frames.add(StreamChunk.done(SseFrames.DONE));
        return frames;
    }

    private static ObjectNode chunk(JsonNode completion) {
        ObjectNode chunk = Json.MAPPER.createObjectNode();
        chunk.set("id", completion.get("id"));
        chunk.put("object", "chat.completion.chunk");
        chunk.set("created", completion.get("created"));
        chunk.set("model", completion.get("model"));
        if (completion.hasNonNull("system_fingerprint")) {
            chunk.set("system_fingerprint", completion.get("system_fingerprint"));
        }
        return chunk;
    }

    private static ObjectNode choiceOf(ObjectNode chunk, int index) {
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", index);
        return choice;
    }

    private static byte[] frame(JsonNode chunk) {
        return SseFrames.data(Json.MAPPER.writeValueAsString(chunk));
    }
}
