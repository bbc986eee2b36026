package dev.tollgate.cache;

import dev.tollgate.embedding.BatchingEmbedder;
import dev.tollgate.embedding.Embedding;
import dev.tollgate.embedding.EmbeddingModel;
import dev.tollgate.embedding.OnnxEmbedder;
import java.time.Duration;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The default: the ONNX model inside the gateway, on the embedding module's own threads. The
 * result hops back to a Reactor thread so the pipeline never continues on an inference thread.
 */
public final class InProcessEmbedder implements TextEmbedder {

    private final BatchingEmbedder batching;

    public InProcessEmbedder(EmbeddingModel model, int maxBatch, Duration maxWait) {
        // One inference thread with one intra-op thread: the gateway's cores belong to the traffic.
        this.batching = new BatchingEmbedder(OnnxEmbedder.load(model, 1), 1, maxBatch, maxWait, 1024);
    }

    @Override
    public Mono<Embedding> embed(String text) {
        return Mono.fromFuture(() -> batching.submit(text)).publishOn(Schedulers.parallel());
    }

    @Override
    public String model() {
        return batching.model().id();
    }

    public BatchingEmbedder batching() {
        return batching;
    }

    @Override
    public void close() {
        batching.close();
    }
}
