package dev.tollgate.classify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigReader;
import dev.tollgate.config.Routing;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.support.Json;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The routing section of tollgate.yaml and the rules stage: seed 003 §6.5's five heuristics. */
class RoutingRulesTest {

    static final String BASE = """
            providers:
              sim: { type: simulated }
            models:
              mini:  { deployments: [ { provider: sim, model: mini } ],  price: { input: 0.15, output: 0.60 } }
              large: { deployments: [ { provider: sim, model: large } ], price: { input: 2.50, output: 10.00 } }
              embed: { deployments: [ { provider: sim, model: embed } ], price: { input: 0.02, output: 0 } }
            keys:
              - { name: app, key: tg-app-key-1, models: [ auto ] }
            """;

    static final String ROUTING = """
            routing:
              aliases:
                auto:
                  tiers: { utility: mini, premium: large, embedding: embed }
                  baseline: premium
                  rules:
                    - { name: short-prompt,        when: { endpoint: chat, max-prompt-tokens: 25, system-prompt: false }, tier: utility }
                    - { name: code-generation,     when: { feature: code-generation },                     tier: premium }
                    - { name: classification-task, when: { metadata: { task-type: classification } },      tier: utility }
                    - { name: critical,            when: { headers: { x-tollgate-priority: critical } },   tier: premium }
                    - { name: embeddings,          when: { endpoint: embeddings },                         tier: embedding }
                  classifier: { thresholds: { premium: 0.3 } }
            """;

    static TollgateConfig read(String yaml) {
        return new ConfigReader(Map.<String, String>of()::get).read(yaml, "test.yaml");
    }

    private final Routing.Alias auto = read(BASE + ROUTING).routing().aliases().get("auto");

    @Test
    void readsTheAliasWithItsTiersInOrderAndTheKeyMayNameIt() {
        TollgateConfig config = read(BASE + ROUTING);

        assertThat(auto.tierNames()).containsExactly("utility", "premium", "embedding");
        assertThat(auto.tiers()).containsEntry("premium", "large");
        assertThat(auto.baseline()).isEqualTo("premium");
        assertThat(auto.defaultTier()).as("default: the baseline").isEqualTo("premium");
        assertThat(auto.rules()).extracting(Routing.Rule::name).containsExactly("short-prompt", "code-generation",
                "classification-task", "critical", "embeddings");
        assertThat(auto.classifier().thresholds()).containsEntry("premium", 0.3);
        assertThat(config.keys().get(0).models()).containsExactly("auto");
    }

    @Test
    void anAliasToAnUnknownModelIsALoadErrorNamingItsPath() {
        String yaml = BASE + ROUTING.replace("premium: large,", "premium: larg,");

        assertThatThrownBy(() -> read(yaml)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("routing.aliases.auto.tiers.premium: unknown model 'larg' (did you mean 'large'?)");
    }

    @Test
    void unknownTiersFieldsAndDescendingThresholdsAreNamed() {
        String yaml = BASE + """
                routing:
                  aliases:
                    auto:
                      tiers: { utility: mini, workhorse: mini, premium: large }
                      baseline: premum
                      rules: [ { name: r, when: { feature: x, colour: red }, tier: golden } ]
                      classifier: { thresholds: { premium: 0.2, workhorse: 0.5 } }
                """;

        assertThatThrownBy(() -> read(yaml)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("routing.aliases.auto.baseline: unknown tier 'premum'")
                .hasMessageContaining("routing.aliases.auto.rules[0].tier: unknown tier 'golden'")
                .hasMessageContaining("routing.aliases.auto.rules[0].when.colour: unknown field")
                .hasMessageContaining("routing.aliases.auto.classifier.thresholds.workhorse: thresholds must increase");
    }

    @Test
    void anAliasCannotShadowAModel() {
        String yaml = BASE + "routing: { aliases: { mini: { tiers: { a: mini } } } }\n";

        assertThatThrownBy(() -> read(yaml)).hasMessageContaining("routing.aliases.mini: an alias cannot have the name of a model");
    }

    @Test
    void shortPromptWithoutSystemPromptGoesToUtility() {
        assertThat(match(chat("What is 2+2?"), Map.of(), Map.of(), "chat")).isEqualTo("short-prompt");
    }

    @Test
    void aSystemPromptOrALongPromptIsNotShort() {
        String withSystem = """
                {"model":"auto","messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"What is 2+2?"}]}""";
        assertThat(match(withSystem, Map.of(), Map.of(), "chat")).isNull();
        assertThat(match(chat("word ".repeat(40)), Map.of(), Map.of(), "chat")).isNull();
    }

    @Test
    void featureTagHeaderAndEndpointRulesInOrder() {
        String longPrompt = chat("Please write a function that parses ISO dates and returns the weekday, with tests. ".repeat(3));
        assertThat(match(longPrompt, Map.of("feature", "code-generation"), Map.of(), "chat")).isEqualTo("code-generation");
        assertThat(match(longPrompt, Map.of("task-type", "classification"), Map.of(), "chat")).isEqualTo("classification-task");
        assertThat(match(longPrompt, Map.of(), Map.of("x-tollgate-priority", "Critical"), "chat")).isEqualTo("critical");
        assertThat(match("{\"model\":\"auto\",\"input\":\"hello\"}", Map.of(), Map.of(), "embeddings")).isEqualTo("embeddings");
        assertThat(match(longPrompt, Map.of("feature", "chat"), Map.of("x-tollgate-priority", "low"), "chat")).isNull();
    }

    @Test
    void firstMatchWins() {
        // Short and marked critical: short-prompt comes first in the list.
        assertThat(match(chat("Hi"), Map.of(), Map.of("x-tollgate-priority", "critical"), "chat")).isEqualTo("short-prompt");
    }

    @Test
    void toolsImagesJsonModeAndConversationLength() {
        Routing.Condition c = new Routing.Condition(Map.of(), Map.of(), null, null, null, null, true, null, true, 3, null);
        String withToolsAndJson = """
                {"model":"auto","tools":[{"type":"function","function":{"name":"f"}}],"response_format":{"type":"json_object"},
                 "messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},
                   {"role":"user","content":[{"type":"text","text":"see"},{"type":"image_url","image_url":{"url":"data:x"}}]}]}""";
        PromptFacts facts = facts(withToolsAndJson, Map.of(), Map.of(), "chat");
        assertThat(facts.images()).isTrue();
        assertThat(facts.lastUserText()).isEqualTo("see");
        assertThat(RuleMatcher.matches(c, facts)).isTrue();
        assertThat(RuleMatcher.matches(c, facts(chat("a"), Map.of(), Map.of(), "chat"))).isFalse();
    }

    private String match(String body, Map<String, String> attributes, Map<String, String> headers, String operation) {
        Routing.Rule rule = RuleMatcher.firstMatch(auto.rules(), facts(body, attributes, headers, operation));
        return rule == null ? null : rule.name();
    }

    static PromptFacts facts(String body, Map<String, String> attributes, Map<String, String> headers, String operation) {
        JsonNode json = Json.MAPPER.readTree(body);
        Map<String, String> lower = new HashMap<>();
        headers.forEach((k, v) -> lower.put(k.toLowerCase(java.util.Locale.ROOT), v));
        return PromptFacts.of(json, attributes, lower, operation,
                () -> dev.tollgate.support.TokenCounter.countInput((tools.jackson.databind.node.ObjectNode) json));
    }

    static String chat(String text) {
        return "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":" + dev.tollgate.api.JsonBody.quote(text) + "}]}";
    }
}
