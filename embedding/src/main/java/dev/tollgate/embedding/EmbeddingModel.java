package dev.tollgate.embedding;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The sentence-embedding models Tollgate ships. Each one's files come from a Maven Central
 * artifact (the int8-quantised ONNX graph and its HuggingFace {@code tokenizer.json} at the jar
 * root), so nothing is downloaded at run time.
 */
public enum EmbeddingModel {

    /** sentence-transformers/all-MiniLM-L6-v2, int8: mean pooling over the attention mask. */
    ALL_MINILM_L6_V2_Q("all-minilm-l6-v2-q", "all-minilm-l6-v2-q.onnx", "all-minilm-l6-v2-q-tokenizer.json",
            Pooling.MEAN, 384),

    /** BAAI/bge-small-en-v1.5, int8: the [CLS] token's hidden state. */
    BGE_SMALL_EN_V15_Q("bge-small-en-v1.5-q", "bge-small-en-v1.5-q.onnx", "bge-small-en-v1.5-q-tokenizer.json",
            Pooling.CLS, 384);

    /** How one vector is made from the per-token hidden states. */
    public enum Pooling { MEAN, CLS }

    /** Tokens per text the models see; the rest of a longer text is cut off (see {@link Embedding}). */
    public static final int MAX_TOKENS = 128;

    private final String id;
    private final String modelResource;
    private final String tokenizerResource;
    private final Pooling pooling;
    private final int dimensions;

    EmbeddingModel(String id, String modelResource, String tokenizerResource, Pooling pooling, int dimensions) {
        this.id = id;
        this.modelResource = modelResource;
        this.tokenizerResource = tokenizerResource;
        this.pooling = pooling;
        this.dimensions = dimensions;
    }

    public String id() {
        return id;
    }

    public String modelResource() {
        return modelResource;
    }

    public String tokenizerResource() {
        return tokenizerResource;
    }

    public Pooling pooling() {
        return pooling;
    }

    public int dimensions() {
        return dimensions;
    }

    public static Optional<EmbeddingModel> fromId(String id) {
        String wanted = id.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(m -> m.id.equals(wanted)).findFirst();
    }

    public static String allIds() {
        return Arrays.stream(values()).map(EmbeddingModel::id).collect(Collectors.joining(", "));
    }
}
