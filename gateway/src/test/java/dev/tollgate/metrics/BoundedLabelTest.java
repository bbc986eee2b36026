package dev.tollgate.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class BoundedLabelTest {

    @Test
    void keepsTheFirstValuesAndReportsTheRestAsOther() {
        BoundedLabel label = new BoundedLabel(2);
        assertThat(label.value("a")).isEqualTo("a");
        assertThat(label.value("b")).isEqualTo("b");
        assertThat(label.value("c")).isEqualTo("other");
        assertThat(label.value("a")).isEqualTo("a");
        assertThat(label.value(null)).isEqualTo("none");
    }

    @Test
    void spendOfTeamsBeyondTheCapIsSummedUnderOther() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        GatewayMetrics metrics = new GatewayMetrics(registry);
        GatewayMetrics.CallTags call = GatewayMetrics.tags("chat", "m", "p");
        for (int i = 0; i < GatewayMetrics.MAX_TEAMS + 5; i++) {
            metrics.cost(call, "team-" + i, new BigDecimal("0.25"));
            metrics.cacheSaved(call, "team-" + i, new BigDecimal("0.5"));
        }
        assertThat(registry.find("tollgate.cost").counters()).hasSize(GatewayMetrics.MAX_TEAMS + 1);
        assertThat(registry.get("tollgate.cost").tag("team", "other").counter().count()).isEqualTo(1.25);
        assertThat(registry.get("tollgate.cache.saved").tag("team", "other").counter().count()).isEqualTo(2.5);
        assertThat(registry.get("tollgate.cache.saved").tag("team", "team-0").counter().count()).isEqualTo(0.5);
    }
}
