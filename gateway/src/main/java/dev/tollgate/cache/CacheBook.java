package dev.tollgate.cache;

import dev.tollgate.auth.VirtualKey;
import dev.tollgate.config.ConfigListener;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.config.TollgateConfig.CacheMode;
import dev.tollgate.config.TollgateConfig.CachePolicy;
import dev.tollgate.embedding.EmbeddingModel;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache policy in force and the embedder it needs. On a config reload the embedder is kept
 * when the semantic model and its settings are unchanged, loaded (off any request thread, during
 * the reload's prepare step) when they change, and closed when the semantic stage is switched off.
 */
public final class CacheBook implements ConfigListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CacheBook.class);

    /** What one request may do. */
    public record Policy(CacheMode mode, Duration ttl, double threshold, String scope) {
        public static final Policy OFF = new Policy(CacheMode.OFF, Duration.ZERO, 1, null);
    }

    private record State(TollgateConfig.Cache config, TextEmbedder embedder, CacheVerifier verifier) {}

    private final Function<TollgateConfig.Semantic, TextEmbedder> embedders;
    private volatile State state = new State(TollgateConfig.Cache.OFF, null, null);

    public CacheBook(Function<TollgateConfig.Semantic, TextEmbedder> embedders) {
        this.embedders = embedders;
    }

    @Override
    public Runnable prepare(TollgateConfig config) {
        TollgateConfig.Cache next = config.cache();
        State current = state;
        boolean needsEmbedder = usesSemantic(next);
        TextEmbedder embedder = current.embedder;
        TextEmbedder retire = null;
        if (!needsEmbedder) {
            retire = embedder;
            embedder = null;
        } else if (embedder == null || !sameEmbedder(current.config.semantic(), next.semantic())) {
            log.info("Loading embedding model {} for the semantic cache", next.semantic().model());
            retire = embedder;
            embedder = embedders.apply(next.semantic()); // may throw: the reload is then refused
        }
        // Loaded here, on the config thread: reading the weights is file I/O, never for an event loop.
        CacheVerifier verifier = embedder != null && next.semantic().verifier() ? CacheVerifier.forModel(embedder.model()) : null;
        State prepared = new State(next, embedder, verifier);
        TextEmbedder old = retire;
        TextEmbedder loaded = embedder != current.embedder ? embedder : null;
        return new ConfigListener.Commit() {
            @Override
            public void run() {
                state = prepared;
                if (old != null) {
                    old.close();
                }
            }

            @Override
            public void abort() {
                // A model loaded for a config that another listener refused: its native session
                // would otherwise stay in memory for good.
                if (loaded != null) {
                    loaded.close();
                }
            }
        };
    }

    private static boolean usesSemantic(TollgateConfig.Cache cache) {
        return cache.mode() == CacheMode.SEMANTIC
                || cache.models().values().stream().anyMatch(p -> p.mode() == CacheMode.SEMANTIC)
                || cache.keys().values().stream().anyMatch(p -> p.mode() == CacheMode.SEMANTIC);
    }

    private static boolean sameEmbedder(TollgateConfig.Semantic a, TollgateConfig.Semantic b) {
        return a.model().equals(b.model()) && Objects.equals(a.embedderUrl(), b.embedderUrl())
                && a.maxBatch() == b.maxBatch() && a.maxWait().equals(b.maxWait());
    }

    public TollgateConfig.Cache config() {
        return state.config;
    }

    /** Null when no policy uses the semantic stage. */
    public TextEmbedder embedder() {
        return state.embedder;
    }

    /**
     * The verifier for the embedder's model; null when it is off, when no policy uses the semantic
     * stage, or when none was trained for the model (the cosine threshold decides then).
     */
    public CacheVerifier verifier() {
        return state.verifier;
    }

    /**
     * The policy for a key calling a model: a model's or key's own mode replaces the global one;
     * when both have one, the stricter wins (off before exact before semantic). TTL: key, then
     * model, then global; threshold: model, then global.
     */
    public Policy policy(VirtualKey key, String model) {
        State s = state;
        TollgateConfig.Cache cache = s.config;
        CachePolicy byModel = cache.models().get(model);
        CachePolicy byKey = cache.keys().get(key.name());
        CacheMode mode = cache.mode();
        CacheMode modelMode = byModel == null ? null : byModel.mode();
        CacheMode keyMode = byKey == null ? null : byKey.mode();
        if (modelMode != null && keyMode != null) {
            mode = modelMode.ordinal() < keyMode.ordinal() ? modelMode : keyMode;
        } else if (modelMode != null) {
            mode = modelMode;
        } else if (keyMode != null) {
            mode = keyMode;
        }
        if (mode == CacheMode.OFF) {
            return Policy.OFF;
        }
        if (mode == CacheMode.SEMANTIC && s.embedder == null) {
            mode = CacheMode.EXACT;
        }
        Duration ttl = byKey != null && byKey.ttl() != null ? byKey.ttl()
                : byModel != null && byModel.ttl() != null ? byModel.ttl() : cache.ttl();
        double threshold = byModel != null && byModel.threshold() != null ? byModel.threshold() : cache.semantic().threshold();
        return new Policy(mode, ttl, threshold, scope(key));
    }

    /** The tenant whose entries a key may be served and may rate: its team, or the key itself. */
    public String scope(VirtualKey key) {
        return "key".equals(state.config.scope()) || key.team() == null ? "key:" + key.name() : "team:" + key.team();
    }

    /** Loads the configured model in-process, or a client of the embedding sidecar. */
    public static TextEmbedder defaultEmbedder(TollgateConfig.Semantic semantic) {
        if (semantic.embedderUrl() != null) {
            return new SidecarEmbedder(semantic.embedderUrl(), semantic.model(), Duration.ofSeconds(2));
        }
        EmbeddingModel model = EmbeddingModel.fromId(semantic.model())
                .orElseThrow(() -> new IllegalArgumentException("unknown embedding model " + semantic.model()));
        return new InProcessEmbedder(model, semantic.maxBatch(), semantic.maxWait());
    }

    @Override
    public void close() {
        TextEmbedder embedder = state.embedder;
        if (embedder != null) {
            embedder.close();
        }
    }
}
