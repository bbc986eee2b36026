package dev.tollgate.classify.train;

import dev.tollgate.embedding.EmbeddingModel;
import dev.tollgate.embedding.OnnxEmbedder;
import dev.tollgate.support.Json;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import tools.jackson.databind.JsonNode;

/**
 * RouteLLM's labelled prompts (eval/routing) and the one split every tool uses: per data set and
 * per label, a fixed-seed shuffle puts 20 % in the held-out test split. Training and tuning never
 * read it; only {@link RouterEval} does.
 */
final class RoutingData {

    static final long SPLIT_SEED = 20261203L;
    static final double TEST_SHARE = 0.2;

    /** One prompt: whether the weak and the strong model answered it correctly. */
    record Row(String dataset, String prompt, boolean weakCorrect, boolean strongCorrect, boolean test) {
        /** RouteLLM's label: only the strong model gets it right. */
        boolean needsStrong() {
            return !weakCorrect && strongCorrect;
        }
    }

    private RoutingData() {}

    static List<Row> load(Path dir) throws IOException {
        List<Row> rows = new ArrayList<>();
        rows.addAll(load(dir.resolve("gsm8k_labels.jsonl"), "gsm8k"));
        rows.addAll(load(dir.resolve("mmlu_labels.jsonl"), "mmlu"));
        return rows;
    }

    private static List<Row> load(Path file, String dataset) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                lines.add(Json.MAPPER.readTree(line));
            }
        }
        // Stratified: the positives and the negatives are each shuffled and cut 80/20 on their own.
        boolean[] test = new boolean[lines.size()];
        for (boolean label : new boolean[] {true, false}) {
            List<Integer> group = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                JsonNode n = lines.get(i);
                if ((!n.get("weak_correct").asBoolean() && n.get("strong_correct").asBoolean()) == label) {
                    group.add(i);
                }
            }
            java.util.Collections.shuffle(group, new Random(SPLIT_SEED + dataset.hashCode()));
            int cut = (int) Math.round(group.size() * TEST_SHARE);
            for (int k = 0; k < cut; k++) {
                test[group.get(k)] = true;
            }
        }
        List<Row> rows = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            JsonNode n = lines.get(i);
            rows.add(new Row(dataset, n.get("prompt").asString(), n.get("weak_correct").asBoolean(),
                    n.get("strong_correct").asBoolean(), test[i]));
        }
        return rows;
    }

    /**
     * The embedding of every prompt, computed once and kept under target/ (10,779 prompts take a
     * few minutes on two cores); recomputed when the prompts or the model change.
     */
    static float[][] embeddings(List<Row> rows, EmbeddingModel model, Path cacheDir) throws IOException {
        long fingerprint = model.id().hashCode();
        for (Row r : rows) {
            fingerprint = fingerprint * 31 + r.prompt().hashCode();
        }
        Path cache = cacheDir.resolve("router-embeddings-" + model.id() + ".bin");
        if (Files.exists(cache)) {
            try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(cache)))) {
                if (in.readLong() == fingerprint && in.readInt() == rows.size()) {
                    int dims = in.readInt();
                    float[][] vectors = new float[rows.size()][dims];
                    for (float[] v : vectors) {
                        for (int d = 0; d < dims; d++) {
                            v[d] = in.readFloat();
                        }
                    }
                    return vectors;
                }
            }
        }
        float[][] vectors = new float[rows.size()][];
        long start = System.nanoTime();
        try (OnnxEmbedder embedder = OnnxEmbedder.load(model, Math.max(1, Runtime.getRuntime().availableProcessors()))) {
            int batch = 32;
            for (int from = 0; from < rows.size(); from += batch) {
                List<String> texts = new ArrayList<>();
                for (int i = from; i < Math.min(rows.size(), from + batch); i++) {
                    texts.add(rows.get(i).prompt());
                }
                var out = embedder.embed(texts);
                for (int k = 0; k < out.size(); k++) {
                    vectors[from + k] = out.get(k).vector();
                }
                if ((from / batch) % 50 == 0) {
                    System.err.printf("embedded %d / %d (%.0f s)%n", from + texts.size(), rows.size(),
                            (System.nanoTime() - start) / 1e9);
                }
            }
        }
        Files.createDirectories(cacheDir);
        try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(cache)))) {
            out.writeLong(fingerprint);
            out.writeInt(rows.size());
            out.writeInt(vectors[0].length);
            for (float[] v : vectors) {
                for (float f : v) {
                    out.writeFloat(f);
                }
            }
        }
        return vectors;
    }
}
