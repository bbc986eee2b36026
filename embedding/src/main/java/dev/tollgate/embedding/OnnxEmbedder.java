package dev.tollgate.embedding;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
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

    private final EmbeddingModel model;
    private final WordPieceTokenizer tokenizer;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final boolean wantsTokenTypes;

    private OnnxEmbedder(EmbeddingModel model, WordPieceTokenizer tokenizer, OrtEnvironment environment,
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
        refuseLongCommandLine();
        try {
            WordPieceTokenizer tokenizer;
            try (InputStream json = resource(model.tokenizerResource())) {
                tokenizer = WordPieceTokenizer.load(json);
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

    /** Measured: ONNX Runtime 1.29's native start-up reads /proc/self/cmdline into a 4 KiB buffer. */
    static final int MAX_COMMAND_LINE = 4096;

    /**
     * ONNX Runtime 1.29 kills the JVM with a segmentation fault (no error report, no exception)
     * when the process's command line is 4 KiB or longer, as it is for {@code java -cp <long
     * classpath>} and for Maven's {@code spring-boot:run}. Better a clear error than a dead process.
     */
    private static void refuseLongCommandLine() {
        Path cmdline = Path.of("/proc/self/cmdline");
        if (!Files.isReadable(cmdline)) {
            return;
        }
        long length;
        try {
            length = Files.readAllBytes(cmdline).length; // procfs reports size 0
        } catch (IOException e) {
            return;
        }
        if (length >= MAX_COMMAND_LINE) {
            throw new IllegalStateException("This process's command line is " + length + " bytes; ONNX Runtime "
                    + "crashes the JVM when it is " + MAX_COMMAND_LINE + " or more. Start with `java -jar`, put the "
                    + "classpath in the CLASSPATH variable, or use a java @argfile.");
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
        return tokenizer.encode(text, EmbeddingModel.MAX_TOKENS).ids().length;
    }

    /** Embeds the texts as one batch: one inference, padded to the longest text. */
    public List<Embedding> embed(List<String> texts) {
        if (texts.isEmpty()) {
            return List.of();
        }
        int batch = texts.size();
        WordPieceTokenizer.Tokens[] encodings = new WordPieceTokenizer.Tokens[batch];
        int length = 0;
        for (int row = 0; row < batch; row++) {
            encodings[row] = tokenizer.encode(texts.get(row), EmbeddingModel.MAX_TOKENS);
            length = Math.max(length, encodings[row].ids().length);
        }
        long[] ids = new long[batch * length];
        long[] mask = new long[batch * length];
        long[] types = new long[batch * length];
        for (int row = 0; row < batch; row++) {
            long[] rowIds = encodings[row].ids();
            System.arraycopy(rowIds, 0, ids, row * length, rowIds.length);
            java.util.Arrays.fill(mask, row * length, row * length + rowIds.length, 1L);
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
                    out.add(new Embedding(vector, encodings[row].ids().length, encodings[row].coveredChars(),
                            encodings[row].truncated()));
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

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            // closing a session we no longer use; nothing to do
        }
    }
}
