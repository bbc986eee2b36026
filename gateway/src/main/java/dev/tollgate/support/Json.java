package dev.tollgate.support;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one JSON mapper of the gateway. One instance means one serializer cache, filled once at
 * start-up by {@link #warmUp()}: Jackson builds (de)serializers lazily under a lock, and the first
 * burst of concurrent requests would otherwise queue on it on event-loop threads.
 */
public final class Json {

    /** Trailing tokens are allowed: request bodies are read one top-level value at a time. */
    public static final JsonMapper MAPPER = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private Json() {}

    public static void warmUp() {
        JsonNode tree = MAPPER.readTree("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":1,\"t\":0.5,\"b\":true,\"z\":null}"
                .getBytes(StandardCharsets.UTF_8));
        MAPPER.readTree("{\"a\":1}");
        ObjectNode out = MAPPER.createObjectNode().put("s", "x").put("n", 1L).put("d", 1.5).put("b", true);
        out.putArray("a").add(1.0f).add("x");
        out.put("big", new java.math.BigDecimal("1.5"));
        MAPPER.writeValueAsBytes(out);
        MAPPER.writeValueAsString(tree);
        MAPPER.writeValueAsString("text");
        MAPPER.writeValueAsString(Map.of("k", "v"));
        MAPPER.readValue("{\"k\":\"v\"}", Map.class);
    }
}
