package dev.tollgate.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonBodyTest {

    private static JsonBody body(String json) {
        return JsonBody.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void rewritesOnlyTheNamedValuesAndKeepsEveryOtherByte() {
        String original = "{ \"model\" : \"gpt-4o\",\n  \"x_vendor\": {\"keep\": [1, 2.50, \"é\"]}, \"stream\":true ,"
                + "\"stream_options\": {\"include_usage\": false, \"other\": 1}}";
        JsonBody body = body(original);
        Map<String, String> rewrites = new LinkedHashMap<>();
        rewrites.put("model", JsonBody.quote("llama-3.3-70b-versatile"));
        rewrites.put("stream_options", "{\"include_usage\":true,\"other\":1}");

        String rewritten = new String(body.rewrite(rewrites), StandardCharsets.UTF_8);

        assertThat(rewritten).isEqualTo("{ \"model\" : \"llama-3.3-70b-versatile\",\n  \"x_vendor\": {\"keep\": [1, 2.50, \"é\"]},"
                + " \"stream\":true ,\"stream_options\": {\"include_usage\":true,\"other\":1}}");
    }

    @Test
    void insertsAbsentFieldsAtTheFront() {
        JsonBody body = body("{\"model\":\"m\",\"stream\":true}");
        String rewritten = new String(body.rewrite(Map.of("stream_options", "{\"include_usage\":true}")), StandardCharsets.UTF_8);
        assertThat(rewritten).isEqualTo("{\"stream_options\":{\"include_usage\":true},\"model\":\"m\",\"stream\":true}");
        assertThat(JsonBody.parse(rewritten.getBytes(StandardCharsets.UTF_8)).tree().path("stream_options").path("include_usage").asBoolean())
                .isTrue();
    }

    @Test
    void noRewriteReturnsTheSameBytes() {
        JsonBody body = body("{\"model\":\"m\"}");
        assertThat(body.rewrite(Map.of())).isSameAs(body.bytes());
    }

    @Test
    void malformedJsonSaysWhere() {
        assertThatThrownBy(() -> body("{\"model\": \"m\",\n \"messages\": [}"))
                .isInstanceOf(GatewayException.class)
                .hasMessageContaining("line 2")
                .extracting(e -> ((GatewayException) e).status().value()).isEqualTo(400);
        assertThatThrownBy(() -> body("[1,2]")).hasMessageContaining("must be a JSON object");
        assertThatThrownBy(() -> body("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> body("{\"a\":1}{")).hasMessageContaining("after the JSON object");
        assertThatThrownBy(() -> body("{\"a\":1,\"a\":2}")).hasMessageContaining("'a' twice");
    }
}
