package dev.tollgate.embedding;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Embeds texts with one ONNX model, synchronously, on the calling thread. Thread-safe (ONNX
 * Runtime sessions are), but every call computes: callers on an event loop go through
 * {@link BatchingEmbedder}, which runs this on its own threads and batches concurrent texts.
 */
public final class OnnxEmbedder implements AutoCloseable {

    static {
        // DJL (the tokenizer's library) otherwise asks the EC2 metadata service and a telemetry
        // endpoint at first use: network calls at run time, which Tollgate never makes.
        if (System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    private final EmbeddingModel model;
    private final HuggingFaceTokenizer tokenizer;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final boolean wantsTokenTypes;

    private OnnxEmbedder(EmbeddingModel model, HuggingFaceTokenizer tokenizer, OrtEnvironment environment,
            OrtSession session) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.environment = environment;
        this.session = session;
        this.wantsTokenTypes = session.getInputNames().contains("token_type_ids");
    }

    /**
     * Loads a model from the classpath. {@code threads} is ONNX Runtime's intra-op thread count per
     * inference; thread spinning is off, so idle inference threads do not burn CPU the gateway
     * needs.
     */
    public static OnnxEmbedder load(EmbeddingModel model, int threads) {
        try {
            HuggingFaceTokenizer tokenizer;
            try (InputStream json = resource(model.tokenizerResource())) {
                tokenizer = HuggingFaceTokenizer.newInstance(json, Map.of(
                        "addSpecialTokens", "true",
                        "truncation", "true",
                        "padding", "false",
                        "maxLength", Integer.toString(EmbeddingModel.MAX_TOKENS)));
            }
            byte[] graph;
            try (InputStream onnx = resource(model.modelResource())) {
                graph = onnx.readAllBytes();
            }
            OrtEnvironment environment = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(threads);
                options.setInterOpNumThreads(1);
                options.addConfigEntry("session.intra_op.allow_spinning", "0");
                options.addConfigEntry("session.inter_op.allow_spinning", "0");
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                return new OnnxEmbedder(model, tokenizer, environment, environment.createSession(graph, options));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read embedding model " + model.id(), e);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime could not load embedding model " + model.id(), e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = OnnxEmbedder.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException("model resource " + name + " is not on the classpath; "
                    + "is its langchain4j-embeddings-* artifact a dependency?");
        }
        return in;
    }

    public EmbeddingModel model() {
        return model;
    }

    /** Number of tokens the model would see for a text, special tokens included, after truncation. */
    public int tokenCount(String text) {
        return tokenizer.encode(text).getIds().length;
    }

    /** Embeds the texts as one batch: one inference, padded to the longest text. */
    public List<Embedding> embed(List<String> texts) {
        if (texts.isEmpty()) {
            return List.of();
        }
        Encoding[] encodings = tokenizer.batchEncode(texts);
        int batch = encodings.length;
        int length = 0;
        for (Encoding encoding : encodings) {
            length = Math.max(length, encoding.getIds().length);
        }
        long[] ids = new long[batch * length];
        long[] mask = new long[batch * length];
        long[] types = new long[batch * length];
        for (int row = 0; row < batch; row++) {
            long[] rowIds = encodings[row].getIds();
            long[] rowMask = encodings[row].getAttentionMask();
            long[] rowTypes = encodings[row].getTypeIds();
            System.arraycopy(rowIds, 0, ids, row * length, rowIds.length);
            System.arraycopy(rowMask, 0, mask, row * length, rowMask.length);
            System.arraycopy(rowTypes, 0, types, row * length, rowTypes.length);
        }
        long[] shape = {batch, length};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape));
            inputs.put("attention_mask", OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape));
            if (wantsTokenTypes) {
                inputs.put("token_type_ids", OnnxTensor.createTensor(environment, LongBuffer.wrap(types), shape));
            }
            try (OrtSession.Result result = session.run(inputs, Set.of(session.getOutputNames().iterator().next()))) {
                FloatBuffer hidden = ((OnnxTensor) result.get(0)).getFloatBuffer();
                int dims = model.dimensions();
                List<Embedding> out = new ArrayList<>(batch);
                for (int row = 0; row < batch; row++) {
                    float[] vector = pool(hidden, row, length, dims, mask);
                    normalize(vector);
                    out.add(new Embedding(vector, encodings[row].getIds().length,
                            coveredChars(encodings[row], texts.get(row)), encodings[row].exceedMaxLength()));
                }
                return out;
            }
        } catch (OrtException e) {
            throw new IllegalStateException("embedding inference failed", e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private float[] pool(FloatBuffer hidden, int row, int length, int dims, long[] mask) {
        float[] vector = new float[dims];
        int base = row * length * dims;
        if (model.pooling() == EmbeddingModel.Pooling.CLS) {
            hidden.get(base, vector, 0, dims);
            return vector;
        }
        int counted = 0;
        for (int token = 0; token < length; token++) {
            if (mask[row * length + token] == 0) {
                continue;
            }
            counted++;
            int offset = base + token * dims;
            for (int d = 0; d < dims; d++) {
                vector[d] += hidden.get(offset + d);
            }
        }
        if (counted > 0) {
            for (int d = 0; d < dims; d++) {
                vector[d] /= counted;
            }
        }
        return vector;
    }

    private static void normalize(float[] vector) {
        double norm = 0;
        for (float v : vector) {
            norm += v * v;
        }
        float scale = norm == 0 ? 0f : (float) (1.0 / Math.sqrt(norm));
        for (int i = 0; i < vector.length; i++) {
            vector[i] *= scale;
        }
    }

    /** Characters of {@code text} that the (possibly truncated) tokens cover. */
    private static int coveredChars(Encoding encoding, String text) {
        if (!encoding.exceedMaxLength()) {
            return text.length();
        }
        int end = 0;
        for (CharSpan span : encoding.getCharTokenSpans()) {
            if (span != null) {
                end = Math.max(end, span.getEnd());
            }
        }
        return Math.min(end, text.length());
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            // closing a session we no longer use; nothing to do
        }
        tokenizer.close();
    }
}
