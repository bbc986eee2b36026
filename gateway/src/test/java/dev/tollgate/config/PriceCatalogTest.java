package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.config.TollgateConfig.Price;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PriceCatalogTest {

    private static final LocalDate TODAY = LocalDate.of(2026, 11, 25);

    private static final PriceCatalog CATALOG = PriceCatalog.parse("""
            version: catalog-test-1
            providers:
              openai:
                gpt-4o: { input: 2.50, cached-input: 1.25, output: 10.00, effective: 2024-10-01 }
                gpt-4o-2024-05-13: { input: 5.00, output: 15.00, effective: 2024-05-13 }
                gpt-9:
                  - { input: 1.00, output: 2.00, effective: 2026-01-01 }
                  - { input: 0.50, output: 1.00, effective: 2027-01-01 }
              azure: { same-as: openai }
              anthropic:
                claude-sonnet-4: { input: 3.00, cache-write: 3.75, cached-input: 0.30, output: 15.00, effective: 2025-05-22, aliases: [claude-sonnet-4-0] }
              bedrock:
                anthropic.claude-sonnet-4-20250514-v1:0: { input: 3.00, cache-write: 3.75, cached-input: 0.30, output: 15.00, effective: 2025-05-22 }
            """, "test-catalog.yaml");

    private static Price find(ProviderType type, String model) {
        return CATALOG.lookup(type, model, TODAY).orElse(null);
    }

    @Test
    void exactIdFindsItsPrice() {
        Price p = find(ProviderType.OPENAI, "gpt-4o");
        assertThat(p.input()).isEqualByComparingTo("2.50");
        assertThat(p.cachedInput()).isEqualByComparingTo("1.25");
        assertThat(p.output()).isEqualByComparingTo("10.00");
        assertThat(p.version()).isEqualTo("catalog-test-1");
        assertThat(find(ProviderType.OPENAI, "GPT-4o")).as("ids compare case-insensitively").isEqualTo(p);
    }

    @Test
    void aDatedSnapshotFindsItsFamily() {
        assertThat(find(ProviderType.OPENAI, "gpt-4o-2024-08-06")).isEqualTo(find(ProviderType.OPENAI, "gpt-4o"));
        assertThat(find(ProviderType.ANTHROPIC, "claude-sonnet-4-20250514").cacheWrite()).isEqualByComparingTo("3.75");
    }

    @Test
    void aSnapshotWithAPriceOfItsOwnBeatsTheFamily() {
        assertThat(find(ProviderType.OPENAI, "gpt-4o-2024-05-13").input()).isEqualByComparingTo("5.00");
    }

    @Test
    void aliasesAndSameAsProviders() {
        assertThat(find(ProviderType.ANTHROPIC, "claude-sonnet-4-0")).isEqualTo(find(ProviderType.ANTHROPIC, "claude-sonnet-4"));
        assertThat(find(ProviderType.AZURE, "gpt-4o")).as("azure lists OpenAI's prices").isEqualTo(find(ProviderType.OPENAI, "gpt-4o"));
    }

    @Test
    void bedrockInferenceProfilesFindTheRegionalModel() {
        Price regional = find(ProviderType.BEDROCK, "anthropic.claude-sonnet-4-20250514-v1:0");
        assertThat(regional).isNotNull();
        assertThat(find(ProviderType.BEDROCK, "us.anthropic.claude-sonnet-4-20250514-v1:0")).isEqualTo(regional);
        assertThat(find(ProviderType.BEDROCK, "eu.anthropic.claude-sonnet-4-20250514-v1:0")).isEqualTo(regional);
    }

    @Test
    void unknownModelsAndProvidersHaveNoPrice() {
        assertThat(find(ProviderType.OPENAI, "gpt-4o-mini")).as("no prefix matching: a different model").isNull();
        assertThat(find(ProviderType.OPENAI, "my-gpt-4o")).isNull();
        assertThat(find(ProviderType.GROQ, "gpt-4o")).as("prices are per provider type").isNull();
        assertThat(find(ProviderType.OPENAI_COMPATIBLE, "gpt-4o")).isNull();
        assertThat(find(ProviderType.SIMULATED, "anything")).isNull();
    }

    @Test
    void theLatestPriceInEffectApplies() {
        assertThat(find(ProviderType.OPENAI, "gpt-9").input()).isEqualByComparingTo("1.00");
        assertThat(CATALOG.lookup(ProviderType.OPENAI, "gpt-9", LocalDate.of(2027, 2, 1)).orElseThrow().input())
                .isEqualByComparingTo("0.50");
        assertThat(CATALOG.lookup(ProviderType.OPENAI, "gpt-9", LocalDate.of(2025, 12, 31))).isEmpty();
    }

    @Test
    void cacheFieldsLeftOutCostWhatInputCosts() {
        Price p = find(ProviderType.OPENAI, "gpt-4o");
        assertThat(p.cacheWrite()).isEqualByComparingTo("2.50");
        assertThat(find(ProviderType.OPENAI, "gpt-4o-2024-05-13").cachedInput()).isEqualByComparingTo("5.00");
    }

    @Test
    void mistakesAreReportedWithTheirPath() {
        assertThatThrownBy(() -> PriceCatalog.parse("""
                version: v
                providers:
                  openai:
                    gpt-x: { input: -1, output: abc, effective: 2025-13-01, cahed-input: 1 }
                  opnai:
                    gpt-y: { input: 1, output: 1, effective: 2025-01-01 }
                  azure: { same-as: groq }
                """, "bad.yaml"))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).contains(
                        "providers.openai.gpt-x.input: a price cannot be negative",
                        "providers.openai.gpt-x.output: expected a decimal number of USD per 1M tokens",
                        "providers.openai.gpt-x.effective: required, a date such as 2025-06-01",
                        "providers.openai.gpt-x.cahed-input: unknown field",
                        "providers.azure.same-as: 'groq' has no prices of its own"))
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .anyMatch(p -> p.startsWith("providers.opnai: unknown provider type")));
    }

    @Test
    void theShippedCatalogLoadsAndPricesTheMajorModels() {
        PriceCatalog shipped = PriceCatalog.defaults();
        assertThat(shipped.version()).startsWith("catalog-");
        assertThat(shipped.entries()).hasSizeGreaterThan(20);
        Map<ProviderType, String> samples = Map.of(
                ProviderType.OPENAI, "gpt-4o-2024-08-06",
                ProviderType.AZURE, "gpt-4.1-mini",
                ProviderType.ANTHROPIC, "claude-sonnet-4-5-20250929",
                ProviderType.GEMINI, "gemini-2.5-flash",
                ProviderType.BEDROCK, "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
                ProviderType.GROQ, "llama-3.3-70b-versatile");
        samples.forEach((type, model) -> assertThat(shipped.lookup(type, model)).as(type + " " + model).isPresent());
        // Anthropic's 5-minute cache writes cost 1.25x input and cache reads 0.1x, in every Claude entry.
        for (PriceCatalog.Entry e : shipped.entries()) {
            // Claude 3 Haiku is the exception in Anthropic's own table ($0.30 writes, $0.03 reads on $0.25 input).
            if (e.model().contains("claude") && !e.model().equals("claude-3-haiku")) {
                assertThat(e.price().cacheWrite()).as(e.model()).isEqualByComparingTo(e.price().input().multiply(new BigDecimal("1.25")));
                assertThat(e.price().cachedInput()).as(e.model()).isEqualByComparingTo(e.price().input().multiply(new BigDecimal("0.1")));
            }
            assertThat(e.price().output()).as(e.model()).isPositive();
        }
    }
}
