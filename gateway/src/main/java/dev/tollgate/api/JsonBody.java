package dev.tollgate.api;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.JsonNode;
import dev.tollgate.support.Json;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A request body read once: the original bytes, the parsed tree, and where each top-level field's
 * value sits in the bytes. When client and upstream speak the same schema the gateway rewrites
 * only the fields it must (model, stream options) by splicing bytes, so everything else the
 * client sent, including fields Tollgate does not know, reaches the provider byte for byte.
 */
public final class JsonBody {

    static final JsonMapper JSON = Json.MAPPER;
    /**
     * Request bodies are read with duplicate keys refused at every depth: two values for one key
     * are read differently by different parsers (first wins here, last wins there), so a body
     * the gateway checked could reach the provider meaning something else.
     */
    private static final java.util.regex.Pattern DUPLICATE = java.util.regex.Pattern.compile("^Duplicate .*?\"(.*)\"");
    private static final tools.jackson.databind.ObjectReader STRICT = JSON.reader()
            .with(tools.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION);

    private final byte[] bytes;
    private final ObjectNode tree;
    private final Map<String, int[]> spans;
    private final int openBrace;

    private JsonBody(byte[] bytes, ObjectNode tree, Map<String, int[]> spans, int openBrace) {
        this.bytes = bytes;
        this.tree = tree;
        this.spans = spans;
        this.openBrace = openBrace;
    }

    public static JsonBody parse(byte[] bytes) {
        if (bytes.length == 0) {
            throw GatewayException.invalidJson("The request body is empty; expected a JSON object.");
        }
        try (JsonParser p = STRICT.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw GatewayException.invalidJson("The request body must be a JSON object.");
            }
            int open = (int) p.currentTokenLocation().getByteOffset();
            ObjectNode tree = JSON.createObjectNode();
            Map<String, int[]> spans = new HashMap<>();
            String name;
            while ((name = p.nextName()) != null) {
                p.nextToken();
                int start = (int) p.currentTokenLocation().getByteOffset();
                JsonNode value = JSON.readTree(p);
                int end = (int) p.currentLocation().getByteOffset();
                if (spans.put(name, new int[] {start, end}) != null) {
                    throw GatewayException.invalidJson("The request body has the field '" + name + "' twice.");
                }
                tree.set(name, value);
            }
            if (p.nextToken() != null) {
                throw GatewayException.invalidJson("Unexpected content after the JSON object.");
            }
            return new JsonBody(bytes, tree, spans, open);
        } catch (StreamConstraintsException e) {
            // Nesting, number or string length past Jackson's limits: a body no model request needs.
            throw GatewayException.invalidJson("The JSON body of your request exceeds a parser limit: "
                    + e.getOriginalMessage() + where(e));
        } catch (JacksonException e) {
            String message = e.getOriginalMessage();
            java.util.regex.Matcher duplicate = DUPLICATE.matcher(message == null ? "" : message);
            if (duplicate.find()) {
                throw GatewayException.invalidJson("The request body has the field '" + duplicate.group(1)
                        + "' twice in one object" + where(e));
            }
            throw GatewayException.invalidJson("We could not parse the JSON body of your request: " + message + where(e));
        }
    }

    /** " (line L, column C)." when the parser knows where, else ".". */
    private static String where(JacksonException e) {
        tools.jackson.core.TokenStreamLocation at = e.getLocation();
        return at == null ? "." : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ").";
    }

    public byte[] bytes() {
        return bytes;
    }

    public ObjectNode tree() {
        return tree;
    }

    /**
     * The body with some top-level values replaced (raw JSON text per field name) and fields
     * that were absent inserted at the front. Untouched bytes are copied as they are.
     */
    public byte[] rewrite(Map<String, String> rawValues) {
        if (rawValues.isEmpty()) {
            return bytes;
        }
        Map<Integer, Object[]> replacements = new java.util.TreeMap<>();
        StringBuilder inserted = new StringBuilder();
        for (Map.Entry<String, String> e : rawValues.entrySet()) {
            int[] span = spans.get(e.getKey());
            if (span != null) {
                replacements.put(span[0], new Object[] {span[1], e.getValue()});
            } else {
                inserted.append(JSON.writeValueAsString(e.getKey())).append(':').append(e.getValue()).append(',');
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + 64);
        out.write(bytes, 0, openBrace + 1);
        out.writeBytes(inserted.toString().getBytes(StandardCharsets.UTF_8));
        int pos = openBrace + 1;
        for (Map.Entry<Integer, Object[]> r : replacements.entrySet()) {
            out.write(bytes, pos, r.getKey() - pos);
            out.writeBytes(((String) r.getValue()[1]).getBytes(StandardCharsets.UTF_8));
            pos = (int) r.getValue()[0];
        }
        out.write(bytes, pos, bytes.length - pos);
        return out.toByteArray();
    }

    public static String quote(String text) {
        return JSON.writeValueAsString(text);
    }

    public static Map<String, String> fields() {
        return new LinkedHashMap<>();
    }
}
