package dev.tollgate.classify;

import dev.tollgate.support.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import tools.jackson.databind.JsonNode;

/**
 * The trained complexity classifier: a logistic regression over the sentence embedding of the
 * prompt and the standardised {@link ComplexityFeatures}. Its score is the probability that the
 * cheaper model fails a prompt the stronger one answers (RouteLLM's labels). Immutable and
 * thread-safe; scoring is a 394-term dot product, far below a microsecond.
 *
 * @param version names the weights (file, data, seed), recorded with every routing decision
 * @param embeddingModel the embedding model the weights were trained on; vectors of another
 *     model are never scored
 */
public record ComplexityModel(String version, String embeddingModel, int dimensions, double[] featureMean,
        double[] featureScale, double[] weights, double bias) {

    /** The weights shipped in the jar; trained by {@code bench/router-train.sh}. */
    public static final String SHIPPED = "routing/complexity-model.json";

    public double score(float[] embedding, String text) {
        if (embedding.length != dimensions) {
            throw new IllegalArgumentException("embedding has " + embedding.length + " dimensions, the model expects "
                    + dimensions);
        }
        double z = bias;
        for (int i = 0; i < dimensions; i++) {
            z += weights[i] * embedding[i];
        }
        double[] features = ComplexityFeatures.of(text);
        for (int j = 0; j < features.length; j++) {
            z += weights[dimensions + j] * (features[j] - featureMean[j]) / featureScale[j];
        }
        return 1 / (1 + Math.exp(-z));
    }

    public static ComplexityModel shipped() {
        try (InputStream in = ComplexityModel.class.getClassLoader().getResourceAsStream(SHIPPED)) {
            if (in == null) {
                throw new IllegalStateException(SHIPPED + " is not on the classpath");
            }
            return read(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ComplexityModel read(byte[] json) {
        JsonNode root = Json.MAPPER.readTree(json);
        String[] names = Json.MAPPER.convertValue(root.get("features"), String[].class);
        if (!Arrays.equals(names, ComplexityFeatures.NAMES)) {
            throw new IllegalStateException("complexity model was trained on features " + Arrays.toString(names)
                    + ", this build computes " + Arrays.toString(ComplexityFeatures.NAMES) + "; retrain it");
        }
        return new ComplexityModel(root.get("version").asString(), root.get("embedding-model").asString(),
                root.get("dimensions").asInt(), Json.MAPPER.convertValue(root.get("feature-mean"), double[].class),
                Json.MAPPER.convertValue(root.get("feature-scale"), double[].class),
                Json.MAPPER.convertValue(root.get("weights"), double[].class), root.get("bias").asDouble());
    }
}
