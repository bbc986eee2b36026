package dev.tollgate.classify;

import java.util.Map;
import java.util.function.IntSupplier;
import tools.jackson.databind.JsonNode;

/**
 * What routing rules look at, read once from the request: the call's attributes (key metadata,
 * tags, team, key, user, feature), its headers, the endpoint, the shape of the conversation, and
 * the estimated prompt tokens (counted only if a rule asks).
 *
 * @param headers lower-case header name → first value
 * @param operation {@code chat}, {@code text_completion} or {@code embeddings}
 */
public record PromptFacts(Map<String, String> attributes, Map<String, String> headers, String operation,
        IntSupplier promptTokens, boolean systemPrompt, boolean tools, boolean images, boolean jsonMode, int messages,
        String lastUserText) {

    /** Reads the conversation facts from an OpenAI-shaped request body. */
    public static PromptFacts of(JsonNode body, Map<String, String> attributes, Map<String, String> headers,
            String operation, IntSupplier promptTokens) {
        JsonNode messages = body.path("messages");
        boolean system = false;
        boolean images = false;
        int count = 0;
        String lastUser = null;
        if (messages.isArray()) {
            count = messages.size();
            for (JsonNode m : messages) {
                String role = m.path("role").asString("");
                if (role.equals("system") || role.equals("developer")) {
                    system = true;
                }
                JsonNode content = m.path("content");
                if (content.isArray()) {
                    for (JsonNode part : content) {
                        String type = part.path("type").asString("");
                        if (type.equals("image_url") || type.equals("image") || type.equals("input_image")) {
                            images = true;
                        }
                    }
                }
                if (role.equals("user")) {
                    lastUser = text(content);
                }
            }
        } else if (body.path("prompt").isString()) {
            count = 1;
            lastUser = body.path("prompt").asString();
        }
        boolean tools = body.path("tools").isArray() && !body.path("tools").isEmpty()
                || body.path("functions").isArray() && !body.path("functions").isEmpty();
        String format = body.path("response_format").path("type").asString("");
        boolean json = format.equals("json_object") || format.equals("json_schema");
        return new PromptFacts(attributes, headers, operation, promptTokens, system, tools, images, json, count, lastUser);
    }

    /**
     * The text of a user turn: a string, or its text parts joined by newlines (images left out).
     * For a plain-text turn this is the text the semantic cache embeds, so its vector is reused.
     */
    static String text(JsonNode content) {
        if (content.isString()) {
            return content.asString();
        }
        if (!content.isArray()) {
            return null;
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            if ("text".equals(part.path("type").asString(null)) && part.path("text").isString()) {
                if (!text.isEmpty()) {
                    text.append('\n');
                }
                text.append(part.get("text").asString());
            }
        }
        return text.isEmpty() ? null : text.toString();
    }
}
