package dev.tollgate.provider.openai;

import dev.tollgate.provider.TokenUsage;
import dev.tollgate.support.TokenCounter;
import dev.tollgate.provider.UpstreamException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import dev.tollgate.support.Json;
import tools.jackson.databind.json.JsonMapper;

/** Reading the parts of OpenAI responses Tollgate needs: usage, generated text, errors. */
final class OpenAiWire {

    static final JsonMapper JSON = Json.MAPPER;

    private OpenAiWire() {}

    static JsonNode parse(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (JacksonException e) {
            throw UpstreamException.of(UpstreamException.Kind.PROTOCOL,
                    "provider answered with invalid JSON: " + e.getOriginalMessage(), null);
        }
    }

    static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (JacksonException e) {
            throw UpstreamException.of(UpstreamException.Kind.PROTOCOL,
                    "provider streamed invalid JSON: " + e.getOriginalMessage(), null);
        }
    }

    /** {@code usage} of a chat, completion or embedding response; null when absent. */
    static TokenUsage usage(JsonNode root) {
        return TokenUsage.ofOpenAi(root);
    }

    /**
     * Usage of a complete answer that came without one (some OpenAI-compatible servers omit it):
     * counted with the tokenizer from the request and the generated text, marked as estimated.
     */
    static TokenUsage estimate(JsonNode request, JsonNode response) {
        StringBuilder text = new StringBuilder();
        for (JsonNode choice : response.path("choices")) {
            appendText(text, choice.has("message") ? choice.get("message") : choice);
        }
        return new TokenUsage(TokenCounter.countInput(request), TokenCounter.count(text.toString()), 0, true);
    }

    /**
     * The generated text of one streamed chunk without building a tree: the string values of
     * {@code content}, {@code text} and {@code arguments} fields, in order.
     */
    static String streamedText(String chunk) {
        StringBuilder text = null;
        try (tools.jackson.core.JsonParser p = JSON.createParser(chunk)) {
            tools.jackson.core.JsonToken token;
            while ((token = p.nextToken()) != null) {
                if (token == tools.jackson.core.JsonToken.PROPERTY_NAME) {
                    String name = p.currentName();
                    if (name.equals("content") || name.equals("text") || name.equals("arguments")) {
                        if (p.nextToken() == tools.jackson.core.JsonToken.VALUE_STRING) {
                            text = text == null ? new StringBuilder() : text;
                            text.append(p.getString());
                        }
                    }
                }
            }
        } catch (JacksonException e) {
            throw UpstreamException.of(UpstreamException.Kind.PROTOCOL, "provider streamed invalid JSON: " + e.getOriginalMessage(), null);
        }
        return text == null || text.isEmpty() ? null : text.toString();
    }

    /** Content (or legacy completion text) and tool-call argument fragments of one message or delta. */
    static void appendText(StringBuilder text, JsonNode part) {
        String content = part.path("content").asString(null);
        if (content == null) {
            content = part.path("text").asString(null); // legacy completions
        }
        if (content != null) {
            text.append(content);
        }
        for (JsonNode call : part.path("tool_calls")) {
            String args = call.path("function").path("arguments").asString(null);
            if (args != null) {
                text.append(args);
            }
        }
    }

    /** Builds the exception for an HTTP error answer, keeping the provider's own message. */
    static UpstreamException httpError(String provider, int status, byte[] body, Duration retryAfter) {
        String message = null;
        String type = null;
        String code = null;
        String param = null;
        try {
            JsonNode root = JSON.readTree(body);
            JsonNode error = root.get("error");
            if (error != null && error.isObject()) {
                message = error.path("message").asString(null);
                type = error.path("type").asString(null);
                JsonNode c = error.get("code");
                code = c == null || c.isNull() ? null : c.asString();
                param = error.path("param").asString(null);
            } else if (error != null && error.isString()) {
                message = error.asString();
            } else if (root.has("message")) {
                message = root.path("message").asString(null);
            }
        } catch (JacksonException notJson) {
            String text = new String(body, StandardCharsets.UTF_8).strip();
            message = text.length() > 300 ? text.substring(0, 300) + "..." : text;
        }
        if (message == null || message.isEmpty()) {
            message = "HTTP " + status;
        }
        return new UpstreamException(UpstreamException.Kind.HTTP_STATUS, status,
                "provider '" + provider + "' answered " + status + ": " + message,
                retryAfter, type, code, param, null);
    }
}
