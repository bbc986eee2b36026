package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InsightsConfigTest {

    static final String BASE = """
            providers:
              sim: { type: simulated }
            models:
              m: { deployments: [ { provider: sim } ] }
            """;

    static TollgateConfig read(String insights) {
        return new ConfigReader(Map.<String, String>of()::get).read(BASE + insights, "test.yaml");
    }

    @Test
    void defaultsAreTheSeedsThresholds() {
        Insights.Recommendations r = read("").insights().recommendations();
        assertThat(r.window()).isEqualTo(Duration.ofDays(30));
        assertThat(r.downgradeMaxInputTokens()).isEqualTo(500);
        assertThat(r.downgradeMaxOutputTokens()).isEqualTo(200);
        assertThat(r.errorRate()).isEqualTo(0.05);
        assertThat(r.longPromptMinInputTokens()).isEqualTo(2000);
        assertThat(r.promptReduction()).isEqualByComparingTo("0.30");
    }

    @Test
    void everyThresholdCanBeSet() {
        TollgateConfig c = read("""
                insights:
                  recommendations:
                    every: 1h
                    model-downgrade: { premium-input-price: 5, to: m, min-calls: 10 }
                    error-waste: { min-error-rate: 0.02 }
                  anomalies: { threshold: 4, min-spend-increase: 0.5, history-days: 14 }
                """);
        assertThat(c.insights().recommendations().every()).isEqualTo(Duration.ofHours(1));
        assertThat(c.insights().recommendations().premiumInputPrice()).isEqualByComparingTo(BigDecimal.valueOf(5));
        assertThat(c.insights().recommendations().downgradeTo()).isEqualTo("m");
        assertThat(c.insights().recommendations().errorRate()).isEqualTo(0.02);
        assertThat(c.insights().anomalies().threshold()).isEqualTo(4);
        assertThat(c.insights().anomalies().historyDays()).isEqualTo(14);
    }

    @Test
    void mistakesAreNamedWithTheirPath() {
        assertThatThrownBy(() -> read("""
                insights:
                  recommendations:
                    every: often
                    error-waste: { min-error-rate: 5 }
                    caching: { min-repeat: 3 }
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("insights.recommendations.every: expected a duration")
                .hasMessageContaining("insights.recommendations.error-waste.min-error-rate: expected a fraction between 0 and 1")
                .hasMessageContaining("insights.recommendations.caching.min-repeat: unknown setting");
    }
}
