package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The overlay of runtime overrides on the file's config, as a pure function. */
class RuntimeOverridesTest {

    static final RuntimeOverrides.Change WHO = new RuntimeOverrides.Change("ops", Instant.EPOCH);
    static final TollgateConfig FILE = new ConfigReader(n -> null).read("""
            providers:
              a: { type: simulated }
              b: { type: simulated }
              c: { type: simulated }
            models:
              m:
                deployments: [ { provider: a, model: x }, { provider: b, model: x, weight: 2 }, { provider: c, model: x } ]
            keys:
              - { name: k, key: tg-abcdefgh, team: t, limits: { requests-per-minute: 100 } }
            """, "test");

    static RuntimeOverrides.DeploymentOverride deployment(String id, Boolean enabled, Integer weight, Integer priority) {
        return new RuntimeOverrides.DeploymentOverride("m", id, enabled, weight, priority, WHO);
    }

    @Test
    void drainsReweightsAndReorders() {
        RuntimeOverrides o = new RuntimeOverrides(List.of(deployment("a/x", false, null, null), deployment("b/x", null, 7, null),
                deployment("c/x", null, null, 0)), List.of());
        RuntimeOverrides.Applied applied = o.apply(FILE);
        List<TollgateConfig.Deployment> ds = applied.config().models().get("m").deployments();
        assertThat(ds).extracting(TollgateConfig.Deployment::id).containsExactly("c/x", "b/x");
        assertThat(ds.get(1).weight()).isEqualTo(7);
        assertThat(applied.vanished()).isEmpty();
        assertThat(FILE.models().get("m").deployments()).as("the file's config is untouched").hasSize(3);
    }

    @Test
    void limitsOfKeysAndTeamsReplaceTheFilesAndVanishedTargetsAreReported() {
        TollgateConfig.Limits five = new TollgateConfig.Limits(5L, null, null);
        RuntimeOverrides o = new RuntimeOverrides(List.of(deployment("gone/x", false, null, null)),
                List.of(new RuntimeOverrides.LimitOverride("key", "k", five, WHO), new RuntimeOverrides.LimitOverride("team", "t", five, WHO)));
        RuntimeOverrides.Applied applied = o.apply(FILE);
        assertThat(applied.config().keys().get(0).limits()).isEqualTo(five);
        assertThat(applied.config().rateLimits()).singleElement().satisfies(r -> {
            assertThat(r.name()).isEqualTo(RuntimeOverrides.teamRuleName("t"));
            assertThat(r.per()).isEqualTo("team");
            assertThat(r.match()).containsEntry("team", "t");
            assertThat(r.limits()).isEqualTo(five);
        });
        assertThat(applied.vanished()).containsExactly("deployment m:gone/x");
        assertThat(o.keyLimits("k")).isEqualTo(five);
        assertThat(o.keyLimits("other")).isNull();
    }
}
