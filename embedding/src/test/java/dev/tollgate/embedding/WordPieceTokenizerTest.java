package dev.tollgate.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Token for token against HuggingFace's tokenizers (golden ids made by {@link TokenizerGolden}). */
class WordPieceTokenizerTest {

    static final List<String> EDGE_CASES = List.of(
            "Hello, World!",
            "Ünïcödé àccents are strippéd — naïve café",
            "中文字符 mixed with English",
            "tabs\tand\nnewlines\r\nand  double  spaces",
            "emoji 🙂 and symbols © ® ™ ∑ √",
            "zero\u200Bwidth and non\u00A0breaking spaces",
            "control\u0007chars\u0000here",
            "supercalifragilisticexpialidocious antidisestablishmentarianism",
            "x".repeat(120) + " long word",
            "URLs like https://example.com/path?query=1&b=2 and e-mail a.b@c.de",
            "Numbers 3.14159, 1,000,000 and 42% of $5.99",
            "Don't won't can't — it's \"quoted\" and 'single'",
            "İstanbul ß straße ǅ",
            "word ".repeat(200) + "tail after the cut",
            "[CLS] and [SEP] typed by a user",
            "");

    @Test
    void sameIdsAsHuggingFaceForBothModels() throws Exception {
        JsonNode golden;
        try (InputStream in = getClass().getResourceAsStream("/tokenizer-golden.json")) {
            golden = JsonMapper.builder().build().readTree(in);
        }
        for (EmbeddingModel model : EmbeddingModel.values()) {
            WordPieceTokenizer tokenizer;
            try (InputStream in = getClass().getClassLoader().getResourceAsStream(model.tokenizerResource())) {
                tokenizer = WordPieceTokenizer.load(in);
            }
            int checked = 0;
            for (JsonNode row : golden.path(model.id())) {
                String text = row.get("text").asString();
                if (text.contains("[CLS]")) {
                    continue; // HF matches special tokens typed in the text; we tokenise them as text (documented)
                }
                WordPieceTokenizer.Tokens tokens = tokenizer.encode(text, EmbeddingModel.MAX_TOKENS);
                long[] expected = new long[row.get("ids").size()];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = row.get("ids").get(i).asLong();
                }
                assertThat(tokens.ids()).as(model.id() + ": " + text).containsExactly(expected);
                assertThat(tokens.truncated()).as(text).isEqualTo(row.has("covered"));
                if (row.has("covered")) {
                    assertThat(tokens.coveredChars()).as(text).isEqualTo(row.get("covered").asInt());
                }
                checked++;
            }
            assertThat(checked).isGreaterThan(3900);
        }
    }
}
