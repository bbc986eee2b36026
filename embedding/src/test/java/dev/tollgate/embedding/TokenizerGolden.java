package dev.tollgate.embedding;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes the golden token ids {@link WordPieceTokenizerTest} checks against, made by HuggingFace's
 * tokenizers (through DJL) from each model's tokenizer.json. Run by hand after changing the texts:
 * {@code java -cp <test classpath> dev.tollgate.embedding.TokenizerGolden eval/semantic-cache
 * embedding/src/test/resources/tokenizer-golden.json}
 */
public final class TokenizerGolden {

    public static void main(String[] args) throws Exception {
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("ai.djl.offline", "true");
        JsonMapper json = JsonMapper.builder().build();
        Set<String> texts = new LinkedHashSet<>(WordPieceTokenizerTest.EDGE_CASES);
        Path data = Path.of(args[0]);
        for (String line : Files.readAllLines(data.resolve("disflqa_dev_pairs.jsonl"))) {
            if (!line.isBlank()) {
                JsonNode n = json.readTree(line);
                texts.add(n.get("q1").asString());
                texts.add(n.get("q2").asString());
            }
        }
        for (JsonNode row : json.readTree(Files.readString(data.resolve("gptcache_mock_data.json")))) {
            texts.add(row.get("origin").asString());
            texts.add(row.get("similar").asString());
        }
        ObjectNode root = json.createObjectNode();
        for (EmbeddingModel model : EmbeddingModel.values()) {
            HuggingFaceTokenizer tokenizer;
            try (InputStream in = TokenizerGolden.class.getClassLoader().getResourceAsStream(model.tokenizerResource())) {
                tokenizer = HuggingFaceTokenizer.newInstance(in, Map.of("addSpecialTokens", "true", "truncation", "true",
                        "padding", "false", "maxLength", Integer.toString(EmbeddingModel.MAX_TOKENS)));
            }
            ArrayNode rows = root.putArray(model.id());
            for (String text : texts) {
                Encoding e = tokenizer.encode(text);
                ObjectNode row = rows.addObject();
                row.put("text", text);
                ArrayNode ids = row.putArray("ids");
                for (long id : e.getIds()) {
                    ids.add(id);
                }
                if (e.exceedMaxLength()) {
                    int end = 0;
                    for (CharSpan span : e.getCharTokenSpans()) {
                        if (span != null) {
                            end = Math.max(end, span.getEnd());
                        }
                    }
                    row.put("covered", end);
                }
            }
            tokenizer.close();
        }
        Files.writeString(Path.of(args[1]), json.writeValueAsString(root));
        System.out.println("golden ids for " + texts.size() + " texts written to " + args[1]);
    }

    private TokenizerGolden() {}

}
