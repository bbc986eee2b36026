package dev.tollgate.classify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.config.Routing;
import dev.tollgate.embedding.Embedding;
import dev.tollgate.embedding.EmbeddingModel;
import dev.tollgate.embedding.OnnxEmbedder;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shipped complexity model: deterministic scores in [0, 1], tiers by threshold. */
class ComplexityClassifierTest {

    static OnnxEmbedder embedder;
    static final ComplexityModel MODEL = ComplexityModel.shipped();

    @BeforeAll
    static void load() {
        embedder = OnnxEmbedder.load(EmbeddingModel.fromId(MODEL.embeddingModel()).orElseThrow(), 1);
    }

    @AfterAll
    static void close() {
        embedder.close();
    }

    private double score(String text) {
        Embedding e = embedder.embed(List.of(text)).get(0);
        return MODEL.score(e.vector(), text);
    }

    @Test
    void theSamePromptScoresTheSameEveryTimeAndWithinZeroAndOne() {
        String prompt = "A train leaves at 3:15 pm travelling 84 km/h; a second leaves 40 minutes later at 96 km/h. "
                + "When does the second catch up, and how far from the station?";
        double first = score(prompt);
        assertThat(score(prompt)).isEqualTo(first);
        assertThat(first).isBetween(0.0, 1.0);
        assertThat(MODEL.score(embedder.embed(List.of("hi")).get(0).vector(), "hi")).isBetween(0.0, 1.0);
    }

    @Test
    void aMultiStepWordProblemScoresAboveAGreeting() {
        double greeting = score("Say hello to my friend Anna.");
        double mathProblem = score("Janet has 3 times as many marbles as Tom. After giving 12 to Sue and buying 7 more, "
                + "she has 41. Tom then doubles his marbles and loses 5. How many marbles does Tom have now?");
        assertThat(mathProblem).isGreaterThan(greeting);
    }

    @Test
    void aVectorOfAnotherSizeIsRefused() {
        assertThatThrownBy(() -> MODEL.score(new float[12], "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expects " + MODEL.dimensions());
    }

    @Test
    void theTierIsTheMostCapableWhoseThresholdTheScoreReaches() {
        Routing.Alias alias = RoutingRulesTest.read(RoutingRulesTest.BASE + """
                routing:
                  aliases:
                    auto:
                      tiers: { utility: mini, workhorse: mini, premium: large }
                      classifier: { thresholds: { workhorse: 0.2, premium: 0.5 } }
                """).routing().aliases().get("auto");

        assertThat(ClassifyFilter.byScore(alias, 0.0).tier()).isEqualTo("utility");
        assertThat(ClassifyFilter.byScore(alias, 0.1999).tier()).isEqualTo("utility");
        assertThat(ClassifyFilter.byScore(alias, 0.2).tier()).isEqualTo("workhorse");
        assertThat(ClassifyFilter.byScore(alias, 0.49).tier()).isEqualTo("workhorse");
        assertThat(ClassifyFilter.byScore(alias, 0.5)).isEqualTo(new ClassifyFilter.Decision("premium", "classifier", "score>=0.5"));
        assertThat(ClassifyFilter.byScore(alias, 1.0).tier()).isEqualTo("premium");
    }
}
