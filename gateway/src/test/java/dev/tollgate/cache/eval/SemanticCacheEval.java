package dev.tollgate.cache.eval;

import dev.tollgate.cache.CacheEntry;
import dev.tollgate.cache.InMemoryCacheStore;
import dev.tollgate.cache.SemanticGuards;
import dev.tollgate.embedding.BatchingEmbedder;
import dev.tollgate.embedding.Embedding;
import dev.tollgate.embedding.EmbeddingModel;
import dev.tollgate.embedding.OnnxEmbedder;
import dev.tollgate.support.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import tools.jackson.databind.JsonNode;

/**
 * The semantic cache's evaluation, run by {@code bench/cache-eval.sh}: precision / recall / F1 of a
 * hit against the threshold on the shared pair data (guards on and off) for each model, lookup
 * latency at several cache sizes, and embedding throughput one text at a time vs batched.
 * Prints Markdown.
 */
public final class SemanticCacheEval {

    record Pair(String a, String b, boolean same) {}

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args.length > 0 ? args[0] : "eval/semantic-cache");
        if (args.length > 1 && args[1].equals("speed")) {
            latency(questions(data));
            throughput();
            return;
        }
        List<Pair> disfl = new ArrayList<>();
        for (String line : Files.readAllLines(data.resolve("disflqa_dev_pairs.jsonl"))) {
            if (!line.isBlank()) {
                JsonNode n = Json.MAPPER.readTree(line);
                disfl.add(new Pair(n.get("q1").asString().trim(), n.get("q2").asString().trim(), n.get("label").asInt() == 1));
            }
        }
        List<Pair> gpt = new ArrayList<>();
        JsonNode rows = Json.MAPPER.readTree(Files.readString(data.resolve("gptcache_mock_data.json")));
        Random random = new Random(42);
        for (int i = 0; i < rows.size(); i++) {
            gpt.add(new Pair(rows.get(i).get("origin").asString(), rows.get(i).get("similar").asString(), true));
            // A negative: this row's question against another row's paraphrase.
            int j = (i + 1 + random.nextInt(rows.size() - 1)) % rows.size();
            gpt.add(new Pair(rows.get(i).get("origin").asString(), rows.get(j).get("similar").asString(), false));
        }
        System.out.println("# Semantic cache evaluation\n");
        System.out.printf("Data: Disfl-QA %d pairs (%d positive), GPTCache mock %d pairs (%d positive, negatives = other rows).%n%n",
                disfl.size(), disfl.stream().filter(Pair::same).count(), gpt.size(), gpt.stream().filter(Pair::same).count());
        for (EmbeddingModel model : EmbeddingModel.values()) {
            try (OnnxEmbedder embedder = OnnxEmbedder.load(model, 1)) {
                Map<String, float[]> vectors = new HashMap<>();
                for (List<Pair> set : List.of(disfl, gpt)) {
                    for (Pair p : set) {
                        vectors.computeIfAbsent(p.a(), t -> embedder.embed(List.of(t)).get(0).vector());
                        vectors.computeIfAbsent(p.b(), t -> embedder.embed(List.of(t)).get(0).vector());
                    }
                }
                System.out.println("## " + model.id() + "\n");
                System.out.println("| threshold | Disfl-QA P | R | F1 | GPTCache P | R | F1 | both P | R | F1 | both P, no guards | R |");
                System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
                for (int t = 80; t <= 99; t++) {
                    double threshold = t / 100.0;
                    double[] d = score(disfl, vectors, threshold, true);
                    double[] g = score(gpt, vectors, threshold, true);
                    List<Pair> both = new ArrayList<>(disfl);
                    both.addAll(gpt);
                    double[] b = score(both, vectors, threshold, true);
                    double[] raw = score(both, vectors, threshold, false);
                    System.out.printf(Locale.ROOT, "| %.2f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |%n",
                            threshold, d[0], d[1], d[2], g[0], g[1], g[2], b[0], b[1], b[2], raw[0], raw[1]);
                }
                System.out.println();
                adversarial(disfl, gpt, embedder, vectors);
            }
        }
        latency(questions(data));
        throughput();
    }

    /** The Disfl-QA questions: real, varied texts for the latency benchmark. */
    static List<String> questions(Path data) throws java.io.IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(data.resolve("disflqa_dev_pairs.jsonl"))) {
            if (!line.isBlank()) {
                out.add(Json.MAPPER.readTree(line).get("q1").asString().trim());
            }
        }
        return out;
    }

    private static final java.util.regex.Pattern AUX = java.util.regex.Pattern.compile(
            "\\b(is|are|was|were|can|does|do|did|will|should|has|have)\\b", java.util.regex.Pattern.CASE_INSENSITIVE);
    private static final java.util.regex.Pattern DIGIT = java.util.regex.Pattern.compile("\\d");

    /**
     * Near misses the shared data lacks: each question against itself with one number changed, or
     * with a negation added after its first auxiliary verb. Every such pair is a negative; the
     * share the embedding alone would serve from the cache is the false-hit rate the guards remove.
     */
    static void adversarial(List<Pair> disfl, List<Pair> gpt, OnnxEmbedder embedder, Map<String, float[]> vectors) {
        List<Pair> numbers = new ArrayList<>();
        List<Pair> negations = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        disfl.stream().filter(Pair::same).forEach(p -> sources.add(p.a()));
        gpt.stream().filter(Pair::same).forEach(p -> sources.add(p.a()));
        for (String text : sources) {
            java.util.regex.Matcher d = DIGIT.matcher(text);
            if (d.find()) {
                char c = text.charAt(d.start());
                String changed = text.substring(0, d.start()) + (char) ('0' + (c - '0' + 3) % 10) + text.substring(d.start() + 1);
                numbers.add(new Pair(text, changed, false));
            }
            java.util.regex.Matcher a = AUX.matcher(text);
            if (a.find() && !text.toLowerCase(Locale.ROOT).contains(" not ")) {
                negations.add(new Pair(text, text.substring(0, a.end()) + " not" + text.substring(a.end()), false));
            }
        }
        for (List<Pair> set : List.of(numbers, negations)) {
            for (Pair p : set) {
                vectors.computeIfAbsent(p.a(), t -> embedder.embed(List.of(t)).get(0).vector());
                vectors.computeIfAbsent(p.b(), t -> embedder.embed(List.of(t)).get(0).vector());
            }
        }
        System.out.println("Near misses (all negatives): share served from the cache, embedding alone vs with guards\n");
        System.out.println("| threshold | number changed (" + numbers.size() + ") | with guards | negation added ("
                + negations.size() + ") | with guards |");
        System.out.println("|---|---|---|---|---|");
        for (double threshold : new double[] {0.85, 0.90, 0.95, 0.97}) {
            System.out.printf(Locale.ROOT, "| %.2f | %.3f | %.3f | %.3f | %.3f |%n", threshold,
                    falseHits(numbers, vectors, threshold, false), falseHits(numbers, vectors, threshold, true),
                    falseHits(negations, vectors, threshold, false), falseHits(negations, vectors, threshold, true));
        }
        System.out.println();
    }

    static double falseHits(List<Pair> negatives, Map<String, float[]> vectors, double threshold, boolean guards) {
        long hits = negatives.stream().filter(p -> Embedding.cosine(vectors.get(p.a()), vectors.get(p.b())) >= threshold
                && (!guards || SemanticGuards.veto(p.a(), p.b()) == null)).count();
        return negatives.isEmpty() ? 0 : hits / (double) negatives.size();
    }

    /** Precision, recall, F1 of "hit" = similarity ≥ threshold (and no guard veto). */
    static double[] score(List<Pair> pairs, Map<String, float[]> vectors, double threshold, boolean guards) {
        int tp = 0;
        int fp = 0;
        int fn = 0;
        for (Pair p : pairs) {
            boolean hit = Embedding.cosine(vectors.get(p.a()), vectors.get(p.b())) >= threshold
                    && (!guards || SemanticGuards.veto(p.a(), p.b()) == null);
            if (hit && p.same()) {
                tp++;
            } else if (hit) {
                fp++;
            } else if (p.same()) {
                fn++;
            }
        }
        double precision = tp + fp == 0 ? 1 : tp / (double) (tp + fp);
        double recall = tp + fn == 0 ? 0 : tp / (double) (tp + fn);
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new double[] {precision, recall, f1};
    }

    /**
     * One lookup as the gateway does it: embed the query (one inference), then scan the
     * partition. Worst case: every entry in one partition. Stored vectors are mixtures of real
     * question embeddings (so their similarities to a query are distributed like real ones);
     * queries are other real questions.
     */
    static void latency(List<String> questions) {
        System.out.println("## Lookup latency (embedding + scan, all entries in one partition)\n");
        System.out.println("| entries | embed p50 ms | scan p50 ms | scan p99 ms | lookup p50 ms | lookup p99 ms |");
        System.out.println("|---|---|---|---|---|---|");
        try (OnnxEmbedder embedder = OnnxEmbedder.load(EmbeddingModel.ALL_MINILM_L6_V2_Q, 1)) {
            Random random = new Random(7);
            List<String> stored = questions.subList(0, 600);
            List<String> queries = questions.subList(600, 800);
            List<float[]> basis = new ArrayList<>();
            for (String text : stored) {
                basis.add(embedder.embed(List.of(text)).get(0).vector());
            }
            for (int warm = 0; warm < 300; warm++) {
                embedder.embed(List.of(queries.get(warm % queries.size())));
            }
            for (int size : new int[] {1_000, 10_000, 100_000}) {
                InMemoryCacheStore store = new InMemoryCacheStore(size + 1, Clock.systemUTC());
                long now = System.currentTimeMillis();
                for (int i = 0; i < size; i++) {
                    float[] a = basis.get(random.nextInt(basis.size()));
                    float[] b = basis.get(random.nextInt(basis.size()));
                    float w = random.nextFloat();
                    float[] v = new float[a.length];
                    double norm = 0;
                    for (int d = 0; d < v.length; d++) {
                        v[d] = a[d] + w * b[d];
                        norm += v[d] * v[d];
                    }
                    for (int d = 0; d < v.length; d++) {
                        v[d] /= (float) Math.sqrt(norm);
                    }
                    store.add(new CacheEntry("e" + i, "s", "x" + i, "p", v, "q", new byte[0], "m", null, now,
                            now + Duration.ofHours(1).toMillis()));
                }
                int rounds = 600;
                long[] embed = new long[rounds];
                long[] scan = new long[rounds];
                long[] total = new long[rounds];
                for (int r = 0; r < rounds; r++) {
                    long t0 = System.nanoTime();
                    float[] q = embedder.embed(List.of(queries.get(r % queries.size()))).get(0).vector();
                    long t1 = System.nanoTime();
                    store.scan("p", q, dev.tollgate.config.TollgateConfig.Semantic.DEFAULT_THRESHOLD, e -> true);
                    long t2 = System.nanoTime();
                    embed[r] = t1 - t0;
                    scan[r] = t2 - t1;
                    total[r] = t2 - t0;
                }
                // The first 100 rounds warm the scan up.
                System.out.printf(Locale.ROOT, "| %,d | %.2f | %.2f | %.2f | %.2f | %.2f |%n", size, pct(embed, 0.5),
                        pct(scan, 0.5), pct(scan, 0.99), pct(total, 0.5), pct(total, 0.99));
            }
        }
        System.out.println();
    }

    private static double pct(long[] nanos, double p) {
        long[] sorted = Arrays.copyOfRange(nanos, 100, nanos.length);
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))] / 1e6;
    }

    /** Sentences per second through the batching executor the sidecar uses: batch 1 vs 32. */
    static void throughput() {
        System.out.println("## Embedding throughput (all-minilm-l6-v2-q, 2 intra-op threads, 2,000 texts queued at once)\n");
        System.out.println("| max batch | texts/s | mean batch |");
        System.out.println("|---|---|---|");
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            texts.add("Customer " + i + " asks how to export the monthly invoice as a PDF file from the dashboard.");
        }
        for (int batch : new int[] {1, 8, 32}) {
            try (BatchingEmbedder embedder = new BatchingEmbedder(OnnxEmbedder.load(EmbeddingModel.ALL_MINILM_L6_V2_Q, 2),
                    1, batch, Duration.ofMillis(2), 10_000)) {
                embedder.submitAll(texts.subList(0, 200)).join(); // warm-up
                long before = embedder.texts();
                long batchesBefore = embedder.batches();
                long t0 = System.nanoTime();
                CompletableFuture<List<Embedding>> all = embedder.submitAll(texts);
                all.join();
                double seconds = (System.nanoTime() - t0) / 1e9;
                long n = embedder.texts() - before;
                System.out.printf(Locale.ROOT, "| %d | %.0f | %.1f |%n", batch, n / seconds,
                        n / (double) (embedder.batches() - batchesBefore));
            }
        }
        System.out.println();
    }
}
