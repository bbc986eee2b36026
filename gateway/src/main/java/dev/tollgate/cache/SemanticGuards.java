package dev.tollgate.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cheap checks that veto a semantic hit the embedding alone would allow. Sentence embeddings place
 * "What is 15% of 80?" next to "What is 15% of 90?" and "Is X safe?" next to "Is X not safe?";
 * serving one's answer for the other is the worst thing a cache can do. So two texts only match
 * when they contain the same numbers and the same negations.
 */
public final class SemanticGuards {

    private static final Pattern NUMBER = Pattern.compile("\\d+(?:[.,]\\d+)*");
    private static final Pattern WORD = Pattern.compile("[\\p{L}']+");
    private static final Set<String> NEGATIONS = Set.of("not", "no", "never", "none", "nothing", "nobody", "nowhere",
            "neither", "nor", "without", "cannot", "isn't", "aren't", "wasn't", "weren't", "don't", "doesn't", "didn't",
            "won't", "wouldn't", "can't", "couldn't", "shouldn't", "mustn't", "hasn't", "haven't", "hadn't", "n't");

    private SemanticGuards() {}

    /** Why two texts must not share an answer, or null when nothing speaks against it. */
    public static String veto(String query, String cached) {
        if (!numbers(query).equals(numbers(cached))) {
            return "numbers differ";
        }
        if (!negations(query).equals(negations(cached))) {
            return "negation differs";
        }
        return null;
    }

    static List<String> numbers(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = NUMBER.matcher(text);
        while (m.find()) {
            out.add(m.group().replace(",", ""));
        }
        out.sort(null);
        return out;
    }

    static Set<String> negations(String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT).replace('\u2019', '\''));
        while (m.find()) {
            String word = m.group();
            if (NEGATIONS.contains(word)) {
                out.add(normal(word));
            } else if (word.endsWith("n't")) {
                out.add("not");
            }
        }
        return out;
    }

    /** "isn't" and "is not" are the same negation. */
    private static String normal(String word) {
        return word.endsWith("n't") || word.equals("cannot") ? "not" : word;
    }
}
