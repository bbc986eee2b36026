package dev.tollgate.provider;

import dev.tollgate.api.Endpoint;
import dev.tollgate.support.Json;
import java.util.function.UnaryOperator;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reading the parts of an OpenAI chat request that every translating provider (Anthropic, Gemini,
 * Bedrock) needs alike, refusing with {@link UnsupportedRequest} what the vendor cannot do.
 */
public final class ChatRequests {

    private ChatRequests() {}

    /** A base64 {@code data:} URI's media type and data. */
    public record DataUri(String mediaType, String data) {}

    /** One OpenAI content part (its {@code type} already read) as a vendor part, or null to leave it out. */
    @FunctionalInterface
    public interface PartMapper {
        ObjectNode map(JsonNode part, String type, String at);
    }

    /** The string value of a node, or null when it is absent or not a string. */
    public static String str(JsonNode node) {
        return node != null && node.isString() ? node.asString() : null;
    }

    /** A message's role; refused when missing. */
    public static String role(JsonNode message, String at) {
        String role = str(message.get("role"));
        if (role == null) {
            throw new UnsupportedRequest(at + ".role", at + ".role: required.");
        }
        return role;
    }

    /** The text of a {@code text} or {@code refusal} part; null when it has none. */
    public static String partText(JsonNode part, String type) {
        String text = str(part.get(type));
        return text == null || text.isEmpty() ? null : text;
    }

    /** Refuses {@code n > 1} for a vendor that returns one choice per call. */
    public static void oneChoiceOnly(JsonNode chat, String vendor) {
        JsonNode n = chat.get("n");
        if (n != null && n.isNumber() && n.asInt() > 1) {
            throw new UnsupportedRequest("n", "n: " + vendor + " returns one choice per call; n > 1 is not supported.");
        }
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
     * Message content (null, a string, or an array of parts) translated part by part through
     * {@code mapper}: a string is one {@code text} part; empty strings and parts mapped to null are
     * left out; a part without a type, or content of any other shape, is refused.
     */
    public static ArrayNode parts(JsonNode content, String at, PartMapper mapper) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        if (content == null || content.isNull()) {
            return out;
        }
        if (content.isString()) {
            if (!content.asString().isEmpty()) {
                ObjectNode text = Json.MAPPER.createObjectNode().put("type", "text").put("text", content.asString());
                add(out, mapper.map(text, "text", at));
            }
            return out;
        }
        if (!content.isArray()) {
            throw new UnsupportedRequest(at, at + ": expected a string or an array of content parts.");
        }
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String partAt = at + "[" + i + "]";
            String type = str(part.get("type"));
            if (type == null) {
                throw new UnsupportedRequest(partAt + ".type", partAt + ".type: required.");
            }
            add(out, mapper.map(part, type, partAt));
        }
        return out;
    }

    private static void add(ArrayNode out, ObjectNode translated) {
        if (translated != null) {
            out.add(translated);
        }
    }

    /** An {@code image_url} part's URL (OpenAI's object form or a bare string); refused when missing. */
    public static String imageUrl(JsonNode part, String at) {
        JsonNode image = part.get("image_url");
        String url = image != null && image.isString() ? image.asString() : str(image == null ? null : image.get("url"));
        if (url == null || url.isEmpty()) {
            throw new UnsupportedRequest(at + ".image_url.url", at + ".image_url.url: required.");
        }
        return url;
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
    public static ObjectNode toolArguments(JsonNode arguments, String at, String vendor) {
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

    /**
     * The vendor body of a chat completions call, translated by {@code translate}; any other
     * endpoint, or a request the vendor cannot serve, is refused as the attempt's 400.
     */
    public static byte[] vendorBody(ProviderRequest request, String provider, String vendor, UnaryOperator<JsonNode> translate) {
        Endpoint endpoint = request.request().endpoint();
        if (endpoint != Endpoint.CHAT_COMPLETIONS) {
            throw UnsupportedRequest.refused(provider, null, endpoint.path() + " is not supported by " + vendor
                    + "; only /v1/chat/completions is.");
        }
        try {
            return Json.MAPPER.writeValueAsBytes(translate.apply(request.request().json()));
        } catch (UnsupportedRequest e) {
            throw e.toUpstream(provider);
        }
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
