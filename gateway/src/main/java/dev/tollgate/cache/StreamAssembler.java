package dev.tollgate.cache;

import dev.tollgate.streaming.SseSplitter;
import dev.tollgate.support.Json;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns a streamed chat completion (the SSE bytes the client received) back into the one
 * {@code chat.completion} object it adds up to, so that a streamed answer can later be served to a
 * JSON client and the other way round. Only a complete stream counts: one that ended with
 * {@code [DONE]}, carried no error event, and gave every choice a finish reason. Anything else
 * returns null and is not cached.
 */
public final class StreamAssembler {

    private StreamAssembler() {}

    public static byte[] assemble(byte[] sse) {
        SseSplitter splitter = new SseSplitter();
        List<SseSplitter.Event> events = new java.util.ArrayList<>(splitter.feed(sse));
        SseSplitter.Event tail = splitter.flush();
        if (tail != null) {
            events.add(tail);
        }
        ObjectNode completion = Json.MAPPER.createObjectNode();
        Map<Integer, Choice> choices = new TreeMap<>();
        JsonNode usage = null;
        boolean done = false;
        for (SseSplitter.Event event : events) {
            if (event.data() == null) {
                continue;
            }
            if ("[DONE]".equals(event.data().trim())) {
                done = true;
                continue;
            }
            if (done || event.name() != null && event.name().equals("error")) {
                return null;
            }
            JsonNode chunk;
            try {
                chunk = Json.MAPPER.readTree(event.data());
            } catch (RuntimeException e) {
                return null;
            }
            if (chunk.has("error")) {
                return null;
            }
            for (String field : List.of("id", "created", "model", "system_fingerprint", "service_tier")) {
                if (chunk.hasNonNull(field) && !completion.has(field)) {
                    completion.set(field, chunk.get(field));
                }
            }
            if (chunk.hasNonNull("usage")) {
                usage = chunk.get("usage");
            }
            for (JsonNode c : chunk.path("choices")) {
                choices.computeIfAbsent(c.path("index").asInt(0), i -> new Choice()).add(c);
            }
        }
        if (!done || choices.isEmpty() || choices.values().stream().anyMatch(c -> c.finishReason == null)) {
            return null;
        }
        completion.put("object", "chat.completion");
        ArrayNode out = completion.putArray("choices");
        choices.forEach((index, choice) -> out.add(choice.toJson(index)));
        if (usage != null) {
            completion.set("usage", usage);
        }
        return Json.MAPPER.writeValueAsBytes(completion);
    }

    /**
     * Adds the usage the call was metered with when the stream carried none (the client did not
     * ask for it, so the usage chunk was not passed on), so a later JSON hit still reports usage.
     */
    public static byte[] withUsage(byte[] completion, long inputTokens, long outputTokens) {
        if (completion == null) {
            return null;
        }
        ObjectNode json = (ObjectNode) Json.MAPPER.readTree(completion);
        if (json.hasNonNull("usage")) {
            return completion;
        }
        ObjectNode usage = json.putObject("usage");
        usage.put("prompt_tokens", inputTokens);
        usage.put("completion_tokens", outputTokens);
        usage.put("total_tokens", inputTokens + outputTokens);
        return Json.MAPPER.writeValueAsBytes(json);
    }

    private static final class Choice {
        private final StringBuilder content = new StringBuilder();
        private StringBuilder refusal;
        private boolean sawContent;
        private final Map<Integer, ObjectNode> toolCalls = new TreeMap<>();
        private final Map<Integer, StringBuilder> arguments = new TreeMap<>();
        private String finishReason;
        private JsonNode logprobs;

        void add(JsonNode c) {
            JsonNode delta = c.path("delta");
            if (delta.path("content").isString()) {
                content.append(delta.get("content").asString());
                sawContent = true;
            }
            if (delta.path("refusal").isString()) {
                if (refusal == null) {
                    refusal = new StringBuilder();
                }
                refusal.append(delta.get("refusal").asString());
            }
            for (JsonNode call : delta.path("tool_calls")) {
                int index = call.path("index").asInt(0);
                ObjectNode target = toolCalls.computeIfAbsent(index, i -> {
                    ObjectNode t = Json.MAPPER.createObjectNode();
                    t.put("type", "function");
                    t.putObject("function");
                    return t;
                });
                if (call.hasNonNull("id")) {
                    target.put("id", call.get("id").asString());
                }
                if (call.hasNonNull("type")) {
                    target.put("type", call.get("type").asString());
                }
                JsonNode fn = call.path("function");
                if (fn.path("name").isString()) {
                    ((ObjectNode) target.get("function")).put("name", fn.get("name").asString());
                }
                if (fn.path("arguments").isString()) {
                    arguments.computeIfAbsent(index, i -> new StringBuilder()).append(fn.get("arguments").asString());
                }
            }
            if (c.hasNonNull("finish_reason")) {
                finishReason = c.get("finish_reason").asString();
            }
            if (c.hasNonNull("logprobs")) {
                logprobs = c.get("logprobs");
            }
        }

        ObjectNode toJson(int index) {
            ObjectNode choice = Json.MAPPER.createObjectNode();
            choice.put("index", index);
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            if (sawContent || toolCalls.isEmpty()) {
                message.put("content", content.toString());
            } else {
                message.putNull("content");
            }
            if (refusal != null) {
                message.put("refusal", refusal.toString());
            }
            if (!toolCalls.isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                toolCalls.forEach((i, call) -> {
                    ((ObjectNode) call.get("function")).put("arguments",
                            arguments.getOrDefault(i, new StringBuilder()).toString());
                    calls.add(call);
                });
            }
            if (logprobs != null) {
                choice.set("logprobs", logprobs);
            }
            choice.put("finish_reason", finishReason);
            return choice;
        }
    }
}
