package dev.tollgate.classify;

/**
 * The cheap text features the complexity model reads next to the sentence embedding: things the
 * embedding (mean-pooled, cut at 128 tokens) loses, such as length, how much arithmetic a prompt
 * holds, code and structure. Pure and allocation-light: one pass over the text.
 */
public final class ComplexityFeatures {

    /** Names in the order of {@link #of(String)}; the weights file lists them so a mismatch is caught at load. */
    public static final String[] NAMES = {
        "log-chars", "log-words", "log-numbers", "digit-share", "log-operators", "log-lines", "log-questions",
        "code", "non-ascii-share", "log-long-words"
    };

    private ComplexityFeatures() {}

    public static double[] of(String text) {
        int chars = text.length();
        int words = 0;
        int numbers = 0;
        int digits = 0;
        int operators = 0;
        int lines = 1;
        int questions = 0;
        int nonAscii = 0;
        int longWords = 0;
        int wordLength = 0;
        boolean inNumber = false;
        for (int i = 0; i < chars; i++) {
            char c = text.charAt(i);
            boolean letter = Character.isLetter(c);
            boolean digit = c >= '0' && c <= '9';
            if (letter || digit) {
                wordLength++;
            } else if (wordLength > 0) {
                words++;
                if (wordLength >= 9) {
                    longWords++;
                }
                wordLength = 0;
            }
            if (digit) {
                digits++;
                if (!inNumber) {
                    numbers++;
                }
            }
            inNumber = digit || (inNumber && (c == '.' || c == ',') && i + 1 < chars && Character.isDigit(text.charAt(i + 1)));
            switch (c) {
                case '+', '*', '/', '=', '^', '%', '$', '<', '>' -> operators++;
                case '\n' -> lines++;
                case '?' -> questions++;
                default -> { }
            }
            if (c > 127) {
                nonAscii++;
            }
        }
        if (wordLength > 0) {
            words++;
            if (wordLength >= 9) {
                longWords++;
            }
        }
        boolean code = text.contains("```") || text.contains("def ") || text.contains("function ")
                || text.contains("};") || text.contains("public ") || text.contains("#include");
        double n = Math.max(1, chars);
        return new double[] {
            Math.log1p(chars), Math.log1p(words), Math.log1p(numbers), digits / n, Math.log1p(operators),
            Math.log1p(lines), Math.log1p(questions), code ? 1 : 0, nonAscii / n, Math.log1p(longWords)
        };
    }
}
