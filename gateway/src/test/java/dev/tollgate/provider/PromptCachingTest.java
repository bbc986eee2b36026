package dev.tollgate.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.provider.bedrock.BedrockMapper;
import dev.tollgate.provider.gemini.GeminiMapper;
import dev.tollgate.support.Json;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Where markers sit in the canonical request, and that the mappers that build bodies from scratch never copy them. */
class PromptCachingTest {

    private static final String MARKED = """
            {"model":"m","messages":[
              {"role":"system","content":[{"type":"text","text":"rules","cache_control":{"type":"ephemeral"}}]},
              {"role":"user","content":"hi","cache_control":{"type":"ephemeral"}},
              {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",
                "function":{"name":"f","arguments":"{}"},"cache_control":{"type":"ephemeral"}}]},
              {"role":"tool","tool_call_id":"c1","content":"r","cache_control":{"type":"ephemeral"}}],
             "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}},"cache_control":{"type":"ephemeral"}}]}""";

    private static ObjectNode json(String text) {
        return (ObjectNode) Json.MAPPER.readTree(text);
    }

    @Test
    void eachPlaceIsFoundAndStrippedWithoutTouchingTheRequest() {
        ObjectNode request = json(MARKED);
        assertThat(PromptCaching.present(request)).isTrue();
        ObjectNode stripped = PromptCaching.stripped(request);
        assertThat(stripped.toString()).doesNotContain("cache_control");
        assertThat(request.toString()).contains("cache_control"); // copies, the original is left alone
        assertThat(stripped.get("model")).isSameAs(request.get("model"));
        ObjectNode plain = json("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"cache_control\"}]}");
        assertThat(PromptCaching.present(plain)).isFalse();
        assertThat(PromptCaching.stripped(plain)).isSameAs(plain);
    }

    @Test
    void geminiAndBedrockBodiesCarryNoMarker() {
        JsonNode gemini = GeminiMapper.toGeminiRequest(json(MARKED));
        JsonNode bedrock = BedrockMapper.toConverseRequest(json(MARKED));
        assertThat(gemini.toString()).contains("rules").doesNotContain("cache_control");
        assertThat(bedrock.toString()).contains("rules").doesNotContain("cache_control");
    }
}
