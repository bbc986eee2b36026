package dev.tollgate.classify;

import dev.tollgate.cache.InProcessEmbedder;
import dev.tollgate.cache.TextEmbedder;
import dev.tollgate.config.ConfigListener;
import dev.tollgate.config.Routing;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.embedding.EmbeddingModel;
import java.time.Duration;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing aliases in force and what their classifier stage needs: the trained model and an
 * embedder for the prompts the semantic cache did not embed already. The embedder is loaded
 * (during a reload's prepare step, off any request thread) when the first alias turns the
 * classifier on, and closed when the last one turns it off.
 */
public final class RoutingBook implements ConfigListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RoutingBook.class);

    private record State(Routing routing, ComplexityScorer scorer) {}

    private final java.util.function.Supplier<ComplexityModel> models;
    private final Function<EmbeddingModel, TextEmbedder> embedders;
    private volatile State state = new State(Routing.NONE, null);

    /** {@code models} is asked (once per loaded embedder) only when an alias uses the classifier stage. */
    public RoutingBook(java.util.function.Supplier<ComplexityModel> models, Function<EmbeddingModel, TextEmbedder> embedders) {
        this.models = models;
        this.embedders = embedders;
    }

    /** The shipped classifier, embedding in-process with the semantic cache's model. */
    public static RoutingBook withShippedModel() {
        return new RoutingBook(ComplexityModel::shipped, m -> new InProcessEmbedder(m, 1, Duration.ZERO));
    }

    @Override
    public Runnable prepare(TollgateConfig config) {
        Routing next = config.routing();
        State current = state;
        boolean needsScorer = next.aliases().values().stream().anyMatch(a -> a.classifier() != null);
        ComplexityScorer scorer = current.scorer;
        ComplexityScorer retire = null;
        if (!needsScorer) {
            retire = scorer;
            scorer = null;
        } else if (scorer == null) {
            ComplexityModel model = models.get(); // may throw: the reload is then refused
            EmbeddingModel embedding = EmbeddingModel.fromId(model.embeddingModel())
                    .orElseThrow(() -> new IllegalStateException("complexity model needs embedding model "
                            + model.embeddingModel() + ", which this build does not ship"));
            log.info("Loading embedding model {} for the routing classifier ({})", embedding.id(), model.version());
            scorer = new ComplexityScorer(model, embedders.apply(embedding));
        }
        State prepared = new State(next, scorer);
        ComplexityScorer old = retire;
        ComplexityScorer loaded = scorer != current.scorer ? scorer : null;
        return new Commit() {
            @Override
            public void run() {
                state = prepared;
                if (old != null) {
                    old.close();
                }
            }

            @Override
            public void abort() {
                // Another listener refused the config: the embedder loaded for it is not kept.
                if (loaded != null) {
                    loaded.close();
                }
            }
        };
    }

    /** The alias of this name, or null when the name is a model (or unknown). */
    public Routing.Alias alias(String name) {
        return state.routing.aliases().get(name);
    }

    public Routing routing() {
        return state.routing;
    }

    /** Null when no alias uses the classifier stage. */
    public ComplexityScorer scorer() {
        return state.scorer;
    }

    @Override
    public void close() {
        ComplexityScorer scorer = state.scorer;
        if (scorer != null) {
            scorer.close();
        }
    }
}
