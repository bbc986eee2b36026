package dev.tollgate.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OnnxEmbedderTest {

    static OnnxEmbedder minilm;
    static OnnxEmbedder bge;

    @BeforeAll
    static void load() {
        minilm = OnnxEmbedder.load(EmbeddingModel.ALL_MINILM_L6_V2_Q, 1);
        bge = OnnxEmbedder.load(EmbeddingModel.BGE_SMALL_EN_V15_Q, 1);
    }

    @AfterAll
    static void close() {
        minilm.close();
        bge.close();
    }

    @Test
    void vectorsAreNormalisedAndParaphrasesCloserThanUnrelatedTexts() {
        for (OnnxEmbedder embedder : List.of(minilm, bge)) {
            List<Embedding> out = embedder.embed(List.of(
                    "How do I reset my password?",
                    "How can I reset my password?",
                    "What is the capital of France?"));
            assertThat(out).hasSize(3);
            for (Embedding e : out) {
                assertThat(e.vector()).hasSize(384);
                assertThat(Embedding.cosine(e.vector(), e.vector())).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-4f));
                assertThat(e.truncated()).isFalse();
            }
            float paraphrase = Embedding.cosine(out.get(0).vector(), out.get(1).vector());
            float unrelated = Embedding.cosine(out.get(0).vector(), out.get(2).vector());
            assertThat(paraphrase).as(embedder.model().id()).isGreaterThan(0.85f).isGreaterThan(unrelated + 0.3f);
        }
    }

    @Test
    void aTextAloneAlwaysGetsTheSameVectorButBatchNeighboursMoveItSlightly() {
        // The int8 graphs quantise activations per tensor, over the whole batch: a text's vector
        // depends a little on the other texts in its batch. Alone, it is exactly repeatable; this is
        // why the cache embeds one text per inference (see BatchingEmbedder's max-batch).
        String text = "Summarise the quarterly report in three bullet points";
        float[] alone = minilm.embed(List.of(text)).get(0).vector();
        assertThat(minilm.embed(List.of(text)).get(0).vector()).containsExactly(alone);
        float[] batched = minilm.embed(List.of(text, "a much longer text that forces padding of the first row "
                + "because it has many more tokens than the first one does")).get(0).vector();
        assertThat(Embedding.cosine(alone, batched)).isGreaterThan(0.98f).isLessThan(1f);
    }

    @Test
    void aLongTextIsTruncatedAndSaysHowMuchItCovers() {
        String head = "word ".repeat(200);
        Embedding e = minilm.embed(List.of(head + "tail")).get(0);
        assertThat(e.truncated()).isTrue();
        assertThat(e.tokens()).isEqualTo(EmbeddingModel.MAX_TOKENS);
        assertThat(e.coveredChars()).isGreaterThan(500).isLessThan(head.length());
    }

    @Test
    void base64IsLittleEndianFloat32AndRoundTrips() {
        float[] v = {1.0f, -0.5f, 0.25f};
        assertThat(Embedding.toBase64(v)).isEqualTo("AACAPwAAAL8AAIA+");
        assertThat(Embedding.fromBase64(Embedding.toBase64(v))).containsExactly(v);
    }
}
