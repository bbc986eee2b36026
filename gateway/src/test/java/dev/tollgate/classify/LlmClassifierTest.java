package dev.tollgate.classify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.JsonBody;
import dev.tollgate.config.Routing;
import dev.tollgate.testing.Transcripts;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Reading the LLM classifier's answer (seed 003 §6.3's JSON); the HTTP path is in RoutingIT. */
class LlmClassifierTest {

    private final Routing.Alias alias = RoutingRulesTest.read(RoutingRulesTest.BASE + """
            routing:
              aliases:
                auto:
                  tiers: { utility: mini, workhorse: mini, premium: large, embedding: embed }
                  baseline: premium
                  classifier: { thresholds: { premium: 0.3 } }
                  llm-classifier: { model: mini, band: [ 0.2, 0.4 ], timeout: 500ms }
            """).routing().aliases().get("auto");

    private ClassifyFilter.Decision decide(String content) {
        return LlmClassifier.decision(alias, Transcripts.chatCompletion("m", JsonBody.quote(content).replaceAll("^\"|\"$", ""))
                .getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theSuggestedTierWinsWhenItIsATierOfTheAlias() {
        assertThat(decide("{\"task_type\":\"SIMPLE\",\"confidence\":0.8,\"suggested_model_tier\":\"workhorse\"}"))
                .isEqualTo(new ClassifyFilter.Decision("workhorse", "llm", "simple,confidence=0.80"));
    }

    @Test
    void otherwiseTheTaskTypeMapsToCheapestMiddleOrBaseline() {
        assertThat(decide("{\"task_type\":\"SIMPLE\",\"suggested_model_tier\":\"nano\"}").tier()).isEqualTo("utility");
        assertThat(decide("{\"task_type\":\"MODERATE\"}").tier()).isEqualTo("workhorse");
        assertThat(decide("{\"task_type\":\"CRITICAL\"}").tier()).as("the baseline, not the last-listed tier").isEqualTo("premium");
    }

    @Test
    void fencedJsonIsReadAndAnythingElseIsNoDecision() {
        assertThat(decide("```json\n{\"task_type\":\"COMPLEX\",\"confidence\":0.7}\n```").tier()).isEqualTo("premium");
        assertThat(decide("It is simple.")).isNull();
        assertThat(decide("{\"task_type\":\"TRIVIAL\"}")).isNull();
        assertThat(decide("{\"confidence\":1}")).isNull();
        assertThat(LlmClassifier.decision(alias, "not json".getBytes(StandardCharsets.UTF_8))).isNull();
    }

    @Test
    void theRequestAsksForJsonNamesTheTiersAndClipsTheText() {
        var request = LlmClassifier.request(alias.llmClassifier(), alias, "x".repeat(5000));

        assertThat(request.json().path("response_format").path("type").asString()).isEqualTo("json_object");
        assertThat(request.json().path("messages").get(0).path("content").asString())
                .contains("\"utility\" | \"workhorse\" | \"premium\" | \"embedding\"").contains("CRITICAL");
        assertThat(request.json().path("messages").get(1).path("content").asString()).hasSize(4000);
    }
}
