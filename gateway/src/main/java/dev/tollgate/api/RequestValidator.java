package dev.tollgate.api;

import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checks an OpenAI request the way OpenAI does and says precisely what is wrong
 * ({@code messages[2].role: expected one of ...}). Fields it does not know pass through untouched:
 * providers add parameters faster than any gateway can list them.
 */
public final class RequestValidator {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
    private static final Set<String> RESPONSE_FORMATS = Set.of("text", "json_object", "json_schema");

    private RequestValidator() {}

    public static LlmRequest validate(Endpoint endpoint, JsonBody body) {
        ObjectNode json = body.tree();
        String model = requiredString(json, "model");
        boolean stream = optionalBoolean(json, "stream");
        JsonNode streamOptions = json.get("stream_options");
        boolean wantsUsage = false;
        if (streamOptions != null && !streamOptions.isNull()) {
            if (!stream) {
                throw GatewayException.invalidRequest("stream_options",
                        "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
            }
            if (!streamOptions.isObject()) {
                throw GatewayException.invalidRequest("stream_options", "stream_options: expected an object such as {\"include_usage\": true}.");
            }
            JsonNode include = streamOptions.get("include_usage");
            if (include != null && !include.isNull() && !include.isBoolean()) {
                throw GatewayException.invalidRequest("stream_options.include_usage", "stream_options.include_usage: expected a boolean.");
            }
            wantsUsage = include != null && include.asBoolean(false);
        }
        int n = (int) optionalInt(json, "n", 1, 1, 128);
        Integer maxTokens = null;
        switch (endpoint) {
            case CHAT_COMPLETIONS -> {
                validateMessages(json);
                maxTokens = optionalMaxTokens(json, "max_completion_tokens");
                if (maxTokens == null) {
                    maxTokens = optionalMaxTokens(json, "max_tokens");
                }
                validateSampling(json);
                validateStop(json);
                validateTools(json);
                validateResponseFormat(json);
            }
            case COMPLETIONS -> {
                JsonNode prompt = json.get("prompt");
                if (prompt == null || prompt.isNull()) {
                    throw GatewayException.missingParam("prompt", "You must provide a 'prompt' parameter.");
                }
                if (!(prompt.isString() || prompt.isArray())) {
                    throw GatewayException.invalidRequest("prompt", "prompt: expected a string, an array of strings or an array of token ids.");
                }
                maxTokens = optionalMaxTokens(json, "max_tokens");
                validateSampling(json);
                validateStop(json);
            }
            case EMBEDDINGS -> {
                if (stream) {
                    throw GatewayException.invalidRequest("stream", "Embeddings cannot be streamed.");
                }
                validateEmbeddingInput(json);
                JsonNode format = json.get("encoding_format");
                if (format != null && !format.isNull()
                        && !(format.isString() && (format.asString().equals("float") || format.asString().equals("base64")))) {
                    throw GatewayException.invalidRequest("encoding_format", "encoding_format: expected 'float' or 'base64'.");
                }
                optionalInt(json, "dimensions", 0, 1, 65536);
            }
        }
        JsonNode user = json.get("user");
        if (user != null && !user.isNull() && !user.isString()) {
            throw GatewayException.invalidRequest("user", "user: expected a string.");
        }
        return new LlmRequest(endpoint, body, model, stream, wantsUsage, maxTokens, n,
                user != null && !user.isNull() ? user.asString() : null);
    }

    private static void validateMessages(ObjectNode json) {
        JsonNode messages = json.get("messages");
        if (messages == null || messages.isNull()) {
            throw GatewayException.missingParam("messages", "Missing required parameter: 'messages'.");
        }
        if (!messages.isArray() || messages.isEmpty()) {
            throw GatewayException.invalidRequest("messages", "messages: expected a non-empty array of message objects.");
        }
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject()) {
                throw GatewayException.invalidRequest(at, at + ": expected an object with 'role' and 'content'.");
            }
            JsonNode role = m.get("role");
            if (role == null || !role.isString()) {
                throw GatewayException.missingParam(at + ".role", at + ".role: required, one of " + ROLES + ".");
            }
            if (!ROLES.contains(role.asString())) {
                throw GatewayException.invalidRequest(at + ".role", at + ".role: '" + role.asString()
                        + "' is not one of " + ROLES + ".");
            }
            JsonNode content = m.get("content");
            // An assistant turn may carry only tool_calls; every other role needs content.
            if ((content == null || content.isNull()) && !role.asString().equals("assistant")) {
                throw GatewayException.missingParam(at + ".content", at + ".content: required for role '" + role.asString() + "'.");
            }
            if (content != null && !content.isNull() && !content.isString() && !content.isArray()) {
                throw GatewayException.invalidRequest(at + ".content", at + ".content: expected a string or an array of content parts.");
            }
            if (role.asString().equals("tool") && !m.path("tool_call_id").isString()) {
                throw GatewayException.missingParam(at + ".tool_call_id", at + ".tool_call_id: required for role 'tool'.");
            }
        }
    }

    private static void validateSampling(ObjectNode json) {
        optionalNumber(json, "temperature", 0, 2);
        optionalNumber(json, "top_p", 0, 1);
        optionalNumber(json, "presence_penalty", -2, 2);
        optionalNumber(json, "frequency_penalty", -2, 2);
    }

    private static void validateStop(ObjectNode json) {
        JsonNode stop = json.get("stop");
        if (stop == null || stop.isNull() || stop.isString()) {
            return;
        }
        if (!stop.isArray() || stop.size() > 4) {
            throw GatewayException.invalidRequest("stop", "stop: expected a string or an array of up to 4 strings.");
        }
        for (JsonNode s : stop) {
            if (!s.isString()) {
                throw GatewayException.invalidRequest("stop", "stop: every stop sequence must be a string.");
            }
        }
    }

    private static void validateTools(ObjectNode json) {
        JsonNode tools = json.get("tools");
        if (tools == null || tools.isNull()) {
            return;
        }
        if (!tools.isArray()) {
            throw GatewayException.invalidRequest("tools", "tools: expected an array of {type: 'function', function: {...}}.");
        }
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            String at = "tools[" + i + "]";
            if (!t.isObject()) {
                throw GatewayException.invalidRequest(at, at + ": expected an object.");
            }
            if ("function".equals(t.path("type").asString(null))) {
                JsonNode name = t.path("function").get("name");
                if (name == null || !name.isString() || name.asString().isEmpty()) {
                    throw GatewayException.missingParam(at + ".function.name", at + ".function.name: required.");
                }
            }
        }
    }

    private static void validateResponseFormat(ObjectNode json) {
        JsonNode rf = json.get("response_format");
        if (rf == null || rf.isNull()) {
            return;
        }
        String type = rf.path("type").asString(null);
        if (!rf.isObject() || type == null || !RESPONSE_FORMATS.contains(type)) {
            throw GatewayException.invalidRequest("response_format",
                    "response_format: expected {\"type\": one of " + RESPONSE_FORMATS + "}.");
        }
        if (type.equals("json_schema") && !rf.path("json_schema").isObject()) {
            throw GatewayException.missingParam("response_format.json_schema",
                    "response_format.json_schema: required when type is 'json_schema'.");
        }
    }

    private static void validateEmbeddingInput(ObjectNode json) {
        JsonNode input = json.get("input");
        if (input == null || input.isNull()) {
            throw GatewayException.missingParam("input", "Missing required parameter: 'input'.");
        }
        if (input.isString()) {
            if (input.asString().isEmpty()) {
                throw GatewayException.invalidRequest("input", "input: must not be an empty string.");
            }
            return;
        }
        if (!input.isArray() || input.isEmpty()) {
            throw GatewayException.invalidRequest("input", "input: expected a string or a non-empty array of strings or token ids.");
        }
        if (input.size() > 2048) {
            throw GatewayException.invalidRequest("input", "input: at most 2048 inputs per request.");
        }
        for (JsonNode item : input) {
            if (!(item.isString() || item.isIntegralNumber() || item.isArray())) {
                throw GatewayException.invalidRequest("input", "input: every item must be a string, a token id or an array of token ids.");
            }
        }
    }

    private static String requiredString(ObjectNode json, String field) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            throw GatewayException.missingParam(field, "Missing required parameter: '" + field + "'.");
        }
        if (!v.isString() || v.asString().isBlank()) {
            throw GatewayException.invalidRequest(field, field + ": expected a non-empty string.");
        }
        return v.asString();
    }

    private static boolean optionalBoolean(ObjectNode json, String field) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw GatewayException.invalidRequest(field, field + ": expected a boolean, got " + describe(v) + ".");
        }
        return v.asBoolean();
    }

    private static long optionalInt(ObjectNode json, String field, long fallback, long min, long max) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw GatewayException.invalidRequest(field, field + ": expected an integer, got " + describe(v) + ".");
        }
        long value = v.asLong();
        if (value < min || value > max) {
            throw GatewayException.invalidRequest(field, field + ": " + value + " is out of range [" + min + ", " + max + "].");
        }
        return value;
    }

    private static Integer optionalMaxTokens(ObjectNode json, String field) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        return (int) optionalInt(json, field, 0, 1, Integer.MAX_VALUE);
    }

    private static void optionalNumber(ObjectNode json, String field, double min, double max) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.isNumber()) {
            throw GatewayException.invalidRequest(field, field + ": expected a number, got " + describe(v) + ".");
        }
        double d = v.asDouble();
        if (d < min || d > max) {
            throw GatewayException.invalidRequest(field, field + ": " + v + " is out of range [" + min + ", " + max + "].");
        }
    }

    private static String describe(JsonNode v) {
        String text = v.toString();
        return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " " + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
    }
}
