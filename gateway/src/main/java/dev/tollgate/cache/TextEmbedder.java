package dev.tollgate.cache;

import dev.tollgate.embedding.Embedding;
import reactor.core.publisher.Mono;

/** Embeds one text for the semantic cache, never on the caller's thread. */
public interface TextEmbedder extends AutoCloseable {

    Mono<Embedding> embed(String text);

    /** Which model made the vectors; vectors of different models are never compared. */
    String model();

    @Override
    void close();
}
