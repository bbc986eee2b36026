package dev.tollgate.frontdoor.responses;

import dev.tollgate.api.GatewayException;
import dev.tollgate.frontdoor.FrontDoor;
import dev.tollgate.provider.StreamChunk;
import dev.tollgate.provider.TokenUsage;
import dev.tollgate.streaming.SseFrames;
import dev.tollgate.support.Json;
import dev.tollgate.support.TokenCounter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI chat completion chunks as the Responses API's semantic stream, one stream per instance:
 * {@code response.created} and {@code response.in_progress} with the first chunk; text as a
 * message item ({@code response.output_item.added}, {@code response.content_part.added},
 * {@code response.output_text.delta}s, then {@code .done}, {@code content_part.done},
 * {@code output_item.done}); each tool call as a {@code function_call} item whose arguments
 * arrive as {@code response.function_call_arguments.delta}s; and once the upstream is done
 * {@code response.completed} (or {@code response.incomplete}) with the whole response. Every
 * event carries its {@code sequence_number}. A stream that breaks off ends with an {@code error}
 * event, which the SDKs raise.
 */
final class ResponsesStream implements FrontDoor.StreamWriter {

    private static final JsonMapper JSON = Json.MAPPER;

    /** One output item being streamed. */
    private static final class Item {
        final int outputIndex;
        final String id;
        final StringBuilder content = new StringBuilder();
        // function calls only
        String callId;
        String name;

        Item(int outputIndex, String id) {
            this.outputIndex = outputIndex;
            this.id = id;
        }
    }

    private final ResponsesCall call;
    private final LongSupplier inputEstimate;
    private final Map<Integer, Item> toolItems = new TreeMap<>();
    private final List<ObjectNode> done = new ArrayList<>();
    private int sequence;
    private int nextOutputIndex;
    private String model;
    private boolean started;
    private boolean finished;
    private Item message;
    private boolean refusal;
    private Item openTool;
    private String finishReason;
    private TokenUsage usage;
    private long reasoningTokens;
    private StringBuilder generated;

    ResponsesStream(ResponsesCall call, LongSupplier inputEstimate) {
        this.call = call;
        this.inputEstimate = inputEstimate;
    }

    @Override
    public List<byte[]> frames(StreamChunk chunk) {
        if (finished) {
            return List.of();
        }
        List<byte[]> out = new ArrayList<>(4);
        if (chunk.done()) {
            finish(out);
            return out;
        }
        JsonNode json = parse(chunk.frame());
        if (chunk.usage() != null) {
            usage = chunk.usage();
            reasoningTokens = ResponsesOutput.reasoningTokens(json);
        }
        start(json, out);
        JsonNode choice = json.path("choices").path(0);
        JsonNode delta = choice.path("delta");
        String text = delta.path("content").asString("");
        if (!text.isEmpty()) {
            text(text, false, out);
        } else if (!delta.path("refusal").asString("").isEmpty()) {
            text(delta.path("refusal").asString(), true, out);
        }
        for (JsonNode toolCall : delta.path("tool_calls")) {
            toolCall(toolCall, out);
        }
        String reason = choice.path("finish_reason").asString(null);
        if (reason != null) {
            finishReason = reason;
        }
        return out;
    }

    @Override
    public List<byte[]> end() {
        List<byte[]> out = new ArrayList<>(6);
        if (!finished) {
            finish(out); // an upstream that ends without [DONE]: the client still gets a complete response
        }
        return out;
    }

    @Override
    public byte[] error(GatewayException error) {
        ObjectNode event = JSON.createObjectNode().put("type", "error");
        event.put("code", error.code() != null ? error.code() : error.type());
        event.put("message", error.getMessage());
        event.put("param", error.param());
        event.put("sequence_number", sequence++);
        // Python's and Node's SDKs raise an APIError for an 'error' event carrying an 'error' object.
        ObjectNode inner = event.putObject("error");
        inner.put("type", error.type()).put("code", error.code()).put("message", error.getMessage()).put("param", error.param());
        return SseFrames.event("error", JSON.writeValueAsBytes(event));
    }

    private void start(JsonNode chunk, List<byte[]> out) {
        if (started) {
            return;
        }
        started = true;
        model = chunk == null ? null : chunk.path("model").asString(null);
        ObjectNode created = JSON.createObjectNode();
        created.set("response", call.skeleton("in_progress", model));
        out.add(event("response.created", created));
        ObjectNode progress = JSON.createObjectNode();
        progress.set("response", call.skeleton("in_progress", model));
        out.add(event("response.in_progress", progress));
    }

    private void text(String text, boolean isRefusal, List<byte[]> out) {
        closeTool(out);
        if (message == null) {
            message = new Item(nextOutputIndex++, ResponsesOutput.id("msg_"));
            refusal = isRefusal;
            ObjectNode added = JSON.createObjectNode().put("output_index", message.outputIndex);
            added.set("item", ResponsesOutput.messageItem(message.id, "in_progress", null, false));
            out.add(event("response.output_item.added", added));
            ObjectNode part = itemEvent(message).put("content_index", 0);
            part.set("part", refusal ? ResponsesOutput.refusalPart("") : ResponsesOutput.textPart(""));
            out.add(event("response.content_part.added", part));
        }
        message.content.append(text);
        ObjectNode delta = itemEvent(message).put("content_index", 0).put("delta", text);
        if (!refusal) {
            delta.putArray("logprobs");
        }
        out.add(event(refusal ? "response.refusal.delta" : "response.output_text.delta", delta));
        generated(text);
    }

    private void toolCall(JsonNode toolCall, List<byte[]> out) {
        closeMessage(out);
        int index = toolCall.path("index").asInt(toolItems.size());
        Item item = toolItems.get(index);
        if (item == null) {
            closeTool(out);
            item = new Item(nextOutputIndex++, ResponsesOutput.id("fc_"));
            String callId = toolCall.path("id").asString("");
            item.callId = callId.isEmpty() ? ResponsesOutput.id("call_") : callId;
            item.name = toolCall.path("function").path("name").asString("");
            toolItems.put(index, item);
            openTool = item;
            ObjectNode added = JSON.createObjectNode().put("output_index", item.outputIndex);
            added.set("item", ResponsesOutput.functionCallItem(item.id, "in_progress", item.callId, item.name,
                    call.namespace(item.name), ""));
            out.add(event("response.output_item.added", added));
        }
        String arguments = toolCall.path("function").path("arguments").asString("");
        if (!arguments.isEmpty()) {
            item.content.append(arguments);
            out.add(event("response.function_call_arguments.delta", itemEvent(item).put("delta", arguments)));
            generated(arguments);
        }
    }

    private void closeMessage(List<byte[]> out) {
        if (message == null) {
            return;
        }
        String text = message.content.toString();
        if (refusal) {
            out.add(event("response.refusal.done", itemEvent(message).put("content_index", 0).put("refusal", text)));
        } else {
            ObjectNode textDone = itemEvent(message).put("content_index", 0).put("text", text);
            textDone.putArray("logprobs");
            out.add(event("response.output_text.done", textDone));
        }
        ObjectNode partDone = itemEvent(message).put("content_index", 0);
        partDone.set("part", refusal ? ResponsesOutput.refusalPart(text) : ResponsesOutput.textPart(text));
        out.add(event("response.content_part.done", partDone));
        ObjectNode item = ResponsesOutput.messageItem(message.id, itemStatus(), text, refusal);
        itemDone(message, item, out);
        message = null;
    }

    private void closeTool(List<byte[]> out) {
        if (openTool == null) {
            return;
        }
        Item item = openTool;
        String arguments = item.content.toString();
        out.add(event("response.function_call_arguments.done", itemEvent(item).put("name", item.name).put("arguments", arguments)));
        itemDone(item, ResponsesOutput.functionCallItem(item.id, "completed", item.callId, item.name, call.namespace(item.name),
                arguments), out);
        openTool = null;
    }

    private void itemDone(Item state, ObjectNode item, List<byte[]> out) {
        ObjectNode event = JSON.createObjectNode().put("output_index", state.outputIndex);
        event.set("item", item);
        out.add(event("response.output_item.done", event));
        done.add(item);
    }

    private void finish(List<byte[]> out) {
        start(null, out);
        closeMessage(out);
        closeTool(out);
        finished = true;
        TokenUsage billed = usage != null ? usage
                : new TokenUsage(inputEstimate.getAsLong(), generated == null ? 0 : TokenCounter.count(generated.toString()), 0, true);
        ObjectNode response = call.skeleton("completed", model);
        ArrayNode output = (ArrayNode) response.get("output");
        done.forEach(output::add);
        call.finish(response, finishReason, billed, reasoningTokens);
        ObjectNode event = JSON.createObjectNode();
        event.set("response", response);
        out.add(event("incomplete".equals(response.path("status").asString()) ? "response.incomplete" : "response.completed", event));
    }

    private String itemStatus() {
        return ResponsesOutput.incompleteReason(finishReason) == null ? "completed" : "incomplete";
    }

    private static ObjectNode itemEvent(Item item) {
        return JSON.createObjectNode().put("item_id", item.id).put("output_index", item.outputIndex);
    }

    private void generated(String text) {
        if (usage == null) {
            if (generated == null) {
                generated = new StringBuilder();
            }
            generated.append(text);
        }
    }

    /** Writes one event: {@code type} first, then the fields, then {@code sequence_number}. */
    private byte[] event(String type, ObjectNode fields) {
        ObjectNode event = JSON.createObjectNode().put("type", type);
        event.setAll(fields);
        event.put("sequence_number", sequence++);
        return SseFrames.event(type, JSON.writeValueAsBytes(event));
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
}
