package dev.tollgate.routing;

import dev.tollgate.api.Endpoint;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.config.TollgateConfig;
import java.util.function.IntSupplier;
import tools.jackson.databind.JsonNode;

/**
 * What a request needs of a deployment, read once from the request: tools, image input, JSON
 * output, streaming, and room for its tokens. {@link #missing} compares it with a deployment's
 * capabilities; a capability not stated (null) never excludes a deployment.
 *
 * @param maxOutputTokens what the client asked for at most, null when it set no limit
 * @param inputTokens the input token estimate, asked for only when some deployment states a
 *     context window (the tokenizer costs CPU)
 */
public record RequestNeeds(boolean tools, boolean vision, boolean jsonMode, boolean streaming,
        Integer maxOutputTokens, IntSupplier inputTokens) {

    /** A request that needs nothing in particular (embeddings, or a plain text chat without limits). */
    public static final RequestNeeds NOTHING = new RequestNeeds(false, false, false, false, null, () -> 0);

    /** The capabilities a deployment can lack, in the order they are checked. */
    public enum Capability {
        VISION("vision", "messages", "image input"),
        TOOLS("tools", "tools", "tool calling"),
        JSON_MODE("json-mode", "response_format", "JSON output (response_format)"),
        STREAMING("streaming", "stream", "streaming"),
        MAX_OUTPUT("max-output", "max_tokens", "the requested max output tokens"),
        CONTEXT_WINDOW("context-window", "messages", "a context window large enough for this request");

        private final String id;
        private final String param;
        private final String description;

        Capability(String id, String param, String description) {
            this.id = id;
            this.param = param;
            this.description = description;
        }

        /** As in the config file and in the call trace: {@code vision}, {@code json-mode}, .... */
        public String id() {
            return id;
        }

        /** The request parameter that asks for it. */
        public String param() {
            return param;
        }

        public String description() {
            return description;
        }
    }

    public static RequestNeeds of(LlmRequest request, IntSupplier inputTokens) {
        if (request.endpoint() == Endpoint.EMBEDDINGS) {
            return NOTHING;
        }
        JsonNode json = request.json();
        return new RequestNeeds(usesTools(json), hasImage(json.get("messages")), wantsJson(json.get("response_format")),
                request.stream(), request.maxOutputTokens(), memoize(inputTokens));
    }

    /** The first capability {@code caps} lacks for this request, or null when the deployment can serve it. */
    public Capability missing(TollgateConfig.Capabilities caps) {
        if (caps == null) {
            return null;
        }
        if (vision && Boolean.FALSE.equals(caps.vision())) {
            return Capability.VISION;
        }
        if (tools && Boolean.FALSE.equals(caps.tools())) {
            return Capability.TOOLS;
        }
        if (jsonMode && Boolean.FALSE.equals(caps.jsonMode())) {
            return Capability.JSON_MODE;
        }
        if (streaming && Boolean.FALSE.equals(caps.streaming())) {
            return Capability.STREAMING;
        }
        if (maxOutputTokens != null && caps.maxOutput() != null && maxOutputTokens > caps.maxOutput()) {
            return Capability.MAX_OUTPUT;
        }
        if (caps.contextWindow() != null
                && (long) inputTokens.getAsInt() + (maxOutputTokens == null ? 0 : maxOutputTokens) > caps.contextWindow()) {
            return Capability.CONTEXT_WINDOW;
        }
        return null;
    }

    static boolean usesTools(JsonNode json) {
        JsonNode tools = json.get("tools");
        JsonNode functions = json.get("functions"); // the deprecated form
        return (tools != null && tools.isArray() && !tools.isEmpty())
                || (functions != null && functions.isArray() && !functions.isEmpty());
    }

    /** An image content part in any message: {@code image_url} (Chat Completions) or {@code input_image}. */
    static boolean hasImage(JsonNode messages) {
        if (messages == null || !messages.isArray()) {
            return false;
        }
        for (JsonNode m : messages) {
            JsonNode content = m.get("content");
            if (content != null && content.isArray()) {
                for (JsonNode part : content) {
                    String type = part.path("type").asString("");
                    if (type.equals("image_url") || type.equals("input_image") || type.equals("image")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    static boolean wantsJson(JsonNode responseFormat) {
        if (responseFormat == null || !responseFormat.isObject()) {
            return false;
        }
        String type = responseFormat.path("type").asString("");
        return type.equals("json_object") || type.equals("json_schema");
    }

    private static IntSupplier memoize(IntSupplier supplier) {
        int[] value = {-1};
        return () -> {
            if (value[0] < 0) {
                value[0] = supplier.getAsInt();
            }
            return value[0];
        };
    }
}
