package dev.tollgate.classify.train;

import dev.tollgate.cache.InProcessEmbedder;
import dev.tollgate.classify.ComplexityModel;
import dev.tollgate.embedding.Embedding;
import dev.tollgate.embedding.EmbeddingModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code bench/router-eval.sh}: the shipped classifier (the weights in the jar, scored by the
 * gateway's own {@link ComplexityModel}) on the held-out prompts it was never trained or tuned on,
 * per data set: the quality-kept curve against the share of calls sent to the strong model, APGR,
 * CPT(20/50/80 %), next to a random router and RouteLLM's published figures. With {@code speed}:
 * the added latency of classification for a 200-token prompt, with and without a reused embedding.
 *
 * <p>Arguments: eval dir, embedding cache dir, [speed].
 */
public final class RouterEval {

    private RouterEval() {}

    public static void main(String[] args) throws Exception {
        Path evalDir = Path.of(args[0]);
        Path cacheDir = Path.of(args[1]);
        boolean speedOnly = args.length > 2 && args[2].equals("speed");
        ComplexityModel model = ComplexityModel.shipped();
        System.out.println("# Router evaluation\n");
        System.out.println("Classifier `" + model.version() + "` (gateway/src/main/resources/" + ComplexityModel.SHIPPED + ").\n");
        if (!speedOnly) {
            quality(model, evalDir, cacheDir);
        }
        speed(model);
    }

    private static void quality(ComplexityModel model, Path evalDir, Path cacheDir) throws Exception {
        List<RoutingData.Row> rows = RoutingData.load(evalDir);
        float[][] vectors = RoutingData.embeddings(rows, EmbeddingModel.fromId(model.embeddingModel()).orElseThrow(), cacheDir);
        String[][] published = {{"gsm8k", "≈ 34 %"}, {"mmlu", "≈ 35 %"}};
        StringBuilder summary = new StringBuilder();
        for (String[] data : published) {
            String dataset = data[0];
            List<RoutingData.Row> test = new ArrayList<>();
            List<Double> scores = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                RoutingData.Row r = rows.get(i);
                if (r.test() && r.dataset().equals(dataset)) {
                    test.add(r);
                    scores.add(model.score(vectors[i], r.prompt()));
                }
            }
            RouterMetrics ours = RouterMetrics.of(test, scores.stream().mapToDouble(Double::doubleValue).toArray());
            RouterMetrics random = RouterMetrics.random(test, 200);
            long needs = test.stream().filter(RoutingData.Row::needsStrong).count();
            System.out.printf(Locale.ROOT, "## %s: %d held-out prompts (%d need the strong model)%n%n", dataset.toUpperCase(Locale.ROOT),
                    test.size(), needs);
            System.out.printf(Locale.ROOT, "Accuracy: weak (Mixtral-8x7B) %.1f %%, strong (GPT-4) %.1f %%.%n%n",
                    100 * ours.weakAccuracy(), 100 * ours.strongAccuracy());
            System.out.println("| strong calls | accuracy (ours) | quality kept, PGR (ours) | PGR (random) |");
            System.out.println("|---|---|---|---|");
            for (int p = 0; p <= 100; p += 10) {
                System.out.printf(Locale.ROOT, "| %d %% | %.1f %% | %.1f %% | %.1f %% |%n", p, 100 * ours.accuracy()[p],
                        100 * ours.pgr(p), 100 * random.pgr(p));
            }
            System.out.println();
            System.out.println("| router | APGR | CPT(20 %) | CPT(50 %) | CPT(80 %) |");
            System.out.println("|---|---|---|---|---|");
            row("Tollgate (held out)", ours);
            row("random (mean of 200)", random);
            System.out.printf(Locale.ROOT, "| RouteLLM best, published | | | %s | |%n%n", data[1]);
            summary.append(String.format(Locale.ROOT, "%s: APGR %.3f, CPT(50 %%) %.1f %%, CPT(80 %%) %.1f %%; ", dataset,
                    ours.apgr(), 100 * ours.cpt(0.5), 100 * ours.cpt(0.8)));
        }
        System.out.println("Summary: " + summary + "\n");
    }

    private static void row(String name, RouterMetrics m) {
        System.out.printf(Locale.ROOT, "| %s | %.3f | %.1f %% | %.1f %% | %.1f %% |%n", name, m.apgr(), 100 * m.cpt(0.2),
                100 * m.cpt(0.5), 100 * m.cpt(0.8));
    }

    /**
     * A 200-token prompt (by the embedding tokenizer's count, which the model cuts at 128), scored
     * as the gateway does: with the cache's embedding reused (features + dot product) and with its
     * own embedding through the in-process embedder (ONNX on its own thread, one intra-op thread).
     */
    private static void speed(ComplexityModel model) throws Exception {
        String prompt = ("A warehouse ships 1,250 parcels on Monday and 8 % more each following day. Each van carries 140 "
                + "parcels and costs $62 per trip plus $0.35 per parcel. ").repeat(6);
        try (InProcessEmbedder embedder = new InProcessEmbedder(EmbeddingModel.fromId(model.embeddingModel()).orElseThrow(),
                1, Duration.ZERO)) {
            Embedding reused = embedder.embed(prompt).block();
            System.out.printf(Locale.ROOT, "## Added latency of classification%n%nPrompt: %d characters, %d tokens seen by the"
                    + " embedding model (truncated: %s).%n%n", prompt.length(), reused.tokens(), reused.truncated());
            double sink = 0;
            for (int i = 0; i < 20_000; i++) {
                sink += model.score(reused.vector(), prompt);
            }
            long[] withReuse = new long[5_000];
            for (int i = 0; i < withReuse.length; i++) {
                long t = System.nanoTime();
                sink += model.score(reused.vector(), prompt);
                withReuse[i] = System.nanoTime() - t;
            }
            for (int i = 0; i < 30; i++) {
                sink += model.score(embedder.embed(prompt).block().vector(), prompt);
            }
            long[] withEmbedding = new long[300];
            for (int i = 0; i < withEmbedding.length; i++) {
                long t = System.nanoTime();
                sink += model.score(embedder.embed(prompt).block().vector(), prompt);
                withEmbedding[i] = System.nanoTime() - t;
            }
            System.out.println("| path | p50 | p99 |");
            System.out.println("|---|---|---|");
            System.out.printf(Locale.ROOT, "| embedding reused from the semantic cache | %.3f ms | %.3f ms |%n",
                    pct(withReuse, 50), pct(withReuse, 99));
            System.out.printf(Locale.ROOT, "| embedded by the classifier (in-process ONNX) | %.3f ms | %.3f ms |%n%n",
                    pct(withEmbedding, 50), pct(withEmbedding, 99));
            System.out.println("(checksum " + (sink > 0 ? "ok" : "?") + "; " + Runtime.getRuntime().availableProcessors()
                    + " cores, load average " + String.format(Locale.ROOT, "%.1f",
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()) + ")");
        }
    }

    private static double pct(long[] nanos, int p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
    }
}
