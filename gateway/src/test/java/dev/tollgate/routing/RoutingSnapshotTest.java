package dev.tollgate.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.ConfigListener;
import dev.tollgate.config.ConfigReader;
import dev.tollgate.config.ConfigWatcher;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.support.KeyHash;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A request keeps the routing snapshot it was authenticated against; a refused reload leaves nothing behind. */
class RoutingSnapshotTest {

    static final String V1 = """
            providers:
              a: { type: simulated }
              b: { type: simulated }
            models:
              m: { deployments: [ { provider: a } ], fallbacks: [ f ] }
              f: { deployments: [ { provider: b } ] }
            keys:
              - { name: old, key: tg-old-key-123, models: [ m ] }
            """;
    static final String V2 = """
            providers:
              c: { type: simulated }
            models:
              other: { deployments: [ { provider: c } ] }
            keys:
              - { name: new, key: tg-new-key-123, models: [ other ] }
            """;

    final CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
    final RoutingTable table = new RoutingTable(p -> null, breakers);

    @Test
    void aRequestResolvesItsKeyRouteAndFallbacksInTheSnapshotItStartedWith() {
        ConfigReader reader = new ConfigReader(n -> null);
        table.prepare(reader.read(V1, "v1")).run();
        RoutingTable.Snapshot taken = table.snapshot();

        table.prepare(reader.read(V2, "v2")).run();

        assertThat(taken.fileKey(KeyHash.sha256("tg-old-key-123")).name()).isEqualTo("old");
        assertThat(taken.fileKey(KeyHash.sha256("tg-new-key-123"))).as("a new key is not in an old snapshot").isNull();
        ModelRoute m = taken.route("m");
        List<DeploymentTarget> plan = table.plan(taken, m, RequestNeeds.NOTHING).targets();
        assertThat(plan).extracting(t -> t.deployment().provider()).as("fallback resolved in the same snapshot").containsExactly("a", "b");

        RoutingTable.Snapshot live = table.snapshot();
        assertThat(live.route("m")).isNull();
        assertThat(live.fileKey(KeyHash.sha256("tg-old-key-123"))).isNull();
        assertThat(live.fileKey(KeyHash.sha256("tg-new-key-123")).name()).isEqualTo("new");
    }

    @Test
    void aReloadRefusedByALaterListenerUndoesWhatEarlierOnesPrepared(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tollgate.yaml");
        Files.writeString(file, V1);
        AtomicBoolean refuse = new AtomicBoolean();
        ConfigListener picky = config -> {
            if (refuse.get()) {
                throw new IllegalStateException("refused by a later listener");
            }
            return () -> {};
        };
        ConfigWatcher watcher = new ConfigWatcher(file, new ConfigReader(n -> null), List.of(table, picky), new SimpleMeterRegistry());
        watcher.loadInitial();
        assertThat(breakers.getAllCircuitBreakers()).hasSize(2);
        int before = 2;

        refuse.set(true);
        Files.writeString(file, V2);
        List<String> problems = watcher.reload();

        assertThat(problems).containsExactly("refused by a later listener");
        assertThat(breakers.getAllCircuitBreakers()).as("no breaker left for the refused config's deployments")
                .hasSize(before)
                .noneMatch(cb -> cb.getName().startsWith("c"));
        assertThat(table.snapshot().route("m")).as("the running config stays").isNotNull();
        assertThat(watcher.current().config().models()).containsKey("m");
        TollgateConfig running = watcher.current().config();
        assertThat(running.keys()).extracting(TollgateConfig.Key::name).containsExactly("old");
    }
}
