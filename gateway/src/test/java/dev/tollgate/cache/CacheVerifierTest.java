package dev.tollgate.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CacheVerifierTest {

    @Test
    void aSelfCorrectionIsRepairedNotReadAsANegation() {
        QuestionText text = QuestionText.of("What streams continue to carry water from the Channel River no Rhine?");
        assertThat(text.hasCorrection()).isTrue();
        assertThat(text.readings()).contains(
                List.of("what", "streams", "continue", "to", "carry", "water", "from", "the", "rhine"));
        assertThat(SemanticGuards.veto("What streams continue to carry water from the Rhine?",
                "What streams continue to carry water from the Channel River no Rhine?")).isNull();
        assertThat(SemanticGuards.veto("What types of preparation do pharmacists not require?",
                "What types of training um no sorry preparation do pharmacists not require?")).isNull();
        assertThat(SemanticGuards.veto("When did the Sierra Sky Park fall out of use?",
                "Who created or when did the Sierra Sky Park fall out of use?")).isNull();
    }

    @Test
    void aRealNoStaysANegation() {
        assertThat(QuestionText.of("Is there no cure for the common cold?").hasCorrection()).isFalse();
        assertThat(SemanticGuards.veto("Is there a cure for the common cold?", "Is there no cure for the common cold?"))
                .isEqualTo("negation differs");
        assertThat(SemanticGuards.veto("Can I eat with no sugar?", "Can I eat with sugar?")).isEqualTo("negation differs");
    }

    @Test
    void theRepairKeepsTheCorrectedNumber() {
        assertThat(SemanticGuards.veto("Who won the cup in 1990?", "Who won the cup in 1990 no I mean 1991?"))
                .isEqualTo("numbers differ");
        assertThat(SemanticGuards.veto("Who won the cup in 1991?", "Who won the cup in 1990 no I mean 1991?")).isNull();
        assertThat(SemanticGuards.veto("Does it exist in v2.10.0?", "Does it exist in v5.10.0?")).isEqualTo("numbers differ");
    }

    @Test
    void askingForAnotherKindOfAnswerVetoes() {
        assertThat(SemanticGuards.veto("Who was the first European to travel the Amazon?",
                "In what year did the first European travel the Amazon?")).isEqualTo("question word differs");
        assertThat(SemanticGuards.veto("Who wrote Hamlet?", "When was Hamlet written?")).isEqualTo("question word differs");
        // Generic question words do not conflict: "what is the best way" and "how" ask alike.
        assertThat(SemanticGuards.veto("How can I learn Python fast?", "What is the best way to learn Python fast?")).isNull();
    }

    @Test
    void anotherUnitOrAnotherNameVetoes() {
        assertThat(SemanticGuards.veto("How many kilometers is a marathon?", "How many miles is a marathon?"))
                .isEqualTo("units differ");
        assertThat(SemanticGuards.veto("What is the capital of France?", "What is the capital of Germany?"))
                .isEqualTo("names differ");
        assertThat(SemanticGuards.veto("How do I learn Python?", "How do I learn Java?")).isEqualTo("names differ");
        assertThat(SemanticGuards.veto("What is the capital of France?", "what's the capital of France")).isNull();
    }

    @Test
    void featuresAndScoresAreDeterministic() {
        CacheVerifier verifier = CacheVerifier.forModel("all-minilm-l6-v2-q");
        assertThat(verifier).isNotNull();
        Random random = new Random(1);
        float[] u = unit(random);
        float[] v = unit(random);
        PairFeatures.Pair once = PairFeatures.of("How do plankton reproduce?", u, "Which group er how do plankton reproduce?", v);
        PairFeatures.Pair twice = PairFeatures.of("How do plankton reproduce?", u, "Which group er how do plankton reproduce?", v);
        assertThat(once.features()).containsExactly(twice.features());
        assertThat(once.features()).hasSize(PairFeatures.NAMES.size() + 2 * u.length);
        assertThat(verifier.judge("How do plankton reproduce?", u, "How do plankton reproduce?", u).score())
                .isEqualTo(verifier.judge("How do plankton reproduce?", u, "How do plankton reproduce?", u).score());
        // The same words and the same vector score above the shipped bar; a guard's veto is final.
        assertThat(verifier.judge("How do plankton reproduce?", u, "How do plankton reproduce?", u).same()).isTrue();
        CacheVerifier.Verdict vetoed = verifier.judge("What is 15% of 80?", u, "What is 15% of 90?", u);
        assertThat(vetoed.veto()).isEqualTo("numbers differ");
        assertThat(vetoed.same()).isFalse();
    }

    private static float[] unit(Random random) {
        float[] v = new float[384];
        double norm = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
            norm += v[i] * v[i];
        }
        for (int i = 0; i < v.length; i++) {
            v[i] /= (float) Math.sqrt(norm);
        }
        return v;
    }
}
