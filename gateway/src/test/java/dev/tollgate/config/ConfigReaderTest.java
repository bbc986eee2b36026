package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.support.KeyHash;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigReaderTest {

    private static final String VALID = """
            providers:
              openai:   { type: openai, api-key: ${OPENAI_API_KEY} }
              groq:     { type: groq, api-key: ${GROQ_API_KEY:-none} }
              local:    { type: simulated, ttft: 150ms, tokens-per-second: 80 }
            models:
              gpt-4o-mini:
                deployments: [ { provider: openai, model: gpt-4o-mini } ]
                price: { input: 0.15, cached-input: 0.075, output: 0.60 }
                fallbacks: [ llama-3.3-70b ]
              llama-3.3-70b:
                deployments:
                  - { provider: groq,  model: llama-3.3-70b-versatile, weight: 3 }
                  - { provider: local, model: llama-3.3-70b, weight: 1, timeouts: { first-byte: 2s } }
                price: { input: 0.59, output: 0.79 }
            keys:
              - { name: web-app, key: ${TG_KEY_WEB}, team: growth, project: web, models: [gpt-4o-mini] }
            """;

    private final Map<String, String> env = Map.of("OPENAI_API_KEY", "sk-test", "TG_KEY_WEB", "tg-web-secret");

    private TollgateConfig read(String yaml) {
        return new ConfigReader(env::get).read(yaml, "test.yaml");
    }

    @Test
    void readsTheDocumentedShape() {
        TollgateConfig config = read(VALID);

        TollgateConfig.Provider openai = config.providers().get("openai");
        assertThat(openai.type()).isEqualTo(ProviderType.OPENAI);
        assertThat(openai.baseUrl()).hasToString("https://api.openai.com/v1");
        assertThat(openai.apiKey()).isEqualTo("sk-test");
        assertThat(config.providers().get("groq").baseUrl()).hasToString("https://api.groq.com/openai/v1");
        assertThat(config.providers().get("groq").apiKey()).isEqualTo("none");
        assertThat(config.providers().get("local").simulation().ttft()).isEqualTo(Duration.ofMillis(150));

        TollgateConfig.Model mini = config.models().get("gpt-4o-mini");
        assertThat(mini.price().input()).isEqualByComparingTo(new BigDecimal("0.15"));
        assertThat(mini.price().cachedInput()).isEqualByComparingTo(new BigDecimal("0.075"));
        assertThat(mini.fallbacks()).containsExactly("llama-3.3-70b");
        TollgateConfig.Model llama = config.models().get("llama-3.3-70b");
        assertThat(llama.price().cachedInput()).as("cached input defaults to the input price")
                .isEqualByComparingTo(new BigDecimal("0.59"));
        assertThat(llama.deployments()).extracting(TollgateConfig.Deployment::weight).containsExactly(3, 1);
        assertThat(llama.deployments().get(1).timeouts().firstByte()).isEqualTo(Duration.ofSeconds(2));
        assertThat(llama.deployments().get(0).timeouts()).as("no override: provider's timeouts apply").isNull();

        TollgateConfig.Key key = config.keys().get(0);
        assertThat(key.keyHash()).isEqualTo(KeyHash.sha256("tg-web-secret"));
        assertThat(key.toString()).doesNotContain("tg-web-secret");
        assertThat(openai.toString()).doesNotContain("sk-test");
    }

    @Test
    void namesThePathOfEveryProblem() {
        String yaml = VALID.replace("{ provider: local, model: llama-3.3-70b, weight: 1",
                        "{ provider: opnai, model: llama-3.3-70b, weight: 1")
                .replace("fallbacks: [ llama-3.3-70b ]", "fallbacks: [ llama-3.3-70 ]")
                .replace("ttft: 150ms", "ttft: soon")
                .replace("type: groq,", "type: grok,")
                .replace("project: web,", "projekt: web,");

        assertThatThrownBy(() -> read(yaml))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).contains(
                        "models.llama-3.3-70b.deployments[1].provider: unknown provider 'opnai' (did you mean 'openai'?)",
                        "models.gpt-4o-mini.fallbacks[0]: unknown model 'llama-3.3-70' (did you mean 'llama-3.3-70b'?)",
                        "providers.local.ttft: expected a duration such as 150ms, 2s or 1m, was 'soon'",
                        "keys[0].projekt: unknown field (did you mean 'project'?)"))
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .anyMatch(p -> p.startsWith("providers.groq.type: unknown provider type 'grok'")));
    }

    @Test
    void missingEnvironmentVariableIsAnError() {
        assertThatThrownBy(() -> new ConfigReader(name -> null).read(VALID, "test.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("providers.openai.api-key: environment variable OPENAI_API_KEY is not set")
                .hasMessageContaining("keys[0].key: environment variable TG_KEY_WEB is not set");
    }

    @Test
    void rejectsKeysWithoutPrefixAndDuplicates() {
        String yaml = VALID.replace("keys:\n", """
                keys:
                  - { name: bad, key: sk-nope }
                  - { name: web-app, key-sha256: %s }
                """.formatted(KeyHash.sha256("tg-web-secret")));
        assertThatThrownBy(() -> read(yaml))
                .hasMessageContaining("keys[0].key: virtual keys start with 'tg-'")
                .hasMessageContaining("keys[2].name: duplicate key name 'web-app'")
                .hasMessageContaining("keys[2]: the same key is configured twice");
    }

    @Test
    void invalidYamlSaysWhere() {
        assertThatThrownBy(() -> read("providers: [unclosed"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("not valid YAML")
                .hasMessageContaining("line");
    }

    @Test
    void embeddedDefaultConfigIsValid() throws Exception {
        try (var in = getClass().getClassLoader().getResourceAsStream(ConfigWatcher.EMBEDDED_DEFAULT)) {
            TollgateConfig config = read(new String(in.readAllBytes()));
            assertThat(config.models()).containsKeys("demo-mini", "demo-large", "demo-embed");
            assertThat(config.keys()).extracting(TollgateConfig.Key::keyHash).containsExactly(KeyHash.sha256("tg-demo-key"));
        }
    }

    // ---------------------------------------------------------------- prices

    private static final PriceCatalog CATALOG = PriceCatalog.parse("""
            version: catalog-test-2
            providers:
              openai:
                gpt-4o: { input: 2.50, cached-input: 1.25, output: 10.00, effective: 2024-10-01 }
              anthropic:
                claude-sonnet-4: { input: 3.00, cache-write: 3.75, cached-input: 0.30, output: 15.00, effective: 2025-05-22 }
            """, "test-catalog.yaml");

    private static final String PRICED = """
            providers:
              openai:    { type: openai, api-key: sk }
              anthropic: { type: anthropic, api-key: sk }
              local:     { type: simulated }
            models:
              smart:
                deployments:
                  - { provider: anthropic, model: claude-sonnet-4-20250514 }
                  - { provider: openai, model: gpt-4o-2024-08-06 }
              overridden:
                deployments: [ { provider: openai, model: gpt-4o } ]
                price: { input: 1, output: 2, cache-write: 1.5, version: negotiated-2026 }
              unknown:
                deployments: [ { provider: local, model: toy }, { provider: openai, model: gpt-5-ultra } ]
            """;

    private TollgateConfig readPriced(String yaml) {
        return new ConfigReader(env::get, CATALOG).read(yaml, "test.yaml");
    }

    @Test
    void deploymentsWithoutAConfigPriceArePricedFromTheCatalog() {
        TollgateConfig config = readPriced(PRICED);
        TollgateConfig.Model smart = config.models().get("smart");
        assertThat(smart.price()).isNull();
        TollgateConfig.Price claude = smart.deployments().get(0).price();
        assertThat(claude.input()).isEqualByComparingTo("3.00");
        assertThat(claude.cacheWrite()).isEqualByComparingTo("3.75");
        assertThat(claude.version()).isEqualTo("catalog-test-2");
        assertThat(smart.deployments().get(1).price().output()).as("snapshot rule").isEqualByComparingTo("10.00");
    }

    @Test
    void aConfigPriceOverridesTheCatalogWhole() {
        TollgateConfig.Model m = readPriced(PRICED).models().get("overridden");
        TollgateConfig.Price p = m.deployments().get(0).price();
        assertThat(p).isEqualTo(m.price());
        assertThat(p.input()).isEqualByComparingTo("1");
        assertThat(p.cachedInput()).as("not given: not taken from the catalog but the config's input").isEqualByComparingTo("1");
        assertThat(p.cacheWrite()).isEqualByComparingTo("1.5");
        assertThat(p.version()).isEqualTo("negotiated-2026");
    }

    @Test
    void modelsNobodyPricesHaveNoPrice() {
        TollgateConfig.Model m = readPriced(PRICED).models().get("unknown");
        assertThat(m.deployments()).extracting(TollgateConfig.Deployment::price).containsOnlyNulls();
    }

    @Test
    void cacheWriteDefaultsToTheInputPrice() {
        TollgateConfig.Price p = read(VALID).models().get("llama-3.3-70b").price();
        assertThat(p.cacheWrite()).isEqualByComparingTo("0.59");
    }

    @Test
    void cacheWriteIsValidatedWithItsPath() {
        assertThatThrownBy(() -> read(VALID.replace("price: { input: 0.59, output: 0.79 }",
                "price: { input: 0.59, output: 0.79, cache-write: lots, cache-writes: 1 }")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).contains(
                        "models.llama-3.3-70b.price.cache-write: expected a decimal number of USD per 1M tokens, was 'lots'",
                        "models.llama-3.3-70b.price.cache-writes: unknown field (did you mean 'cache-write'?)"));
    }
}
