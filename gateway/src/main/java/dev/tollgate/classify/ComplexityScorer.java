package dev.tollgate.classify;

import dev.tollgate.cache.TextEmbedder;
import dev.tollgate.embedding.Embedding;
import dev.tollgate.pipeline.LlmExchange;
import reactor.core.publisher.Mono;

/**
 * The classifier stage's score for one prompt. Embeds once: when an earlier step (the semantic
 * cache) offered its embedding of the same text with the same model, that vector is scored;
 * otherwise the text is embedded here, on the embedder's own thread.
 */
public final class ComplexityScorer implements AutoCloseable {

    private final ComplexityModel model;
    private final TextEmbedder embedder;

    public ComplexityScorer(ComplexityModel model, TextEmbedder embedder) {
        this.model = model;
        this.embedder = embedder;
    }

    /** The score, with whether the embedding was reused. */
    public record Scored(double score, boolean reused) {}

    public Mono<Scored> score(LlmExchange llm, String text) {
        LlmExchange.TextEmbedding offered = llm.textEmbedding();
        if (offered != null && offered.model().equals(model.embeddingModel()) && offered.text().equals(text)) {
            return offered.embedding().map(e -> new Scored(model.score(e.vector(), text), true));
        }
        return embed(text).map(e -> new Scored(model.score(e.vector(), text), false));
    }

    Mono<Embedding> embed(String text) {
        return embedder.embed(text);
    }

    public ComplexityModel model() {
        return model;
    }

    @Override
    public void close() {
        embedder.close();
    }
}
