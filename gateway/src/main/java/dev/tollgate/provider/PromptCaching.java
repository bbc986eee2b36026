package dev.tollgate.provider;

import dev.tollgate.support.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Anthropic prompt-caching markers ({@code "cache_control": {"type": "ephemeral"}}, optionally
 * with {@code "ttl": "1h"}) in the canonical OpenAI chat request: the one place that says where
 * they sit, for the {@code /v1/messages} front door that writes them, the Anthropic mapper that
 * puts them back, and everything that must leave them out.
 *
 * <p>The marker object is carried as the client sent it, as a {@value #FIELD} field on the
 * canonical element that corresponds to the marked Anthropic element:
 * <ul>
 *   <li>{@code messages[i].content[j].cache_control}: a content part (a system text block, a
 *       user text, image or document block, an assistant text block, a text block inside a tool
 *       result);</li>
 *   <li>{@code messages[i].tool_calls[j].cache_control}: an assistant {@code tool_use} block;</li>
 *   <li>{@code messages[i].cache_control}: the message's last block, for a {@code tool} message
 *       its {@code tool_result} block (also what an OpenAI client writes on a message with string
 *       content);</li>
 *   <li>{@code tools[i].cache_control}: a tool definition.</li>
 * </ul>
 * Only Anthropic upstreams receive them; the OpenAI-compatible adapters remove them
 * ({@link #withoutMarkers}), the Gemini and Bedrock mappers read none of these fields, and the
 * response cache leaves them out of its keys (they change what the call costs, not its answer).
 */
public final class PromptCaching {

    /** The marker's field name, in Anthropic's requests and in the canonical request alike. */
    public static final String FIELD = "cache_control";

    private static final JsonNode NONE = Json.MAPPER.createArrayNode();

    private PromptCaching() {}

    /** The marker on {@code from}, when it is an object; null otherwise. */
    public static JsonNode marker(JsonNode from) {
        JsonNode marker = from == null ? null : from.get(FIELD);
        return marker != null && marker.isObject() ? marker : null;
    }

    /** Copies the marker of {@code from} onto {@code to} (nothing when {@code from} has none); {@code to}. */
    public static ObjectNode copy(JsonNode from, ObjectNode to) {
        JsonNode marker = marker(from);
        if (marker != null) {
            to.set(FIELD, marker);
        }
        return to;
    }

    /** True when the canonical request carries a marker at any of the places above. */
    public static boolean present(JsonNode request) {
        for (JsonNode place : places(request.path("messages"), request.path("tools"))) {
            if (place.has(FIELD)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The top-level fields of a canonical request that carry markers, as copies without them
     * ({@code messages} and/or {@code tools}); empty, and nothing copied, when there are none.
     * Only the places above are touched: a tool schema property named {@value #FIELD} stays.
     */
    public static Map<String, JsonNode> withoutMarkers(JsonNode request) {
        Map<String, JsonNode> out = new LinkedHashMap<>(2);
        if (!present(request)) {
            return out;
        }
        for (String field : List.of("messages", "tools")) {
            JsonNode value = request.get(field);
            if (value == null || !value.isArray()) {
                continue;
            }
            ArrayNode copy = (ArrayNode) value.deepCopy();
            boolean changed = false;
            for (JsonNode place : field.equals("tools") ? places(NONE, copy) : places(copy, NONE)) {
                changed |= place instanceof ObjectNode object && object.remove(FIELD) != null;
            }
            if (changed) {
                out.put(field, copy);
            }
        }
        return out;
    }

    /** The objects that may carry a marker: each message, its content parts and tool calls, each tool. */
    private static List<JsonNode> places(JsonNode messages, JsonNode tools) {
        List<JsonNode> places = new ArrayList<>();
        tools.forEach(places::add);
        for (JsonNode message : messages) {
            places.add(message);
            message.path("content").forEach(places::add); // a string content has no elements
            message.path("tool_calls").forEach(places::add);
        }
        return places;
    }

    /** The request itself when it has no markers, else a shallow copy with the marked fields replaced. */
    public static ObjectNode stripped(ObjectNode request) {
        Map<String, JsonNode> replaced = withoutMarkers(request);
        if (replaced.isEmpty()) {
            return request;
        }
        ObjectNode copy = Json.MAPPER.createObjectNode();
        request.properties().forEach(e -> copy.set(e.getKey(), replaced.getOrDefault(e.getKey(), e.getValue())));
        return copy;
    }
}
