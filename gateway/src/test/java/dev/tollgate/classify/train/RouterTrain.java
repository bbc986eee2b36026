package dev.tollgate.classify.train;

import dev.tollgate.classify.ComplexityFeatures;
import dev.tollgate.embedding.EmbeddingModel;
import dev.tollgate.support.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Trains the complexity classifier shipped in the jar: {@code bench/router-train.sh}. Reads
 * eval/routing, embeds every prompt with the semantic cache's model, keeps the held-out test split
 * (see {@link RoutingData}) out of everything, picks the L2 strength on a validation part of the
 * training split by APGR, refits on the whole training split and writes the weights and the
 * training report. Deterministic: same data, same weights.
 *
 * <p>Arguments: eval dir, weights file to write, report file to write, embedding cache dir.
 */
public final class RouterTrain {

    static final EmbeddingModel MODEL = EmbeddingModel.ALL_MINILM_L6_V2_Q;
    static final double[] L2 = {1e-4, 1e-3, 3e-3, 1e-2, 3e-2};
    static final int ITERATIONS = 400;
    static final double LEARNING_RATE = 0.02;

    private RouterTrain() {}

    public static void main(String[] args) throws Exception {
        Path evalDir = Path.of(args[0]);
        Path weightsOut = Path.of(args[1]);
        Path reportOut = Path.of(args[2]);
        Path cacheDir = Path.of(args[3]);
        long start = System.nanoTime();
        List<RoutingData.Row> rows = RoutingData.load(evalDir);
        float[][] vectors = RoutingData.embeddings(rows, MODEL, cacheDir);
        List<Integer> train = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            if (!rows.get(i).test()) {
                train.add(i);
            }
        }
        double[][] features = new double[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            features[i] = ComplexityFeatures.of(rows.get(i).prompt());
        }
        int f = ComplexityFeatures.NAMES.length;
        double[] mean = new double[f];
        double[] scale = new double[f];
        for (int i : train) {
            for (int j = 0; j < f; j++) {
                mean[j] += features[i][j] / train.size();
            }
        }
        for (int i : train) {
            for (int j = 0; j < f; j++) {
                scale[j] += Math.pow(features[i][j] - mean[j], 2) / train.size();
            }
        }
        for (int j = 0; j < f; j++) {
            scale[j] = scale[j] > 0 ? Math.sqrt(scale[j]) : 1;
        }

        // Validation: a fixed-seed 20 % of the training split, for choosing L2 only.
        Random random = new Random(RoutingData.SPLIT_SEED + 1);
        List<Integer> fit = new ArrayList<>();
        List<Integer> validation = new ArrayList<>();
        for (int i : train) {
            (random.nextDouble() < 0.2 ? validation : fit).add(i);
        }
        StringBuilder tuning = new StringBuilder();
        double bestL2 = L2[0];
        double bestApgr = -1;
        for (double l2 : L2) {
            LogisticRegression.Fit model = LogisticRegression.fit(matrix(fit, vectors, features, mean, scale),
                    labels(fit, rows), l2, ITERATIONS, LEARNING_RATE);
            Map<String, RouterMetrics> byData = metrics(validation, rows, vectors, features, mean, scale, model);
            double apgr = byData.values().stream().mapToDouble(RouterMetrics::apgr).average().orElseThrow();
            tuning.append(String.format(Locale.ROOT, "| %.0e | %.3f | %.3f | %.1f %% | %.1f %% |%n", l2,
                    byData.get("gsm8k").apgr(), byData.get("mmlu").apgr(), 100 * byData.get("gsm8k").cpt(0.5),
                    100 * byData.get("mmlu").cpt(0.5)));
            if (apgr > bestApgr) {
                bestApgr = apgr;
                bestL2 = l2;
            }
        }
        LogisticRegression.Fit model = LogisticRegression.fit(matrix(train, vectors, features, mean, scale),
                labels(train, rows), bestL2, ITERATIONS, LEARNING_RATE);

        int dims = MODEL.dimensions();
        String version = "complexity-lr-" + MODEL.id() + "-" + LocalDate.now(ZoneOffset.UTC);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", version);
        out.put("embedding-model", MODEL.id());
        out.put("dimensions", dims);
        out.put("provenance", "Trained by bench/router-train.sh (dev.tollgate.classify.train.RouterTrain) on the training"
                + " split of eval/routing (RouteLLM's GSM8K and MMLU labels, Apache-2.0 / MIT); label = weak model wrong"
                + " and strong model right; split seed " + RoutingData.SPLIT_SEED + "; L2 " + bestL2
                + "; report: eval/routing/TRAINING.md");
        out.put("features", ComplexityFeatures.NAMES);
        out.put("feature-mean", mean);
        out.put("feature-scale", scale);
        out.put("weights", model.weights());
        out.put("bias", model.bias());
        Files.createDirectories(weightsOut.toAbsolutePath().getParent());
        Files.writeString(weightsOut, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n");

        // Where the score thresholds fall for a given share of (training) prompts sent up a tier.
        double[] trainScores = train.stream().mapToDouble(i -> model.score(row(i, vectors, features, mean, scale))).sorted().toArray();
        StringBuilder quantiles = new StringBuilder();
        for (int share : new int[] {10, 20, 30, 40, 50}) {
            double q = trainScores[(int) Math.floor(trainScores.length * (1 - share / 100.0))];
            quantiles.append(String.format(Locale.ROOT, "| %d %% | %.3f |%n", share, q));
        }
        long positives = train.stream().filter(i -> rows.get(i).needsStrong()).count();
        String report = """
                # Complexity classifier: training report

                Written by `bench/router-train.sh` (`RouterTrain`); do not edit by hand.

                - Weights: `gateway/src/main/resources/routing/complexity-model.json`, version `%s`
                - Model: logistic regression over the %d-dimensional `%s` embedding of the prompt (the semantic
                  cache's model) and %d text features (%s), standardised on the training split.
                - Label: the prompt *needs the strong model*: Mixtral-8x7B wrong and GPT-4 right (RouteLLM).
                - Data: eval/routing, %d prompts (GSM8K %d, MMLU %d). Held out, never trained or tuned on: a
                  stratified 20 %% per data set and label (seed %d), %d prompts; evaluated by `bench/router-eval.sh`.
                - Training split: %d prompts, %d (%.1f %%) labelled *needs strong*.
                - L2 chosen on a validation 20 %% of the training split (by mean APGR over GSM8K and MMLU), then refit
                  on the whole training split: **%s**. Adam, %d full-batch iterations, learning rate %s, zero init.

                | L2 | APGR GSM8K (val) | APGR MMLU (val) | CPT(50 %%) GSM8K (val) | CPT(50 %%) MMLU (val) |
                |---|---|---|---|---|
                %s
                Score at which a given share of training prompts scores higher (a threshold to start from):

                | share above | score |
                |---|---|
                %s
                Training took %.0f s (embeddings cached under target/ after the first run).
                """.formatted(version, dims, MODEL.id(), f, String.join(", ", ComplexityFeatures.NAMES), rows.size(),
                rows.stream().filter(r -> r.dataset().equals("gsm8k")).count(),
                rows.stream().filter(r -> r.dataset().equals("mmlu")).count(), RoutingData.SPLIT_SEED,
                rows.stream().filter(RoutingData.Row::test).count(), train.size(), positives,
                100.0 * positives / train.size(), bestL2, ITERATIONS, LEARNING_RATE, tuning, quantiles,
                (System.nanoTime() - start) / 1e9);
        Files.writeString(reportOut, report);
        System.out.print(report);
    }

    static double[] row(int i, float[][] vectors, double[][] features, double[] mean, double[] scale) {
        float[] v = vectors[i];
        double[] x = new double[v.length + mean.length];
        for (int d = 0; d < v.length; d++) {
            x[d] = v[d];
        }
        for (int j = 0; j < mean.length; j++) {
            x[v.length + j] = (features[i][j] - mean[j]) / scale[j];
        }
        return x;
    }

    private static double[][] matrix(List<Integer> idx, float[][] vectors, double[][] features, double[] mean, double[] scale) {
        double[][] x = new double[idx.size()][];
        for (int k = 0; k < idx.size(); k++) {
            x[k] = row(idx.get(k), vectors, features, mean, scale);
        }
        return x;
    }

    private static boolean[] labels(List<Integer> idx, List<RoutingData.Row> rows) {
        boolean[] y = new boolean[idx.size()];
        for (int k = 0; k < idx.size(); k++) {
            y[k] = rows.get(idx.get(k)).needsStrong();
        }
        return y;
    }

    private static Map<String, RouterMetrics> metrics(List<Integer> idx, List<RoutingData.Row> rows, float[][] vectors,
            double[][] features, double[] mean, double[] scale, LogisticRegression.Fit model) {
        Map<String, RouterMetrics> out = new LinkedHashMap<>();
        for (String dataset : new String[] {"gsm8k", "mmlu"}) {
            List<Integer> part = idx.stream().filter(i -> rows.get(i).dataset().equals(dataset)).toList();
            double[] scores = part.stream().mapToDouble(i -> model.score(row(i, vectors, features, mean, scale))).toArray();
            out.put(dataset, RouterMetrics.of(part.stream().map(rows::get).toList(), scores));
        }
        return out;
    }
}
