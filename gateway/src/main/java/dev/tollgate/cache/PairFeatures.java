package dev.tollgate.cache;

import dev.tollgate.embedding.Embedding;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the verifier sees of a (query, cached question) pair: the cosine of their embeddings, how
 * far the two read alike once self-corrections are repaired (word and bigram overlap, content words
 * left unmatched, length ratio), whether they ask with the same question word, which names only one
 * of them holds, and the two embeddings' element-wise |u−v| and u⊙v (which dimensions they differ
 * in, and which they share). Pure: the same pair always gives the same numbers.
 */
public final class PairFeatures {

    /** Names of the hand-made features, in order; the embedding features follow them. */
    public static final List<String> NAMES = List.of("cosine", "word-jaccard",
            "content-jaccard", "content-cover-min", "content-cover-max", "bigram-jaccard", "same-reading",
            "same-question-word", "same-specific-answer-type", "names-one-side", "names-shared", "length-ratio",
            "content-unmatched");

    private PairFeatures() {}

    /** The pair's features and the guards' veto (null when none). */
    public record Pair(double[] features, String veto, float cosine) {}

    public static Pair of(String query, float[] queryVector, String cached, float[] cachedVector) {
        SemanticGuards.Aligned aligned = SemanticGuards.Aligned.of(QuestionText.of(query), QuestionText.of(cached));
        float cosine = Embedding.cosine(queryVector, cachedVector);
        int d = queryVector.length;
        double[] x = new double[NAMES.size() + 2 * d];
        List<String> a = aligned.a();
        List<String> b = aligned.b();
        List<String> ca = content(a);
        List<String> cb = content(b);
        Set<String> sa = new HashSet<>(ca);
        Set<String> sb = new HashSet<>(cb);
        int common = 0;
        for (String w : sa) {
            if (sb.contains(w)) {
                common++;
            }
        }
        int i = 0;
        x[i++] = cosine;
        x[i++] = SemanticGuards.Aligned.jaccard(a, b);
        x[i++] = SemanticGuards.Aligned.jaccard(ca, cb);
        double coverA = sa.isEmpty() ? 1 : common / (double) sa.size();
        double coverB = sb.isEmpty() ? 1 : common / (double) sb.size();
        x[i++] = Math.min(coverA, coverB);
        x[i++] = Math.max(coverA, coverB);
        x[i++] = SemanticGuards.Aligned.jaccard(bigrams(a), bigrams(b));
        x[i++] = a.equals(b) ? 1 : 0;
        x[i++] = QuestionText.whWord(a).equals(QuestionText.whWord(b)) ? 1 : 0;
        QuestionText.AnswerType ta = QuestionText.answerType(a);
        x[i++] = ta != QuestionText.AnswerType.OTHER && ta == QuestionText.answerType(b) ? 1 : 0;
        int oneSide = aligned.onlyInA().size() + aligned.onlyInB().size();
        x[i++] = oneSide / (1.0 + oneSide);
        Set<String> shared = new HashSet<>(aligned.textA().entities());
        shared.retainAll(aligned.textB().entities());
        x[i++] = shared.size() / (1.0 + shared.size());
        x[i++] = a.isEmpty() || b.isEmpty() ? 0 : Math.min(a.size(), b.size()) / (double) Math.max(a.size(), b.size());
        int total = sa.size() + sb.size();
        x[i++] = total == 0 ? 0 : (total - 2.0 * common) / total;
        for (int k = 0; k < d; k++) {
            x[i + k] = Math.abs(queryVector[k] - cachedVector[k]);
            x[i + d + k] = queryVector[k] * cachedVector[k];
        }
        return new Pair(x, SemanticGuards.veto(aligned), cosine);
    }

    private static List<String> content(List<String> words) {
        List<String> out = new ArrayList<>();
        for (String w : words) {
            if (!QuestionText.STOP.contains(w)) {
                out.add(stem(w));
            }
        }
        return out;
    }

    /** A crude stem, so that "reproduce" and "reproduces", "countries" and "country" meet. */
    private static String stem(String w) {
        if (w.length() > 4 && w.endsWith("ies")) {
            return w.substring(0, w.length() - 3) + "y";
        }
        if (w.length() > 4 && w.endsWith("es") && !w.endsWith("ses")) {
            return w.substring(0, w.length() - 2);
        }
        if (w.length() > 3 && w.endsWith("s") && !w.endsWith("ss")) {
            return w.substring(0, w.length() - 1);
        }
        return w;
    }

    private static List<String> bigrams(List<String> words) {
        List<String> out = new ArrayList<>();
        for (int k = 0; k + 1 < words.size(); k++) {
            out.add(words.get(k) + " " + words.get(k + 1));
        }
        return out;
    }
}
