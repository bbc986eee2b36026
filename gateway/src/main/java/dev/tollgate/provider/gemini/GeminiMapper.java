package dev.tollgate.provider.gemini;

import dev.tollgate.provider.ChatChunks;
import dev.tollgate.provider.ChatRequests;
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
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Translation between OpenAI's chat completions and Gemini's {@code generateContent}, without
 * I/O: request tree in, request tree out; response tree in, OpenAI response tree out; and a
 * {@link StreamTranslator} for {@code streamGenerateContent?alt=sse}, whose every event is a
 * whole {@code GenerateContentResponse} holding the next piece of each candidate.
 *
 * <p>What does not map:
 * <ul>
 *   <li>audio output, file ids and legacy {@code function} messages are refused
 *       ({@link UnsupportedRequest}, a 400 that no retry can fix);
 *   <li>{@code logprobs}, {@code logit_bias}, {@code user}, {@code parallel_tool_calls},
 *       {@code reasoning_effort} and unknown vendor fields are dropped (Gemini rejects fields it
 *       does not know, so nothing is passed through);
 *   <li>Gemini has no tool call ids: ids are generated ({@code call_...}) and tool results are
 *       matched back to their call's function name through the assistant message that made it.
 * </ul>
 *
 * <p>Thought signatures: Gemini 3 refuses a history whose function calls lack the signature it
 * attached to them. The signature travels to the client as
 * {@code tool_calls[].extra_content.google.thought_signature} (the field Google's own OpenAI
 * endpoint uses) and is sent back from there; a call that comes back without one gets Google's
 * documented placeholder {@value #SKIP_SIGNATURE}.
 */
public final class GeminiMapper {

    static final JsonMapper JSON = Json.MAPPER;

    /** Google's documented thought signature for function calls the model did not sign (or whose signature was lost). */
    public static final String SKIP_SIGNATURE = "skip_thought_signature_validator";

    private static final Map<String, String> MIME_TYPES = Map.ofEntries(
            Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"),
            Map.entry("webp", "image/webp"), Map.entry("gif", "image/gif"), Map.entry("heic", "image/heic"),
            Map.entry("heif", "image/heif"), Map.entry("pdf", "application/pdf"), Map.entry("txt", "text/plain"),
            Map.entry("mp3", "audio/mp3"), Map.entry("wav", "audio/wav"), Map.entry("flac", "audio/flac"),
            Map.entry("mp4", "video/mp4"), Map.entry("mov", "video/mov"), Map.entry("webm", "video/webm"));

    private GeminiMapper() {}

    // ---------------------------------------------------------------- request

    /** The {@code generateContent} body for an OpenAI chat body (the model and streaming go in the URL). */
    public static ObjectNode toGeminiRequest(JsonNode chat) {
        ObjectNode out = JSON.createObjectNode();
        contents(chat.path("messages"), out);
        tools(chat, out);
        ObjectNode config = generationConfig(chat);
        if (!config.isEmpty()) {
            out.set("generationConfig", config);
        }
        return out;
    }

    private static void contents(JsonNode messages, ObjectNode out) {
        ArrayNode system = JSON.createArrayNode();
        ArrayNode contents = JSON.createArrayNode();
        Map<String, String> callNames = new HashMap<>(); // tool_call_id -> function name
        ArrayNode results = null; // the parts of the turn that collects consecutive tool results
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = "messages[" + i + "]";
            String role = ChatRequests.role(m, at);
            JsonNode content = m.get("content");
            if (!role.equals("tool")) {
                results = null;
            }
            switch (role) {
                case "system", "developer" -> {
                    for (JsonNode part : parts(content, at + ".content")) {
                        if (!part.has("text")) {
                            throw new UnsupportedRequest(at + ".content", at + ".content: Gemini takes only text as system instructions.");
                        }
                        system.add(part);
                    }
                }
                case "user" -> {
                    ArrayNode parts = parts(content, at + ".content");
                    if (!parts.isEmpty()) {
                        contents.addObject().put("role", "user").set("parts", parts);
                    }
                }
                case "assistant" -> {
                    ArrayNode parts = parts(content, at + ".content");
                    JsonNode calls = m.get("tool_calls");
                    if (calls != null && calls.isArray()) {
                        functionCalls(calls, at, parts, callNames);
                    }
                    if (!parts.isEmpty()) {
                        contents.addObject().put("role", "model").set("parts", parts);
                    }
                }
                case "tool" -> {
                    if (results == null) {
                        results = contents.addObject().put("role", "user").putArray("parts");
                    }
                    String id = str(m.get("tool_call_id"));
                    String name = id == null ? null : callNames.get(id);
                    if (name == null) {
                        name = str(m.get("name"));
                    }
                    if (name == null) {
                        throw new UnsupportedRequest(at + ".tool_call_id", at + ".tool_call_id: Gemini needs the function name of a tool"
                                + " result; no earlier assistant message has a tool call with id '" + id + "'.");
                    }
                    ObjectNode response = results.addObject().putObject("functionResponse");
                    response.put("name", name);
                    response.set("response", functionResponse(content));
                }
                default -> throw new UnsupportedRequest(at + ".role",
                        at + ".role: '" + role + "' messages are not supported by Gemini; use 'tool' messages.");
            }
        }
        if (!system.isEmpty()) {
            out.putObject("systemInstruction").set("parts", system);
        }
        out.set("contents", contents);
    }

    /** An assistant message's tool calls as functionCall parts, keeping (or standing in for) the thought signature. */
    private static void functionCalls(JsonNode calls, String at, ArrayNode parts, Map<String, String> callNames) {
        boolean signed = false;
        int first = parts.size();
        for (int j = 0; j < calls.size(); j++) {
            JsonNode call = calls.get(j);
            String name = call.path("function").path("name").asString("");
            String id = str(call.get("id"));
            if (id != null) {
                callNames.put(id, name);
            }
            ObjectNode part = parts.addObject();
            ObjectNode fc = part.putObject("functionCall");
            fc.put("name", name);
            fc.set("args", ChatRequests.toolArguments(call.path("function").get("arguments"), at + ".tool_calls[" + j + "].function.arguments", "Gemini"));
            String signature = str(call.path("extra_content").path("google").get("thought_signature"));
            if (signature != null && !signature.isEmpty()) {
                part.put("thoughtSignature", signature);
                signed = true;
            }
        }
        if (!signed && parts.size() > first) {
            // Gemini 3 checks the first call of a step for a signature; this is the documented stand-in.
            ((ObjectNode) parts.get(first)).put("thoughtSignature", SKIP_SIGNATURE);
        }
    }

    /** A tool result as the functionResponse's {@code response} object: a JSON object as it is, anything else under "result". */
    private static JsonNode functionResponse(JsonNode content) {
        String text;
        if (content == null || content.isNull()) {
            text = "";
        } else if (content.isString()) {
            text = content.asString();
        } else if (content.isArray()) {
            StringBuilder joined = new StringBuilder();
            content.forEach(part -> joined.append(part.path("text").asString("")));
            text = joined.toString();
        } else {
            text = content.toString();
        }
        JsonNode parsed = null;
        try {
            parsed = text.isBlank() ? null : JSON.readTree(text);
        } catch (JacksonException notJson) {
            // plain text
        }
        if (parsed != null && parsed.isObject()) {
            return parsed;
        }
        ObjectNode wrapped = JSON.createObjectNode();
        if (parsed != null && !parsed.isMissingNode()) {
            wrapped.set("result", parsed);
        } else {
            wrapped.put("result", text);
        }
        return wrapped;
    }

    /** Content (string, array of parts, or null) as Gemini parts; empty text is dropped. */
    private static ArrayNode parts(JsonNode content, String at) {
        return ChatRequests.parts(content, at, GeminiMapper::part);
    }

    /** One OpenAI content part as a Gemini part; null for an empty text part. */
    private static ObjectNode part(JsonNode part, String type, String at) {
        switch (type) {
            case "text", "refusal" -> {
                String text = ChatRequests.partText(part, type);
                return text == null ? null : JSON.createObjectNode().put("text", text);
            }
            case "image_url" -> {
                return media(ChatRequests.imageUrl(part, at), "image/jpeg", at + ".image_url.url");
            }
            case "input_audio" -> {
                String data = str(part.path("input_audio").get("data"));
                String format = str(part.path("input_audio").get("format"));
                if (data == null || format == null) {
                    throw new UnsupportedRequest(at + ".input_audio", at + ".input_audio: data and format are required.");
                }
                ObjectNode inline = JSON.createObjectNode();
                inline.putObject("inlineData").put("mimeType", MIME_TYPES.getOrDefault(format, "audio/" + format)).put("data", data);
                return inline;
            }
            case "file" -> {
                String data = str(part.path("file").get("file_data"));
                if (data == null) {
                    throw new UnsupportedRequest(at + ".file",
                            at + ".file: only inline file_data (a base64 data: URI) is supported by Gemini, not file_id.");
                }
                return media(data, "application/pdf", at + ".file.file_data");
            }
            default -> throw new UnsupportedRequest(at + ".type",
                    at + ".type: content parts of type '" + type + "' are not supported by Gemini.");
        }
    }

    /**
     * A base64 {@code data:} URI as {@code inlineData}; a URL as {@code fileData} with the MIME
     * type its extension suggests ({@code fallbackMime} when it suggests none).
     */
    static ObjectNode media(String url, String fallbackMime, String at) {
        ObjectNode part = JSON.createObjectNode();
        ChatRequests.DataUri inline = ChatRequests.dataUri(url, at);
        if (inline != null) {
            part.putObject("inlineData").put("mimeType", inline.mediaType()).put("data", inline.data());
        } else {
            part.putObject("fileData").put("mimeType", mimeType(url, fallbackMime)).put("fileUri", url);
        }
        return part;
    }

    /** The MIME type of a URL's file extension (query and fragment ignored). */
    static String mimeType(String url, String fallback) {
        String path = url;
        int cut = path.indexOf('?');
        if (cut >= 0) {
            path = path.substring(0, cut);
        }
        cut = path.indexOf('#');
        if (cut >= 0) {
            path = path.substring(0, cut);
        }
        int dot = path.lastIndexOf('.');
        if (dot < 0 || dot < path.lastIndexOf('/')) {
            return fallback;
        }
        return MIME_TYPES.getOrDefault(path.substring(dot + 1).toLowerCase(Locale.ROOT), fallback);
    }

    private static void tools(JsonNode chat, ObjectNode out) {
        JsonNode clientTools = chat.get("tools");
        ArrayNode declarations = JSON.createArrayNode();
        if (clientTools != null && clientTools.isArray()) {
            for (int i = 0; i < clientTools.size(); i++) {
                JsonNode t = clientTools.get(i);
                if (!"function".equals(str(t.get("type")))) {
                    throw new UnsupportedRequest("tools[" + i + "].type", "tools[" + i + "].type: only 'function' tools are supported by Gemini.");
                }
                JsonNode fn = t.path("function");
                ObjectNode declaration = declarations.addObject();
                declaration.put("name", fn.path("name").asString(""));
                String description = str(fn.get("description"));
                if (description != null) {
                    declaration.put("description", description);
                }
                JsonNode parameters = fn.get("parameters");
                if (parameters != null && parameters.isObject() && !parameters.isEmpty()) {
                    // JSON Schema as OpenAI clients write it; Gemini's "parameters" takes only an OpenAPI subset.
                    declaration.set("parametersJsonSchema", parameters);
                }
            }
        }
        if (!declarations.isEmpty()) {
            out.putArray("tools").addObject().set("functionDeclarations", declarations);
        }
        JsonNode choice = chat.get("tool_choice");
        if (choice == null || choice.isNull() || declarations.isEmpty()) {
            return;
        }
        ObjectNode config = JSON.createObjectNode();
        if (choice.isString()) {
            config.put("mode", switch (choice.asString()) {
                case "required" -> "ANY";
                case "none" -> "NONE";
                default -> "AUTO";
            });
        } else {
            String name = str(choice.path("function").get("name"));
            if (name == null) {
                throw new UnsupportedRequest("tool_choice",
                        "tool_choice: expected 'auto', 'required', 'none' or {\"type\": \"function\", \"function\": {\"name\": ...}}.");
            }
            config.put("mode", "ANY");
            config.putArray("allowedFunctionNames").add(name);
        }
        out.putObject("toolConfig").set("functionCallingConfig", config);
    }

    private static ObjectNode generationConfig(JsonNode chat) {
        ObjectNode config = JSON.createObjectNode();
        copyNumber(chat, "temperature", config, "temperature");
        copyNumber(chat, "top_p", config, "topP");
        Integer max = ChatRequests.maxTokens(chat);
        if (max != null) {
            config.put("maxOutputTokens", max);
        }
        ArrayNode stop = ChatRequests.stopSequences(chat);
        if (stop != null) {
            config.set("stopSequences", stop);
        }
        JsonNode n = chat.get("n");
        if (n != null && n.isIntegralNumber() && n.asInt() != 1) {
            config.put("candidateCount", n.asInt());
        }
        JsonNode seed = chat.get("seed");
        if (seed != null && seed.isIntegralNumber()) {
            config.set("seed", seed);
        }
        copyNumber(chat, "presence_penalty", config, "presencePenalty");
        copyNumber(chat, "frequency_penalty", config, "frequencyPenalty");
        JsonNode format = chat.path("response_format");
        String type = str(format.get("type"));
        if ("json_object".equals(type) || "json_schema".equals(type)) {
            config.put("responseMimeType", "application/json");
            JsonNode schema = format.path("json_schema").get("schema");
            if (schema != null && schema.isObject()) {
                config.set("responseJsonSchema", schema);
            }
        }
        return config;
    }

    private static void copyNumber(JsonNode chat, String from, ObjectNode config, String to) {
        JsonNode v = chat.get(from);
        if (v != null && v.isNumber()) {
            config.put(to, v.asDouble());
        }
    }

    // ---------------------------------------------------------------- response

    /** The prompt's block reason when Gemini refused the prompt itself (no candidates), else null. */
    public static String promptBlockReason(JsonNode response) {
        JsonNode candidates = response.get("candidates");
        if (candidates != null && candidates.isArray() && !candidates.isEmpty()) {
            return null;
        }
        return str(response.path("promptFeedback").get("blockReason"));
    }

    /**
     * A {@code GenerateContentResponse} as an OpenAI {@code chat.completion}: one choice per
     * candidate. The caller checks {@link #promptBlockReason} first.
     *
     * @param created seconds since the epoch
     */
    public static ObjectNode toChatCompletion(JsonNode response, String fallbackModel, long created) {
        ObjectNode root = ChatChunks.completion(id(response), created,
                str(response.get("modelVersion")) != null ? response.get("modelVersion").asString() : fallbackModel);
        ArrayNode choices = root.putArray("choices");
        JsonNode candidates = response.path("candidates");
        for (int i = 0; i < candidates.size(); i++) {
            JsonNode candidate = candidates.get(i);
            StringBuilder text = new StringBuilder();
            ArrayNode calls = JSON.createArrayNode();
            for (JsonNode part : candidate.path("content").path("parts")) {
                if (part.has("functionCall")) {
                    calls.add(toolCall(part, -1));
                } else if (part.has("text") && !part.path("thought").asBoolean(false)) {
                    text.append(part.get("text").asString(""));
                }
            }
            ObjectNode choice = choices.addObject();
            choice.put("index", candidate.path("index").asInt(i));
            ChatChunks.assistantMessage(choice, text.toString(), calls).putArray("annotations");
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason(str(candidate.get("finishReason")), !calls.isEmpty()));
        }
        TokenUsage usage = usage(response.get("usageMetadata"));
        if (usage != null) {
            putUsage(root, usage, response.get("usageMetadata"));
        }
        return root;
    }

    /** A functionCall part as an OpenAI tool call with a generated id; {@code index} set for stream deltas. */
    private static ObjectNode toolCall(JsonNode part, int index) {
        JsonNode fc = part.get("functionCall");
        ObjectNode call = JSON.createObjectNode();
        if (index >= 0) {
            call.put("index", index);
        }
        String id = str(fc.get("id"));
        call.put("id", id != null && !id.isEmpty() ? id : callId());
        call.put("type", "function");
        JsonNode args = fc.get("args");
        call.putObject("function")
                .put("name", fc.path("name").asString(""))
                .put("arguments", JSON.writeValueAsString(args != null && args.isObject() ? args : JSON.createObjectNode()));
        String signature = str(part.get("thoughtSignature"));
        if (signature != null) {
            call.putObject("extra_content").putObject("google").put("thought_signature", signature);
        }
        return call;
    }

    /** A fresh tool call id: {@code call_} and 24 letters and digits (not from SecureRandom, which may block). */
    static String callId() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder id = new StringBuilder("call_");
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < 24; i++) {
            id.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return id.toString();
    }

    private static String id(JsonNode response) {
        String id = str(response.get("responseId"));
        return id != null && !id.isEmpty() ? id : "gen-" + callId().substring(5);
    }

    /**
     * OpenAI's finish_reason for Gemini's finishReason: {@code tool_calls} when the candidate
     * called a function, {@code content_filter} for the safety family, {@code length} for the
     * token limit, {@code stop} for the rest (including a malformed function call, whose text
     * answer is what there is).
     */
    public static String finishReason(String reason, boolean calledFunction) {
        if (reason == null) {
            return calledFunction ? "tool_calls" : "stop";
        }
        return switch (reason) {
            case "MAX_TOKENS" -> "length";
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
                    "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION" -> "content_filter";
            default -> calledFunction ? "tool_calls" : "stop";
        };
    }

    /**
     * Gemini's usageMetadata in Tollgate's terms: the prompt is {@code promptTokenCount} (which
     * includes the cached part, {@code cachedContentTokenCount}) plus {@code toolUsePromptTokenCount};
     * the completion is {@code candidatesTokenCount} plus {@code thoughtsTokenCount} (thinking is
     * billed as output). Null when there is no usage or it counts nothing yet.
     */
    public static TokenUsage usage(JsonNode usage) {
        if (usage == null || !usage.isObject() || !usage.has("promptTokenCount")) {
            return null;
        }
        long prompt = usage.path("promptTokenCount").asLong(0) + usage.path("toolUsePromptTokenCount").asLong(0);
        long completion = usage.path("candidatesTokenCount").asLong(0) + usage.path("thoughtsTokenCount").asLong(0);
        return new TokenUsage(prompt, completion, usage.path("cachedContentTokenCount").asLong(0), false);
    }

    /** OpenAI's usage object, with the thinking tokens as {@code reasoning_tokens}. */
    static void putUsage(ObjectNode root, TokenUsage usage, JsonNode metadata) {
        ChatChunks.putUsage(root, usage).putObject("completion_tokens_details")
                .put("reasoning_tokens", metadata.path("thoughtsTokenCount").asLong(0));
    }

    static String str(JsonNode node) {
        return ChatRequests.str(node);
    }

    // ---------------------------------------------------------------- streaming

    /**
     * Gemini's stream to OpenAI chunks, one stream per instance. Every event is a
     * {@code GenerateContentResponse} with the next parts of each candidate; the last one of a
     * candidate carries its {@code finishReason}, and {@code usageMetadata} (cumulative) comes with
     * the chunks, complete on the last. A function call arrives whole in one part and goes out as
     * one tool call delta. The role chunk of a choice goes out with its first content, so an error
     * event before any content fails the attempt before a byte reached the client and routing can
     * still fall back. The stream has no end marker: it ends after the finish reasons.
     */
    public static final class StreamTranslator implements Transport.EventTranslator {

        private static final class Choice {
            boolean started;
            boolean finished;
            int tools;
        }

        private final String provider;
        private final long created;
        private final Map<Integer, Choice> choices = new TreeMap<>();
        private String id;
        private String model;
        private JsonNode usage;
        private boolean done;

        public StreamTranslator(String provider, String fallbackModel, long created) {
            this.provider = provider;
            this.model = fallbackModel;
            this.created = created;
        }

        @Override
        public List<StreamChunk> accept(List<SseSplitter.Event> events) {
            return ChatChunks.translate(events, (event, out) -> accept(event.data(), out));
        }

        /** One event's data; throws the provider's error for an error event or a blocked prompt. */
        public List<StreamChunk> accept(String data) {
            List<StreamChunk> out = new ArrayList<>(3);
            accept(data, out);
            return out;
        }

        /**
         * The upstream body ended: fine once every candidate has its finish reason (then the usage
         * chunk and {@code [DONE]}), a broken stream otherwise.
         */
        @Override
        public List<StreamChunk> end() {
            if (done) {
                return List.of();
            }
            if (choices.isEmpty() || choices.values().stream().anyMatch(c -> !c.finished)) {
                throw UpstreamException.of(UpstreamException.Kind.CONNECTION_CLOSED,
                        "provider '" + provider + "' ended the stream before a finishReason", null);
            }
            done = true;
            List<StreamChunk> out = new ArrayList<>(2);
            TokenUsage tokens = usage(usage);
            if (tokens != null) {
                ObjectNode chunk = envelope();
                chunk.putArray("choices");
                putUsage(chunk, tokens, usage);
                out.add(new StreamChunk(SseFrames.data(JSON.writeValueAsBytes(chunk)), tokens, true, null, false));
            }
            out.add(StreamChunk.done(SseFrames.DONE));
            return out;
        }

        private void accept(String data, List<StreamChunk> out) {
            if (done || data.isBlank()) {
                return;
            }
            JsonNode event = ChatRequests.parseEvent(data);
            if (event.isArray() && !event.isEmpty()) {
                event = event.get(0);
            }
            if (event.get("error") != null && event.get("error").isObject()) {
                throw GeminiAdapter.streamError(provider, event.get("error"));
            }
            if (id == null) {
                id = id(event);
            }
            model = event.path("modelVersion").asString(model);
            if (event.get("usageMetadata") != null && event.get("usageMetadata").isObject()) {
                usage = event.get("usageMetadata"); // cumulative: the latest wins
            }
            String blocked = promptBlockReason(event);
            if (blocked != null) {
                throw GeminiAdapter.promptBlocked(provider, blocked);
            }
            JsonNode candidates = event.path("candidates");
            for (int i = 0; i < candidates.size(); i++) {
                candidate(candidates.get(i), i, out);
            }
        }

        private void candidate(JsonNode candidate, int position, List<StreamChunk> out) {
            int index = candidate.path("index").asInt(position);
            Choice choice = choices.computeIfAbsent(index, k -> new Choice());
            if (choice.finished) {
                return;
            }
            for (JsonNode part : candidate.path("content").path("parts")) {
                if (part.has("functionCall")) {
                    startOnce(index, choice, out);
                    ObjectNode delta = JSON.createObjectNode();
                    delta.putArray("tool_calls").add(toolCall(part, choice.tools++));
                    out.add(chunk(index, delta, null, null));
                } else if (part.has("text") && !part.path("thought").asBoolean(false)) {
                    String text = part.get("text").asString("");
                    if (!text.isEmpty()) {
                        startOnce(index, choice, out);
                        out.add(chunk(index, JSON.createObjectNode().put("content", text), null, text));
                    }
                }
                // thoughts, executable code and inline data: not part of OpenAI's chat stream
            }
            String reason = str(candidate.get("finishReason"));
            if (reason != null && !reason.equals("FINISH_REASON_UNSPECIFIED")) {
                startOnce(index, choice, out);
                choice.finished = true;
                out.add(chunk(index, JSON.createObjectNode(), finishReason(reason, choice.tools > 0), null));
            }
        }

        private void startOnce(int index, Choice choice, List<StreamChunk> out) {
            if (!choice.started) {
                choice.started = true;
                out.add(chunk(index, ChatChunks.roleDelta(), null, null));
            }
        }

        private ObjectNode envelope() {
            return ChatChunks.envelope(id != null ? id : "gen-unknown", created, model);
        }

        private StreamChunk chunk(int index, ObjectNode delta, String finishReason, String text) {
            return ChatChunks.delta(envelope(), index, delta, finishReason, text);
        }
    }
}
