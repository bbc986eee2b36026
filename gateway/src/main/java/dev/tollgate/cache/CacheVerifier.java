package dev.tollgate.cache;

import dev.tollgate.support.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import tools.jackson.databind.JsonNode;

/**
 * The second stage of a semantic lookup: the nearest neighbours of a question are candidates, and
 * this decides whether a candidate asks the same question (so its answer may be served): no veto of
 * the guards, and either a cosine at the "sure" bar or the model's score at the threshold. The
 * model is a logistic regression over {@link PairFeatures}, trained by {@code bench/cache-verifier-train.sh} on pairs
 * of shipped data with a fixed seed; the weights and the training report are resources next to
 * this class, one per embedding model. A veto of {@link SemanticGuards} is final.
 */
public final class CacheVerifier {

    private final String model;
    private final double[] weights;
    private final double bias;
    private final double[] mean;
    private final double[] scale;
    private final double minScore;
    private final double minSimilarity;
    private final double sureSimilarity;

    CacheVerifier(String model, double[] weights, double bias, double[] mean, double[] scale, double minScore,
            double minSimilarity, double sureSimilarity) {
        this.model = model;
        this.weights = weights;
        this.bias = bias;
        this.mean = mean;
        this.scale = scale;
        this.minScore = minScore;
        this.minSimilarity = minSimilarity;
        this.sureSimilarity = sureSimilarity;
    }

    /** A verifier's judgement of one candidate. {@code score}: probability it asks the same question. */
    public record Verdict(float similarity, double score, String veto, boolean same) {}

    private static final java.util.Map<String, java.util.Optional<CacheVerifier>> SHIPPED =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The shipped verifier for an embedding model, or null when none was trained for it. */
    public static CacheVerifier forModel(String model) {
        return SHIPPED.computeIfAbsent(model, m -> java.util.Optional.ofNullable(load(m))).orElse(null);
    }

    private static CacheVerifier load(String model) {
        try (InputStream in = CacheVerifier.class.getResourceAsStream("verifier-" + model + ".json")) {
            return in == null ? null : parse(Json.MAPPER.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static CacheVerifier parse(JsonNode json) {
        return new CacheVerifier(json.get("model").asString(), doubles(json.get("weights")), json.get("bias").asDouble(),
                doubles(json.get("mean")), doubles(json.get("scale")), json.get("min-score").asDouble(),
                json.get("min-similarity").asDouble(), json.get("sure-similarity").asDouble());
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    public String model() {
        return model;
    }

    /** Least verifier score for a hit (chosen on validation pairs for precision, see the report). */
    public double minScore() {
        return minScore;
    }

    /** Least cosine for a neighbour to be a candidate at all. */
    public double minSimilarity() {
        return minSimilarity;
    }

    public Verdict judge(String query, float[] queryVector, String cached, float[] cachedVector) {
        return judge(query, queryVector, cached, cachedVector, minScore);
    }

    /** Cosine at or above which a candidate no guard vetoes is a hit whatever the score. */
    public double sureSimilarity() {
        return sureSimilarity;
    }

    public Verdict judge(String query, float[] queryVector, String cached, float[] cachedVector, double threshold) {
        PairFeatures.Pair pair = PairFeatures.of(query, queryVector, cached, cachedVector);
        double score = score(pair.features());
        // The cosine alone suffices above the sure bar; below it, the model's score must reach the threshold.
        boolean same = pair.veto() == null && pair.cosine() >= minSimilarity
                && (score >= threshold || pair.cosine() >= sureSimilarity);
        return new Verdict(pair.cosine(), score, pair.veto(), same);
    }

    /** The model's probability for a feature vector. */
    double score(double[] x) {
        if (x.length != weights.length) {
            throw new IllegalArgumentException("verifier for " + model + " expects " + weights.length + " features, got "
                    + x.length + " (vectors of another model?)");
        }
        double z = bias;
        for (int i = 0; i < x.length; i++) {
            z += weights[i] * (x[i] - mean[i]) / scale[i];
        }
        return 1 / (1 + Math.exp(-z));
    }
}
