package dev.tollgate.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchingEmbedderTest {

    @Test
    void concurrentTextsAreBatchedAndEachGetsItsOwnVector() {
        OnnxEmbedder direct = OnnxEmbedder.load(EmbeddingModel.ALL_MINILM_L6_V2_Q, 1);
        try (BatchingEmbedder batching = new BatchingEmbedder(
                OnnxEmbedder.load(EmbeddingModel.ALL_MINILM_L6_V2_Q, 1), 1, 16, Duration.ofMillis(20), 1000)) {
            List<String> texts = IntStream.range(0, 64).mapToObj(i -> "question number " + i + " about invoices").toList();
            List<Embedding> out = batching.submitAll(texts).join();
            assertThat(out).hasSize(64);
            assertThat(batching.texts()).isEqualTo(64);
            assertThat(batching.batches()).isLessThan(64).isGreaterThanOrEqualTo(4);
            for (int i = 0; i < texts.size(); i += 9) {
                float[] alone = direct.embed(List.of(texts.get(i))).get(0).vector();
                assertThat(Embedding.cosine(alone, out.get(i).vector())).as(texts.get(i)).isGreaterThan(0.98f);
            }
        } finally {
            direct.close();
        }
    }

    @Test
    void withBatchesOfOneEveryVectorIsExactlyRepeatable() {
        try (BatchingEmbedder batching = new BatchingEmbedder(
                OnnxEmbedder.load(EmbeddingModel.ALL_MINILM_L6_V2_Q, 1), 1, 1, Duration.ZERO, 1000)) {
            List<CompletableFuture<Embedding>> first = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                first.add(batching.submit(i % 2 == 0 ? "the same text" : "another text number " + i));
            }
            first.forEach(CompletableFuture::join);
            float[] reference = first.get(0).join().vector();
            for (int i = 0; i < 20; i += 2) {
                assertThat(first.get(i).join().vector()).containsExactly(reference);
            }
            assertThat(batching.batches()).isEqualTo(20);
        }
    }

    @Test
    void aFullQueueRefusesAtOnceInsteadOfWaiting() {
        try (BatchingEmbedder batching = new BatchingEmbedder(
                OnnxEmbedder.load(EmbeddingModel.ALL_MINILM_L6_V2_Q, 1), 1, 1, Duration.ZERO, 2)) {
            List<CompletableFuture<Embedding>> all = IntStream.range(0, 50)
                    .mapToObj(i -> batching.submit("text " + i)).toList();
            assertThat(batching.rejected()).isPositive();
            CompletableFuture<Embedding> refused = all.stream().filter(CompletableFuture::isCompletedExceptionally)
                    .findFirst().orElseThrow();
            assertThatThrownBy(refused::join).isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(RejectedExecutionException.class).hasMessageContaining("queue is full");
        }
    }
}
