package dev.tollgate.cache;

import dev.tollgate.provider.PromptCaching;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The keys a chat request is cached under, all within the caller's tenant scope.
 * <ul>
 *   <li>{@code exact}: a hash of the whole canonical request (fields in sorted order, so key order
 *       and whitespace do not matter), minus what does not change the answer (stream, stream
 *       options, user, metadata, store, service tier, and Anthropic's prompt-caching
 *       {@code cache_control} markers, see {@link PromptCaching}).</li>
 *   <li>{@code partition}: the same hash with the last user turn's text left out. A semantic hit
 *       needs an equal partition (system prompt, earlier turns, tools, model, sampling parameters,
 *       tenant) and a similar last user turn ({@code query}). Null when the last message is not a
 *       plain-text user turn: then only the exact stage applies.</li>
 * </ul>
 */
public record CacheKeys(String exact, String partition, String query) {

    /** Top-level fields that do not change what the model answers. */
    private static final Set<String> IGNORED = Set.of("stream", "stream_options", "user", "metadata", "store", "service_tier");

    public static CacheKeys of(String scope, ObjectNode client) {
        ObjectNode request = PromptCaching.stripped(client); // markers change the cost, not the answer
        String exact = hash(scope, request, null);
        JsonNode messages = request.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            return new CacheKeys(exact, null, null);
        }
        JsonNode last = messages.get(messages.size() - 1);
        String query = userText(last);
        if (query == null || query.isBlank()) {
            return new CacheKeys(exact, null, null);
        }
        return new CacheKeys(exact, hash(scope, request, last), query);
    }

    /**
     * The partition of a query whose text was longer than the embedding model reads: the part the
     * model did not see must then be equal too, so texts that differ only there cannot collide.
     */
    public static String withUnseenTail(String partition, String tail) {
        if (tail.isEmpty()) {
            return partition;
        }
        MessageDigest digest = sha256();
        digest.update(partition.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(tail.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The text of a user message: a string, or text parts only (an image makes it null). */
    static String userText(JsonNode message) {
        if (message == null || !message.isObject() || !"user".equals(message.path("role").asString(null))) {
            return null;
        }
        JsonNode content = message.get("content");
        if (content == null) {
            return null;
        }
        if (content.isString()) {
            return content.asString();
        }
        if (!content.isArray()) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        for (JsonNode part : content) {
            if (!"text".equals(part.path("type").asString(null)) || !part.path("text").isString()) {
                return null;
            }
            parts.add(part.get("text").asString());
        }
        return String.join("\n", parts);
    }

    private static String hash(String scope, ObjectNode request, JsonNode leaveOutText) {
        MessageDigest digest = sha256();
        update(digest, "scope");
        update(digest, scope);
        List<String> names = new ArrayList<>(request.propertyNames());
        names.sort(java.util.Comparator.comparing(CacheKeys::canonicalName));
        for (String name : names) {
            if (IGNORED.contains(name)) {
                continue;
            }
            update(digest, canonicalName(name));
            write(digest, request.get(name), leaveOutText);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** OpenAI's deprecated {@code max_tokens} means {@code max_completion_tokens} (what /v1/messages maps to). */
    private static String canonicalName(String field) {
        return field.equals("max_tokens") ? "max_completion_tokens" : field;
    }

    private static void write(MessageDigest digest, JsonNode node, JsonNode leaveOutText) {
        if (node == leaveOutText) {
            // The last user turn: its role stays in the partition, its text goes to the embedding.
            digest.update((byte) 'Q');
            return;
        }
        if (node.isObject()) {
            digest.update((byte) '{');
            List<String> names = new ArrayList<>(node.propertyNames());
            names.sort(null);
            for (String name : names) {
                update(digest, name);
                write(digest, node.get(name), leaveOutText);
            }
            digest.update((byte) '}');
        } else if (node.isArray()) {
            digest.update((byte) '[');
            for (JsonNode item : node) {
                write(digest, item, leaveOutText);
            }
            digest.update((byte) ']');
        } else if (node.isString()) {
            digest.update((byte) 's');
            update(digest, node.asString());
        } else if (node.isNumber()) {
            // 1, 1.0 and 1e0 are the same temperature.
            digest.update((byte) 'n');
            update(digest, node.decimalValue().stripTrailingZeros().toPlainString());
        } else {
            digest.update((byte) 'v');
            update(digest, node.toString());
        }
    }

    private static void update(MessageDigest digest, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        digest.update((byte) (bytes.length >>> 24));
        digest.update((byte) (bytes.length >>> 16));
        digest.update((byte) (bytes.length >>> 8));
        digest.update((byte) bytes.length);
        digest.update(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
