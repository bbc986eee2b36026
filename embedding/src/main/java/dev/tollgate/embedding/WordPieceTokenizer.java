package dev.tollgate.embedding;

import java.io.IOException;
import java.io.InputStream;
import java.text.Normalizer;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * BERT's tokenizer (HuggingFace {@code BertNormalizer} + {@code BertPreTokenizer} + {@code WordPiece}
 * + {@code [CLS] … [SEP]}) in plain Java, read from the model's {@code tokenizer.json}. It replaces a
 * native tokenizer library: no JNI, no files unpacked at run time, no GPU probing at load. Tested
 * token-for-token against HuggingFace's tokenizers (golden ids in the tests).
 * <p>
 * Besides ids it reports how much of the text the kept tokens cover, so a caller can tell what a
 * truncated text's embedding did not see. Immutable and thread-safe.
 */
public final class WordPieceTokenizer {

    private static final int MAX_CHARS_PER_WORD = 100;

    private final Map<String, Integer> vocab;
    private final int cls;
    private final int sep;
    private final int unk;
    private final boolean lowercase;
    private final boolean stripAccents;

    /** Token ids with {@code [CLS]} and {@code [SEP]}, and the characters of the input they cover. */
    public record Tokens(long[] ids, int coveredChars, boolean truncated) {}

    private WordPieceTokenizer(Map<String, Integer> vocab, boolean lowercase, boolean stripAccents) {
        this.vocab = vocab;
        this.cls = vocab.get("[CLS]");
        this.sep = vocab.get("[SEP]");
        this.unk = vocab.get("[UNK]");
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
    }

    public static WordPieceTokenizer load(InputStream tokenizerJson) throws IOException {
        JsonNode root = JsonMapper.builder().build().readTree(tokenizerJson);
        JsonNode model = root.path("model");
        if (!"WordPiece".equals(model.path("type").asString(null))) {
            throw new IOException("not a WordPiece tokenizer: model.type = " + model.path("type"));
        }
        Map<String, Integer> vocab = new HashMap<>();
        model.path("vocab").properties().forEach(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        JsonNode normalizer = root.path("normalizer");
        boolean lowercase = normalizer.path("lowercase").asBoolean(true);
        JsonNode strip = normalizer.path("strip_accents");
        // HuggingFace: strip_accents null follows lowercase.
        boolean stripAccents = strip.isNull() || strip.isMissingNode() ? lowercase : strip.asBoolean();
        return new WordPieceTokenizer(vocab, lowercase, stripAccents);
    }

    /** Tokens of {@code text}, at most {@code maxTokens} including {@code [CLS]} and {@code [SEP]}. */
    public Tokens encode(String text, int maxTokens) {
        Normalized normalized = normalize(text);
        long[] ids = new long[Math.min(maxTokens, 16 + text.length())];
        int count = 0;
        ids[count++] = cls;
        int budget = maxTokens - 2;
        int covered = 0;
        boolean truncated = false;
        StringBuilder chars = normalized.chars;
        int i = 0;
        int n = chars.length();
        outer:
        while (i < n) {
            char c = chars.charAt(i);
            if (c == ' ') {
                i++;
                continue;
            }
            int start = i;
            int end;
            if (isPunctuation(chars.codePointAt(i))) {
                end = i + Character.charCount(chars.codePointAt(i));
            } else {
                end = i;
                while (end < n && chars.charAt(end) != ' ' && !isPunctuation(chars.codePointAt(end))) {
                    end += Character.charCount(chars.codePointAt(end));
                }
            }
            int[] pieces = wordPieces(chars, start, end);
            for (int p = 0; p < pieces.length; p += 2) {
                if (budget == 0) {
                    truncated = true;
                    break outer;
                }
                if (count + 1 >= ids.length) {
                    ids = java.util.Arrays.copyOf(ids, Math.min(maxTokens, ids.length * 2));
                }
                ids[count++] = pieces[p];
                budget--;
                covered = normalized.originalEnd[pieces[p + 1] - 1];
            }
            i = end;
        }
        if (!truncated) {
            covered = text.length();
        }
        if (count >= ids.length) {
            ids = java.util.Arrays.copyOf(ids, count + 1);
        }
        ids[count++] = sep;
        return new Tokens(java.util.Arrays.copyOf(ids, count), covered, truncated);
    }

    /** Pairs of (id, end offset in the normalised text) for one word; one [UNK] if it cannot be split. */
    private int[] wordPieces(StringBuilder chars, int start, int end) {
        int length = end - start;
        if (chars.codePointCount(start, end) > MAX_CHARS_PER_WORD) {
            return new int[] {unk, end};
        }
        int[] out = new int[Math.max(2, 2 * length)];
        int count = 0;
        int at = start;
        while (at < end) {
            int stop = end;
            Integer id = null;
            while (stop > at) {
                String candidate = (at > start ? "##" : "") + chars.substring(at, stop);
                id = vocab.get(candidate);
                if (id != null) {
                    break;
                }
                stop = chars.offsetByCodePoints(stop, -1);
            }
            if (id == null) {
                return new int[] {unk, end};
            }
            out[count++] = id;
            out[count++] = stop;
            at = stop;
        }
        return java.util.Arrays.copyOf(out, count);
    }

    private record Normalized(StringBuilder chars, int[] originalEnd) {}

    /**
     * BertNormalizer: drop control characters, turn whitespace into spaces, put spaces around CJK
     * ideographs, lowercase and strip accents (NFD, drop combining marks). Remembers, for each
     * normalised char, where its source character ends in the original text.
     */
    private Normalized normalize(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        int[] ends = new int[text.length() * 3 + 8];
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                i = next;
                continue;
            }
            String piece;
            if (isWhitespace(cp)) {
                piece = " ";
            } else if (isChinese(cp)) {
                piece = " " + new String(Character.toChars(cp)) + " ";
            } else {
                piece = new String(Character.toChars(cp));
                if (lowercase) {
                    piece = piece.toLowerCase(java.util.Locale.ROOT);
                }
                if (stripAccents) {
                    piece = stripMarks(piece);
                }
            }
            for (int k = 0; k < piece.length(); k++) {
                if (out.length() == ends.length) {
                    ends = java.util.Arrays.copyOf(ends, ends.length * 2);
                }
                ends[out.length()] = next;
                out.append(piece.charAt(k));
            }
            i = next;
        }
        return new Normalized(out, ends);
    }

    private static String stripMarks(String s) {
        String nfd = Normalizer.normalize(s, Normalizer.Form.NFD);
        if (nfd.equals(s) && s.chars().allMatch(c -> c < 0x300)) {
            return s;
        }
        StringBuilder b = new StringBuilder(nfd.length());
        nfd.codePoints().filter(c -> Character.getType(c) != Character.NON_SPACING_MARK).forEach(b::appendCodePoint);
        return b.toString();
    }

    private static boolean isWhitespace(int cp) {
        int type = Character.getType(cp);
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || type == Character.SPACE_SEPARATOR
                || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }

    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.PRIVATE_USE
                || type == Character.SURROGATE || type == Character.UNASSIGNED;
    }

    static boolean isPunctuation(int cp) {
        if (cp >= 33 && cp <= 47 || cp >= 58 && cp <= 64 || cp >= 91 && cp <= 96 || cp >= 123 && cp <= 126) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    private static boolean isChinese(int cp) {
        return cp >= 0x4E00 && cp <= 0x9FFF || cp >= 0x3400 && cp <= 0x4DBF || cp >= 0x20000 && cp <= 0x2A6DF
                || cp >= 0x2A700 && cp <= 0x2B73F || cp >= 0x2B740 && cp <= 0x2B81F || cp >= 0x2B820 && cp <= 0x2CEAF
                || cp >= 0xF900 && cp <= 0xFAFF || cp >= 0x2F800 && cp <= 0x2FA1F;
    }
}
