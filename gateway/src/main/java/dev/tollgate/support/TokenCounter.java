package dev.tollgate.support;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import tools.jackson.databind.JsonNode;

/**
 * Token counts when a provider gave none (client disconnected before the usage chunk, providers
 * that do not report usage, the simulated provider). Uses jtokkit's o200k_base, the encoding of
 * current OpenAI models; for other vendors' models it is an estimate and is recorded as such.
 */
public final class TokenCounter {

    // Loaded once at class initialisation (reads the BPE ranks from the jar), never on a request.
    private static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    /** Per-message overhead OpenAI documents for chat formatting. */
    private static final int TOKENS_PER_MESSAGE = 3;

    private TokenCounter() {}

    /** Loads the encoding now (start-up) rather than on the first request's event-loop thread. */
    public static void warmUp() {
        count("warm up");
    }

    public static int count(String text) {
        return text == null || text.isEmpty() ? 0 : ENCODING.countTokensOrdinary(text);
    }

    /** Input tokens of a chat, completion or embedding request body. */
    public static int countInput(JsonNode json) {
        JsonNode messages = json.get("messages");
        if (messages != null && messages.isArray()) {
            int total = 3;
            for (JsonNode m : messages) {
                total += TOKENS_PER_MESSAGE + count(m.path("role").asString(""));
                total += countContent(m.get("content"));
                JsonNode toolCalls = m.get("tool_calls");
                if (toolCalls != null) {
                    total += count(toolCalls.toString());
                }
            }
            JsonNode tools = json.get("tools");
            if (tools != null && tools.isArray()) {
                total += count(tools.toString());
            }
            return total;
        }
        JsonNode prompt = json.has("prompt") ? json.get("prompt") : json.get("input");
        return prompt == null ? 0 : countContent(prompt);
    }

    private static int countContent(JsonNode content) {
        if (content == null || content.isNull()) {
            return 0;
        }
        if (content.isString()) {
            return count(content.asString());
        }
        if (content.isArray()) {
            int total = 0;
            for (JsonNode part : content) {
                if (part.isString()) {
                    total += count(part.asString());
                } else if (part.isNumber()) {
                    total += 1;
                } else if (part.isArray()) {
                    total += part.size();
                } else if (part.has("text")) {
                    total += count(part.path("text").asString(""));
                } else if (part.has("image_url")) {
                    total += 85; // OpenAI's base cost of one low-detail image tile
                }
            }
            return total;
        }
        return count(content.toString());
    }
}
