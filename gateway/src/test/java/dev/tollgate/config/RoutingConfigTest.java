package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code strategy:} of a model, a deployment's own {@code price:}, and {@code experiments:}. */
class RoutingConfigTest {

    static final String HEAD = """
            providers:
              sim: { type: simulated }
            models:
              m:
                strategy: %s
                deployments:
                  - { provider: sim, model: free, price: { input: 0, output: 0 } }
                  - { provider: sim, model: paid }
                price: { input: 1, output: 2 }
              n: { deployments: [ { provider: sim } ] }
            """;

    static TollgateConfig read(String yaml) {
        return new ConfigReader(name -> null).read(yaml, "test.yaml");
    }

    static void fails(String yaml, String... problems) {
        assertThatThrownBy(() -> read(yaml)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).contains(problems));
    }

    @Test
    void strategyByNameOrWithSettingsAndWeightedByDefault() {
        TollgateConfig c = read(HEAD.formatted("priority"));
        assertThat(c.models().get("m").strategy()).isEqualTo(RoutingStrategy.of(RoutingStrategy.Kind.PRIORITY));
        assertThat(c.models().get("n").strategy()).isEqualTo(RoutingStrategy.WEIGHTED);
        assertThat(read(HEAD.formatted("least-busy")).models().get("m").strategy().kind()).isEqualTo(RoutingStrategy.Kind.LEAST_BUSY);
        RoutingStrategy latency = read(HEAD.formatted("{ type: latency, window: 30s, exploration: 0.2 }")).models().get("m").strategy();
        assertThat(latency).isEqualTo(new RoutingStrategy(RoutingStrategy.Kind.LATENCY, Duration.ofSeconds(30), 0.2));
    }

    @Test
    void aDeploymentsOwnPriceOverridesTheModels() {
        TollgateConfig c = read(HEAD.formatted("cost"));
        assertThat(c.models().get("m").deployments().get(0).price().output()).isEqualByComparingTo(BigDecimal.ZERO);
        assertThat(c.models().get("m").deployments().get(1).price().output()).isEqualByComparingTo("2");
    }

    @Test
    void runtimeOverridesKeepTheStrategyAndTheExperiments() {
        TollgateConfig file = read(HEAD.formatted("priority") + """
                experiments:
                  - { name: e1, model: m, variants: [ { name: a }, { name: b, model: n } ] }
                """);
        TollgateConfig effective = new RuntimeOverrides(List.of(
                new RuntimeOverrides.DeploymentOverride("m", "sim/paid", null, null, 0, null)), List.of()).apply(file).config();
        assertThat(effective.models().get("m").deployments().get(0).id()).as("the override applied").isEqualTo("sim/paid");
        assertThat(effective.models().get("m").strategy().kind()).isEqualTo(RoutingStrategy.Kind.PRIORITY);
        assertThat(effective.experiments()).extracting(Experiment::name).containsExactly("e1");
    }

    @Test
    void badStrategiesAreNamedWithTheirPath() {
        fails(HEAD.formatted("fastest"), "models.m.strategy: unknown strategy 'fastest' (one of weighted, priority, cost, latency, least-busy)");
        fails(HEAD.formatted("{ type: latency, exploration: 2 }"), "models.m.strategy.exploration: a share of calls between 0 and 1, was '2'");
        fails(HEAD.formatted("{ type: cost, window: 1m }"), "models.m.strategy: window and exploration apply only to type latency");
        fails(HEAD.formatted("{ type: latency, windows: 1m }"), "models.m.strategy.windows: unknown setting (allowed: type, window, exploration)");
    }

    @Test
    void experimentsAreReadAndValidated() {
        TollgateConfig c = read(HEAD.formatted("weighted") + """
                experiments:
                  - name: e1
                    model: m
                    unit: key
                    start: 2026-12-01T00:00:00Z
                    variants: [ { name: a, weight: 3 }, { name: b, weight: 1, model: n, strategy: cost } ]
                """);
        Experiment e = c.experiments().get(0);
        assertThat(e.unit()).isEqualTo(Experiment.Unit.KEY);
        assertThat(e.start()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(e.minCalls()).isEqualTo(Experiment.DEFAULT_MIN_CALLS);
        assertThat(e.variants().get(1)).isEqualTo(new Experiment.Variant("b", 1, "n", RoutingStrategy.of(RoutingStrategy.Kind.COST)));
        assertThat(e.activeAt(Instant.parse("2026-11-30T23:59:59Z"))).isFalse();

        fails(HEAD.formatted("weighted") + """
                experiments:
                  - { name: e1, model: nope, variants: [ { name: a }, { name: a, model: gone, weight: -1 } ] }
                  - { name: e1, model: m, variants: [ { name: a } ] }
                  - { name: e2, model: m, end: tomorrow, variants: [ { name: a, weight: 0 }, { name: b, weight: 0 } ] }
                """,
                "experiments[0].model: unknown model 'nope'",
                "experiments[0].variants[1].name: 'a' is used by another variant",
                "experiments[0].variants[1].weight: a whole number, zero or more, was '-1'",
                "experiments[0].variants[1].model: unknown model 'gone'",
                "experiments[1].variants: at least two variants { name, weight, model or strategy } are required",
                "experiments[2].end: expected a UTC time such as 2026-12-01T00:00:00Z, was 'tomorrow'",
                "experiments[2].variants: at least one variant needs a weight above 0");
    }
}
