package dev.tollgate.cache;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Cheap checks that veto a semantic hit whatever the embedding and the verifier say. Sentence
 * embeddings place "What is 15% of 80?" next to "What is 15% of 90?" and "Is X safe?" next to
 * "Is X not safe?"; serving one's answer for the other is the worst thing a cache can do. So two
 * questions only match when, read as meant (self-corrections repaired, see {@link QuestionText}),
 * they hold the same numbers and negations, ask for the same kind of answer (who ≠ when ≠ where ≠
 * how many), name no different unit and do not swap one name for another.
 *
 * <p>The guards read the repaired question: "Which meeting no what entity is …" is a correction,
 * not a negation (the old guard vetoed about half of Disfl-QA's true paraphrases that way).
 */
public final class SemanticGuards {

    private SemanticGuards() {}

    /** Why two texts must not share an answer, or null when nothing speaks against it. */
    public static String veto(String query, String cached) {
        return veto(Aligned.of(QuestionText.of(query), QuestionText.of(cached)));
    }

    static String veto(Aligned pair) {
        List<String> a = pair.a();
        List<String> b = pair.b();
        if (!QuestionText.numbers(a).equals(QuestionText.numbers(b))) {
            return "numbers differ";
        }
        if (!QuestionText.negations(a).equals(QuestionText.negations(b))) {
            return "negation differs";
        }
        QuestionText.AnswerType ta = QuestionText.answerType(a);
        QuestionText.AnswerType tb = QuestionText.answerType(b);
        if (ta != tb && ta != QuestionText.AnswerType.OTHER && tb != QuestionText.AnswerType.OTHER) {
            return "question word differs";
        }
        Set<String> ua = QuestionText.units(a);
        Set<String> ub = QuestionText.units(b);
        if (!ua.isEmpty() && !ub.isEmpty() && !ua.equals(ub)) {
            return "units differ";
        }
        if (!pair.onlyInA().isEmpty() && !pair.onlyInB().isEmpty()) {
            return "names differ";
        }
        return null;
    }

    /**
     * Two questions, each in the reading that best matches the other (most words in common): a
     * correction in either is repaired the way that fits, never by dropping the repair itself.
     */
    record Aligned(QuestionText textA, QuestionText textB, List<String> a, List<String> b) {

        static Aligned of(QuestionText x, QuestionText y) {
            List<String> literalA = x.readings().get(0);
            List<String> literalB = y.readings().get(0);
            List<String> bestA = literalA;
            List<String> bestB = literalB;
            double best = jaccard(literalA, literalB);
            // One side is repaired at a time: repairing both could cut both down to a common tail
            // and hide a difference before it.
            for (List<String> ra : x.readings()) {
                double j = jaccard(ra, literalB);
                if (j > best) {
                    best = j;
                    bestA = ra;
                    bestB = literalB;
                }
            }
            for (List<String> rb : y.readings()) {
                double j = jaccard(literalA, rb);
                if (j > best) {
                    best = j;
                    bestA = literalA;
                    bestB = rb;
                }
            }
            return new Aligned(x, y, bestA, bestB);
        }

        /** Names in A's reading that B's reading lacks. */
        Set<String> onlyInA() {
            return missing(textA.entities(), a, b);
        }

        Set<String> onlyInB() {
            return missing(textB.entities(), b, a);
        }

        private static Set<String> missing(Set<String> names, List<String> own, List<String> other) {
            Set<String> out = new HashSet<>();
            for (String name : names) {
                if (own.contains(name) && !other.contains(name)) {
                    out.add(name);
                }
            }
            return out;
        }

        static double jaccard(List<String> x, List<String> y) {
            Set<String> sx = new HashSet<>(x);
            Set<String> sy = new HashSet<>(y);
            if (sx.isEmpty() && sy.isEmpty()) {
                return 1;
            }
            int common = 0;
            for (String w : sx) {
                if (sy.contains(w)) {
                    common++;
                }
            }
            return common / (double) (sx.size() + sy.size() - common);
        }
    }
}
