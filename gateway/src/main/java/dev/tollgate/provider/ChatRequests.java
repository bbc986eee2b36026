package dev.tollgate.provider;

import dev.tollgate.support.Json;
import java.util.function.BiFunction;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Reading the parts of an OpenAI chat request that every translating provider needs alike. */
public final class ChatRequests {

    private ChatRequests() {}

    /** A base64 {@code data:} URI's media type and data. */
    public record DataUri(String mediaType, String data) {}

    /** The string value of a node, or null when it is absent or not a string. */
    public static String str(JsonNode node) {
        return node != null && node.isString() ? node.asString() : null;
    }

    /** {@code stop} (a string or an array of strings) as an array; null when there is none. */
    public static ArrayNode stopSequences(JsonNode chat) {
        JsonNode stop = chat.get("stop");
        if (stop != null && stop.isString()) {
            return Json.MAPPER.createArrayNode().add(stop.asString());
        }
        if (stop != null && stop.isArray() && !stop.isEmpty()) {
            ArrayNode sequences = Json.MAPPER.createArrayNode();
            stop.forEach(s -> sequences.add(s.asString()));
            return sequences;
        }
        return null;
    }

    /**
     * Message content (null, a string, or an array of parts) translated part by part: a string
     * through {@code text}, each part through {@code part}; empty strings and parts translated to
     * null are left out.
     */
    public static ArrayNode parts(JsonNode content, String at, Function<String, ObjectNode> text,
            BiFunction<JsonNode, String, ObjectNode> part) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        if (content == null || content.isNull()) {
            return out;
        }
        if (content.isString()) {
            if (!content.asString().isEmpty()) {
                out.add(text.apply(content.asString()));
            }
            return out;
        }
        if (!content.isArray()) {
            throw new UnsupportedRequest(at, at + ": expected a string or an array of content parts.");
        }
        for (int i = 0; i < content.size(); i++) {
            ObjectNode translated = part.apply(content.get(i), at + "[" + i + "]");
            if (translated != null) {
                out.add(translated);
            }
        }
        return out;
    }

    /** A {@code data:} URL split into media type and base64 data; null for any other URL. */
    public static DataUri dataUri(String url, String at) {
        if (!url.startsWith("data:")) {
            return null;
        }
        int comma = url.indexOf(',');
        String meta = comma < 0 ? "" : url.substring(5, comma);
        if (comma < 0 || !meta.endsWith(";base64")) {
            throw new UnsupportedRequest(at, at + ": a data: URI must be base64 encoded (data:<media type>;base64,...).");
        }
        return new DataUri(meta.substring(0, meta.length() - ";base64".length()), url.substring(comma + 1));
    }

    /** Tool call arguments (a JSON string in OpenAI) as an object; {@code vendor} names who needs one. */
    public static ObjectNode arguments(JsonNode arguments, String at, String vendor) {
        if (arguments == null || arguments.isNull() || (arguments.isString() && arguments.asString().isBlank())) {
            return Json.MAPPER.createObjectNode();
        }
        if (arguments.isObject()) {
            return (ObjectNode) arguments;
        }
        try {
            JsonNode parsed = Json.MAPPER.readTree(arguments.asString());
            if (parsed != null && parsed.isObject()) {
                return (ObjectNode) parsed;
            }
        } catch (JacksonException notJson) {
            // reported below
        }
        throw new UnsupportedRequest(at, at + ": " + vendor + " needs tool call arguments that are a JSON object.");
    }

    /** One streamed event's JSON; a {@code PROTOCOL} failure when it is not JSON. */
    public static JsonNode parseEvent(String data) {
        try {
            return Json.MAPPER.readTree(data);
        } catch (JacksonException e) {
            throw UpstreamException.of(UpstreamException.Kind.PROTOCOL,
                    "provider streamed invalid JSON: " + e.getOriginalMessage(), null);
        }
    }
}
