package dev.tollgate.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the verifier and the guards read in a question: its words, and the readings it may have
 * once a spoken self-correction is repaired. "What streams carry water from the Channel River no
 * Rhine?" means "… from the Rhine?": the words after the editing term ("no", "I mean", "or
 * rather", "sorry", …) replace some of the words before it. Without the repair the old negation
 * guard read that "no" as a negation and vetoed half of the true paraphrases in Disfl-QA.
 */
public final class QuestionText {

    private static final Pattern TOKEN = Pattern.compile("\\d+(?:[.,]\\d+)*|[\\p{L}][\\p{L}\\p{Nd}'’-]*");

    /**
     * Editing terms of a self-correction, longest first. A bare "no" is one only where it cannot
     * be a negation (see {@link #negatingNo}).
     */
    private static final List<List<String>> EDITING_TERMS = List.of(
            "no wait", "no sorry", "no make that", "or rather", "i mean", "i meant", "make that", "scratch that",
            "not that let me ask", "let me ask", "not that", "i want to know", "oh no", "no no", "sorry", "whoops",
            "oops", "nope", "darn it", "wait no", "actually", "rather", "wait", "instead", "tell me", "uh", "um", "umm", "uhh", "er", "erm", "hmm", "ugh",
            "no")
            .stream().map(t -> List.of(t.split(" "))).sorted((a, b) -> b.size() - a.size()).toList();
    /** Fillers that correct nothing: dropped wherever they are. */
    private static final Set<String> FILLERS = Set.of("uh", "um", "umm", "uhh", "er", "erm", "hmm", "ugh", "oh", "well");
    /** Words before "no" that make it a negation ("there is no cure", "with no sugar"). */
    private static final Set<String> BEFORE_NEGATING_NO = Set.of("is", "are", "was", "were", "there", "has", "have", "had",
            "with", "by", "of", "in", "for", "and", "but", "to", "at", "on", "that", "get", "gets",
            "make", "makes", "take", "takes", "be", "been", "say", "says", "said", "answer", "yes");
    /** Words after "no" that make it a negation ("no one", "no longer"). */
    private static final Set<String> AFTER_NEGATING_NO = Set.of("one", "longer", "more", "other", "matter", "doubt", "way",
            "less", "need", "idea", "reason", "sugar", "money", "children", "kids");

    static final Set<String> NEGATIONS = Set.of("not", "no", "never", "none", "nothing", "nobody", "nowhere", "neither",
            "nor", "without", "cannot", "n't");

    private static final Map<String, String> NUMBER_WORDS = Map.ofEntries(Map.entry("zero", "0"), Map.entry("one", "1"),
            Map.entry("two", "2"), Map.entry("three", "3"), Map.entry("four", "4"), Map.entry("five", "5"),
            Map.entry("six", "6"), Map.entry("seven", "7"), Map.entry("eight", "8"), Map.entry("nine", "9"),
            Map.entry("ten", "10"), Map.entry("eleven", "11"), Map.entry("twelve", "12"), Map.entry("twenty", "20"),
            Map.entry("hundred", "100"), Map.entry("thousand", "1000"), Map.entry("million", "1000000"),
            Map.entry("billion", "1000000000"), Map.entry("first", "1st"), Map.entry("second", "2nd"),
            Map.entry("third", "3rd"), Map.entry("fourth", "4th"), Map.entry("fifth", "5th"), Map.entry("half", "0.5"));

    /** Units, spelled out or abbreviated, to one name each. */
    private static final Map<String, String> UNITS = units();

    static final Set<String> STOP = Set.of("a", "an", "the", "of", "to", "in", "on", "at", "for", "by", "with", "from",
            "and", "or", "is", "are", "was", "were", "be", "been", "being", "do", "does", "did", "can", "could", "will",
            "would", "should", "shall", "may", "might", "must", "has", "have", "had", "it", "its", "this", "that", "these",
            "those", "i", "you", "me", "my", "your", "we", "our", "they", "their", "he", "she", "his", "her", "as", "into",
            "about", "there", "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "s", "'s", "so",
            "some", "any", "get", "please", "tell", "know", "one", "if", "than", "then", "also", "just", "more", "most");

    private final String text;
    private final List<String> words;
    private final List<String> cased;
    private final List<List<String>> readings;

    private QuestionText(String text) {
        this.text = text;
        this.cased = new ArrayList<>();
        List<String> lower = new ArrayList<>();
        Matcher m = TOKEN.matcher(text.replace('’', '\''));
        while (m.find()) {
            String token = m.group();
            String w = token.toLowerCase(Locale.ROOT);
            // "isn't" → "is" "n't" and "cannot" → "can" "n't", so both spellings of a negation read alike.
            if (w.endsWith("n't") && w.length() > 3 || w.equals("cannot")) {
                String stem = switch (w) {
                    case "can't", "cannot" -> "can";
                    case "won't" -> "will";
                    case "shan't" -> "shall";
                    default -> w.substring(0, w.length() - 3);
                };
                cased.add(token.substring(0, Math.min(stem.length(), token.length())));
                lower.add(stem);
                cased.add("n't");
                lower.add("n't");
            } else if (w.endsWith("'s") && w.length() > 2) {
                cased.add(token.substring(0, token.length() - 2));
                lower.add(w.substring(0, w.length() - 2));
                cased.add("'s");
                lower.add("'s");
            } else {
                cased.add(token);
                lower.add(w);
            }
        }
        this.words = List.copyOf(lower);
        this.readings = repairs(words);
    }

    public static QuestionText of(String text) {
        return new QuestionText(text == null ? "" : text);
    }

    public String text() {
        return text;
    }

    /** The words, lower case, contractions split ("isn't" → "is", "n't"). */
    public List<String> words() {
        return words;
    }

    /**
     * Readings of the question: the words as written without fillers, and, when the question holds
     * a self-correction, each way the words after the editing term can replace a tail of the words
     * before it. The first reading is the literal one.
     */
    public List<List<String>> readings() {
        return readings;
    }

    public boolean hasCorrection() {
        return readings.size() > 1;
    }

    /** Capitalised words not at the start of the text, lower case: names of people, places, things. */
    public Set<String> entities() {
        Set<String> out = new TreeSet<>();
        for (int i = 1; i < cased.size(); i++) {
            String w = cased.get(i);
            if (Character.isUpperCase(w.charAt(0)) && !w.equals("I") && !STOP.contains(words.get(i))) {
                out.add(words.get(i));
            }
        }
        return out;
    }

    private static List<List<String>> repairs(List<String> words) {
        List<List<String>> out = new ArrayList<>();
        out.add(withoutFillers(words));
        // The last correction decides: "A no B no C" means C.
        for (int i = words.size() - 1; i > 0; i--) {
            for (List<String> term : EDITING_TERMS) {
                if (i + term.size() > words.size() || !words.subList(i, i + term.size()).equals(term)) {
                    continue;
                }
                if (term.equals(List.of("no")) && negatingNo(words, i)) {
                    continue;
                }
                List<String> before = withoutFillers(words.subList(0, i));
                List<String> after = withoutFillers(words.subList(i + term.size(), words.size()));
                if (after.isEmpty()) {
                    continue;
                }
                for (int keep = 0; keep < before.size(); keep++) {
                    List<String> reading = new ArrayList<>(before.subList(0, keep));
                    reading.addAll(after);
                    out.add(reading);
                }
                return out;
            }
            // "Who created or when did …": a restart after "or" when a question word follows.
            if (words.get(i).equals("or") && i + 1 < words.size() && WH_WORDS.contains(words.get(i + 1))) {
                out.add(withoutFillers(words.subList(i + 1, words.size())));
                return out;
            }
        }
        return out;
    }

    private static List<String> withoutFillers(List<String> words) {
        return words.stream().filter(w -> !FILLERS.contains(w)).toList();
    }

    private static boolean negatingNo(List<String> words, int at) {
        String previous = words.get(at - 1);
        String next = at + 1 < words.size() ? words.get(at + 1) : "";
        return BEFORE_NEGATING_NO.contains(previous) || AFTER_NEGATING_NO.contains(next) || previous.equals("n't");
    }

    private static final Pattern DIGITS = Pattern.compile("\\d+(?:[.,]\\d+)*");
    private static final Set<String> WH_WORDS = Set.of("who", "whom", "whose", "when", "where", "why", "how", "what", "which");

    /** Numbers of a reading, digits (also inside words: "v2.10", "uint8") or words, sorted. */
    static List<String> numbers(List<String> reading) {
        List<String> out = new ArrayList<>();
        for (String w : reading) {
            Matcher d = DIGITS.matcher(w);
            boolean digits = false;
            while (d.find()) {
                out.add(d.group().replace(",", ""));
                digits = true;
            }
            if (digits) {
                continue;
            } else if (NUMBER_WORDS.containsKey(w) && !w.equals("one")) {
                out.add(NUMBER_WORDS.get(w));
            }
        }
        out.sort(null);
        return out;
    }

    /** Negations of a reading: "not", "never", "without", … ("n't" and "cannot" read as "not"). */
    static Set<String> negations(List<String> reading) {
        Set<String> out = new TreeSet<>();
        for (String w : reading) {
            if (NEGATIONS.contains(w)) {
                out.add(w.equals("n't") ? "not" : w);
            }
        }
        return out;
    }

    static Set<String> units(List<String> reading) {
        Set<String> out = new TreeSet<>();
        for (String w : reading) {
            String unit = UNITS.get(w);
            if (unit != null) {
                out.add(unit);
            }
        }
        return out;
    }

    /** The kind of answer a question asks for. */
    enum AnswerType { PERSON, TIME, PLACE, QUANTITY, DURATION, REASON, OTHER }

    /** What the first question word of a reading asks for; OTHER for "what", "which", "how". */
    static AnswerType answerType(List<String> reading) {
        for (int i = 0; i < reading.size(); i++) {
            String w = reading.get(i);
            String next = i + 1 < reading.size() ? reading.get(i + 1) : "";
            switch (w) {
                case "who", "whom", "whose" -> {
                    return AnswerType.PERSON;
                }
                case "when" -> {
                    return AnswerType.TIME;
                }
                case "where" -> {
                    return AnswerType.PLACE;
                }
                case "why" -> {
                    return AnswerType.REASON;
                }
                case "how" -> {
                    return switch (next) {
                        case "many", "much" -> AnswerType.QUANTITY;
                        case "long" -> AnswerType.DURATION;
                        case "come" -> AnswerType.REASON;
                        default -> AnswerType.OTHER;
                    };
                }
                case "what", "which" -> {
                    return switch (next) {
                        case "year", "years", "date", "day", "month", "century", "decade", "time", "era" -> AnswerType.TIME;
                        case "country", "city", "place", "state", "continent", "location" -> AnswerType.PLACE;
                        case "percentage", "percent", "number", "amount" -> AnswerType.QUANTITY;
                        case "person" -> AnswerType.PERSON;
                        default -> AnswerType.OTHER;
                    };
                }
                default -> {
                    // not a question word: read on
                }
            }
        }
        return AnswerType.OTHER;
    }

    /** The first question word of a reading, or "" when it has none. */
    static String whWord(List<String> reading) {
        for (String w : reading) {
            if (WH_WORDS.contains(w)) {
                return w;
            }
        }
        return "";
    }

    private static Map<String, String> units() {
        Map<String, String> u = new java.util.HashMap<>();
        String[][] groups = {
            {"km", "kilometer", "kilometers", "kilometre", "kilometres", "kms"},
            {"m", "meter", "meters", "metre", "metres"},
            {"cm", "centimeter", "centimeters", "centimetre", "centimetres"},
            {"mm", "millimeter", "millimeters", "millimetre", "millimetres"},
            {"mi", "mile", "miles"}, {"ft", "foot", "feet"}, {"in", "inch", "inches"}, {"yd", "yard", "yards"},
            {"kg", "kilogram", "kilograms", "kilo", "kilos", "kgs"}, {"g", "gram", "grams"},
            {"lb", "lbs", "pound", "pounds"}, {"oz", "ounce", "ounces"}, {"ton", "tons", "tonne", "tonnes"},
            {"l", "liter", "liters", "litre", "litres"}, {"ml", "milliliter", "milliliters", "millilitre", "millilitres"},
            {"gal", "gallon", "gallons"}, {"c", "celsius", "centigrade"}, {"f", "fahrenheit"}, {"k", "kelvin"},
            {"s", "seconds", "sec", "secs"}, {"min", "minute", "minutes", "mins"},
            {"h", "hour", "hours", "hr", "hrs"}, {"day", "days"}, {"week", "weeks"}, {"month", "months"},
            {"year", "years", "yr", "yrs"}, {"usd", "dollar", "dollars"}, {"eur", "euro", "euros"},
            {"gbp", "sterling"}, {"yen", "jpy"}, {"inr", "rupee", "rupees"}, {"percent", "percentage", "%"},
            {"mph"}, {"kph", "kmh"}, {"kb", "kilobyte", "kilobytes"}, {"mb", "megabyte", "megabytes"},
            {"gb", "gigabyte", "gigabytes"}, {"tb", "terabyte", "terabytes"}, {"w", "watt", "watts"},
            {"kw", "kilowatt", "kilowatts"}, {"v", "volt", "volts"}, {"hz", "hertz"}, {"acre", "acres"},
            {"hectare", "hectares", "ha"}, {"calorie", "calories", "kcal"}, {"joule", "joules"},
        };
        for (String[] group : groups) {
            for (String name : group) {
                // One-letter abbreviations collide with words ("in", "m", "s"): only spelled-out names count.
                if (name.length() > 2 || group.length == 1) {
                    u.put(name, group[0]);
                }
            }
        }
        return Map.copyOf(u);
    }
}
