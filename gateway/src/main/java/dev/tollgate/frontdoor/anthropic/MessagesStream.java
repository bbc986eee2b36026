package dev.tollgate.frontdoor.anthropic;

import dev.tollgate.api.GatewayException;
import dev.tollgate.frontdoor.FrontDoor;
import dev.tollgate.provider.StreamChunk;
import dev.tollgate.provider.TokenUsage;
import dev.tollgate.provider.anthropic.AnthropicWire;
import dev.tollgate.streaming.SseFrames;
import dev.tollgate.support.Json;
import dev.tollgate.support.TokenCounter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI chat completion chunks as Anthropic's stream events, one stream per instance:
 * {@code message_start} with the first chunk; text deltas as a text block
 * ({@code content_block_start}, {@code text_delta}s, {@code content_block_stop}); each tool call
 * as a {@code tool_use} block whose arguments arrive as {@code input_json_delta}s; and once the
 * upstream is done ({@code [DONE]}, after its usage chunk) {@code message_delta} with the stop
 * reason and usage, then {@code message_stop}.
 *
 * <p>{@code message_start} carries Tollgate's estimate of the input tokens (OpenAI reports usage
 * only at the end); {@code message_delta} carries the provider's final counts, input included,
 * which Anthropic's SDKs merge over the start's.
 */
public final class MessagesStream implements FrontDoor.StreamWriter {

    private static final JsonMapper JSON = Json.MAPPER;

    private enum Kind { TEXT, TOOL }

    private final LongSupplier inputEstimate;
    private final Map<Integer, Integer> toolBlocks = new HashMap<>();
    private boolean started;
    private boolean finished;
    private Kind open;
    private int openIndex = -1;
    private int nextIndex;
    private String finishReason;
    private TokenUsage usage;
    private StringBuilder generated;

    public MessagesStream(LongSupplier inputEstimate) {
        this.inputEstimate = inputEstimate;
    }

    @Override
    public List<byte[]> frames(StreamChunk chunk) {
        if (finished) {
            return List.of();
        }
        List<byte[]> out = new ArrayList<>(3);
        if (chunk.done()) {
            finish(out);
            return out;
        }
        if (chunk.usage() != null) {
            usage = chunk.usage();
        }
        JsonNode json = parse(chunk.frame());
        start(json, out);
        JsonNode choice = json.path("choices").path(0);
        JsonNode delta = choice.path("delta");
        String text = delta.path("content").asString("");
        if (text.isEmpty()) {
            text = delta.path("refusal").asString("");
        }
        if (!text.isEmpty()) {
            text(text, out);
        }
        for (JsonNode call : delta.path("tool_calls")) {
            toolCall(call, out);
        }
        String reason = choice.path("finish_reason").asString(null);
        if (reason != null) {
            finishReason = reason;
            close(out);
        }
        return out;
    }

    @Override
    public List<byte[]> end() {
        List<byte[]> out = new ArrayList<>(4);
        if (!finished) {
            finish(out); // an upstream that ends without [DONE]: the client still gets a complete message
        }
        return out;
    }

    @Override
    public byte[] error(GatewayException error) {
        return AnthropicErrors.sseFrame(error);
    }

    private void start(JsonNode chunk, List<byte[]> out) {
        if (started) {
            return;
        }
        started = true;
        ObjectNode message = JSON.createObjectNode();
        message.put("id", MessagesResponse.messageId(chunk == null ? null : chunk.path("id").asString(null)));
        message.put("type", "message");
        message.put("role", "assistant");
        message.put("model", chunk == null ? "" : chunk.path("model").asString(""));
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        message.set("usage", AnthropicWire.usageJson(new TokenUsage(inputEstimate.getAsLong(), 0, 0, true)));
        ObjectNode event = JSON.createObjectNode().put("type", "message_start");
        event.set("message", message);
        out.add(event("message_start", event));
    }

    private void text(String text, List<byte[]> out) {
        if (open != Kind.TEXT) {
            close(out);
            openBlock(Kind.TEXT, MessagesResponse.textBlock(""), out);
        }
        ObjectNode delta = JSON.createObjectNode().put("type", "text_delta").put("text", text);
        out.add(delta(delta));
        generated(text);
    }

    private void toolCall(JsonNode call, List<byte[]> out) {
        int toolIndex = call.path("index").asInt(toolBlocks.size());
        Integer block = toolBlocks.get(toolIndex);
        if (block == null) {
            close(out);
            ObjectNode use = JSON.createObjectNode().put("type", "tool_use");
            String id = call.path("id").asString("");
            use.put("id", id.isEmpty() ? "toolu_" + Long.toHexString(System.nanoTime()) : id);
            use.put("name", call.path("function").path("name").asString(""));
            use.putObject("input");
            openBlock(Kind.TOOL, use, out);
            toolBlocks.put(toolIndex, openIndex);
            block = openIndex;
        }
        String arguments = call.path("function").path("arguments").asString("");
        if (!arguments.isEmpty()) {
            ObjectNode delta = JSON.createObjectNode().put("type", "input_json_delta").put("partial_json", arguments);
            ObjectNode event = JSON.createObjectNode().put("type", "content_block_delta").put("index", block);
            event.set("delta", delta);
            out.add(event("content_block_delta", event));
            generated(arguments);
        }
    }

    private void openBlock(Kind kind, ObjectNode contentBlock, List<byte[]> out) {
        open = kind;
        openIndex = nextIndex++;
        ObjectNode event = JSON.createObjectNode().put("type", "content_block_start").put("index", openIndex);
        event.set("content_block", contentBlock);
        out.add(event("content_block_start", event));
    }

    private byte[] delta(ObjectNode delta) {
        ObjectNode event = JSON.createObjectNode().put("type", "content_block_delta").put("index", openIndex);
        event.set("delta", delta);
        return event("content_block_delta", event);
    }

    private void close(List<byte[]> out) {
        if (open != null) {
            out.add(event("content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", openIndex)));
            open = null;
        }
    }

    private void finish(List<byte[]> out) {
        start(null, out);
        close(out);
        finished = true;
        TokenUsage billed = usage != null ? usage
                : new TokenUsage(inputEstimate.getAsLong(), generated == null ? 0 : TokenCounter.count(generated.toString()), 0, true);
        ObjectNode event = JSON.createObjectNode().put("type", "message_delta");
        event.putObject("delta").put("stop_reason", AnthropicWire.stopReason(finishReason, null)).putNull("stop_sequence");
        event.set("usage", AnthropicWire.usageJson(billed));
        out.add(event("message_delta", event));
        out.add(event("message_stop", JSON.createObjectNode().put("type", "message_stop")));
    }

    private void generated(String text) {
        if (usage == null) {
            if (generated == null) {
                generated = new StringBuilder();
            }
            generated.append(text);
        }
    }

    /** The JSON of an OpenAI {@code data: ...} frame. */
    private static JsonNode parse(byte[] frame) {
        int start = 0;
        int end = frame.length;
        if (end >= 6 && frame[0] == 'd' && frame[4] == ':') {
            start = frame[5] == ' ' ? 6 : 5;
        }
        while (end > start && (frame[end - 1] == '\n' || frame[end - 1] == '\r')) {
            end--;
        }
        try {
            JsonNode json = JSON.readTree(new String(frame, start, end - start, StandardCharsets.UTF_8));
            return json == null ? JSON.createObjectNode() : json;
        } catch (JacksonException e) {
            return JSON.createObjectNode(); // not a chunk Tollgate can read; nothing to translate
        }
    }

    static byte[] event(String name, ObjectNode data) {
        return SseFrames.event(name, JSON.writeValueAsBytes(data));
    }
}
