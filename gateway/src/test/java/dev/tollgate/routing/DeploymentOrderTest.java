package dev.tollgate.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.RoutingStrategy;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.config.TollgateConfig.Capabilities;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Each strategy's order of a model's deployments; the fallback executor walks it. */
class DeploymentOrderTest {

    static final RoutingStrategy LATENCY = new RoutingStrategy(RoutingStrategy.Kind.LATENCY, Duration.ofMinutes(1), 0.1);

    static DeploymentTarget target(String provider, Capabilities caps, String input, String output) {
        TollgateConfig.Price price = input == null ? null
                : new TollgateConfig.Price(new BigDecimal(input), new BigDecimal(input), new BigDecimal(input), new BigDecimal(output), "t");
        TollgateConfig.Deployment d = new TollgateConfig.Deployment(provider, "up", 1, null, null, caps, price);
        return new DeploymentTarget("m", d, null, null, null, TollgateConfig.Timeouts.DEFAULTS, price, new Cooldown(), new DeploymentStats());
    }

    static DeploymentTarget target(String provider) {
        return target(provider, Capabilities.UNKNOWN, "1", "1");
    }

    static List<String> ids(List<DeploymentTarget> targets) {
        return targets.stream().map(t -> t.deployment().provider()).toList();
    }

    static List<String> order(RoutingStrategy s, List<DeploymentTarget> ts, RequestNeeds needs, double random) {
        return ids(DeploymentOrder.order(s, ts, needs, 1000, () -> random));
    }

    @Test
    void priorityKeepsTheListedOrderWhateverTheWeights() {
        List<DeploymentTarget> ts = List.of(target("free"), target("cheap"), target("paid"));
        for (int i = 0; i < 20; i++) {
            assertThat(order(RoutingStrategy.of(RoutingStrategy.Kind.PRIORITY), ts, RequestNeeds.NOTHING, 0.5))
                    .containsExactly("free", "cheap", "paid");
        }
    }

    @Test
    void costPutsTheCheapestEstimateFirstAndUnpricedLast() {
        DeploymentTarget unpriced = target("unpriced", Capabilities.UNKNOWN, null, null);
        DeploymentTarget premium = target("premium", Capabilities.UNKNOWN, "3", "15");
        // Cheap input, dear output: cheapest for a long prompt with a short answer only.
        DeploymentTarget reader = target("reader", Capabilities.UNKNOWN, "0.10", "8");
        DeploymentTarget mini = target("mini", Capabilities.UNKNOWN, "0.50", "1.50");
        List<DeploymentTarget> ts = List.of(unpriced, premium, reader, mini);
        RequestNeeds shortPromptLongAnswer = new RequestNeeds(false, false, false, false, 1000, () -> 10);
        assertThat(order(RoutingStrategy.of(RoutingStrategy.Kind.COST), ts, shortPromptLongAnswer, 0))
                .containsExactly("mini", "reader", "premium", "unpriced");
        // 100,000 in × 0.10 + 10 out × 8 = 10,080 against 100,000 × 0.50 + 10 × 1.50 = 50,015.
        RequestNeeds longPromptShortAnswer = new RequestNeeds(false, false, false, false, 10, () -> 100_000);
        assertThat(order(RoutingStrategy.of(RoutingStrategy.Kind.COST), ts, longPromptShortAnswer, 0))
                .containsExactly("reader", "mini", "premium", "unpriced");
        // No max_tokens: the model's max-output-tokens (1000 here) is assumed.
        RequestNeeds noLimit = new RequestNeeds(false, false, false, false, null, () -> 10);
        assertThat(order(RoutingStrategy.of(RoutingStrategy.Kind.COST), ts, noLimit, 0).get(0)).isEqualTo("mini");
    }

    @Test
    void costDoesNotCountInputTokensWhenEveryInputPriceIsTheSame() {
        AtomicInteger counted = new AtomicInteger();
        RequestNeeds needs = new RequestNeeds(false, false, false, false, 100, () -> {
            counted.incrementAndGet();
            return 50;
        });
        List<DeploymentTarget> ts = List.of(target("a", Capabilities.UNKNOWN, "1", "4"), target("b", Capabilities.UNKNOWN, "1.0", "2"));
        assertThat(order(RoutingStrategy.of(RoutingStrategy.Kind.COST), ts, needs, 0)).containsExactly("b", "a");
        assertThat(counted).hasValue(0);
    }

    @Test
    void costPlanIsTheCheapestDeploymentThatCanServeTheRequest() {
        DeploymentTarget textOnly = target("text-only", new Capabilities(null, false, null, null, null, null), "0.1", "0.4");
        DeploymentTarget vision = target("vision", new Capabilities(null, true, null, null, null, null), "2.5", "10");
        DeploymentTarget cheaperVision = target("cheaper-vision", new Capabilities(null, true, null, null, null, null), "1", "4");
        List<DeploymentTarget> ordered = DeploymentOrder.order(RoutingStrategy.of(RoutingStrategy.Kind.COST),
                List.of(vision, textOnly, cheaperVision), RequestNeeds.NOTHING, 100, () -> 0);
        RequestNeeds image = RequestNeeds.of(CapabilityRoutingTest.chat(CapabilityRoutingTest.IMAGE), () -> 10);
        RoutingTable.Plan plan = RoutingTable.filter(ordered, image);
        assertThat(ids(plan.targets())).containsExactly("cheaper-vision", "vision");
        assertThat(plan.skipped()).extracting(s -> s.target().deployment().provider()).containsExactly("text-only");
    }

    @Test
    void latencyPrefersTheFastestRecentMedianAndTriesUnmeasuredDeploymentsFirst() {
        DeploymentTarget slow = target("slow");
        DeploymentTarget fast = target("fast");
        DeploymentTarget failing = target("failing");
        DeploymentTarget fresh = target("fresh");
        for (int i = 0; i < 5; i++) {
            slow.stats().record(400_000_000L, false);
            fast.stats().record(20_000_000L, false);
            failing.stats().record(1_000_000L, true); // fails fast: still last
        }
        List<DeploymentTarget> ts = List.of(slow, failing, fast, fresh);
        assertThat(order(LATENCY, ts, RequestNeeds.NOTHING, 0.5)).containsExactly("fresh", "fast", "slow", "failing");
    }

    @Test
    void latencyForgetsOldSlownessAfterAFewFastAttempts() {
        DeploymentTarget a = target("a");
        DeploymentTarget b = target("b");
        for (int i = 0; i < 50; i++) {
            a.stats().record(500_000_000L, false);
            b.stats().record(100_000_000L, false);
        }
        List<DeploymentTarget> ts = List.of(a, b);
        assertThat(order(LATENCY, ts, RequestNeeds.NOTHING, 0.5)).containsExactly("b", "a");
        // a recovered: two exploring calls are not enough, three of the last five are.
        for (int i = 0; i < 2; i++) {
            a.stats().record(10_000_000L, false);
        }
        assertThat(order(LATENCY, ts, RequestNeeds.NOTHING, 0.5)).containsExactly("b", "a");
        a.stats().record(10_000_000L, false);
        assertThat(order(LATENCY, ts, RequestNeeds.NOTHING, 0.5)).containsExactly("a", "b");
    }

    @Test
    void latencyExploresWithTheConfiguredShareOfCalls() {
        DeploymentTarget slow = target("slow");
        DeploymentTarget fast = target("fast");
        slow.stats().record(900_000_000L, false);
        fast.stats().record(1_000_000L, false);
        List<DeploymentTarget> ts = List.of(slow, fast);
        // Not exploring (the draw is at or above the share): measured order.
        assertThat(order(LATENCY, ts, RequestNeeds.NOTHING, 0.1)).containsExactly("fast", "slow");
        // Exploring: a random order, so the slow one comes first about half of those calls.
        Set<String> firsts = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            firsts.add(order(LATENCY, ts, RequestNeeds.NOTHING, 0.05).get(0));
        }
        assertThat(firsts).containsExactlyInAnyOrder("slow", "fast");
    }

    @Test
    void leastBusyPutsTheDeploymentWithFewestCallsInFlightFirst() {
        DeploymentTarget a = target("a");
        DeploymentTarget b = target("b");
        DeploymentTarget c = target("c");
        a.stats().started();
        a.stats().started();
        b.stats().started();
        List<DeploymentTarget> ts = List.of(a, b, c);
        RoutingStrategy leastBusy = RoutingStrategy.of(RoutingStrategy.Kind.LEAST_BUSY);
        assertThat(order(leastBusy, ts, RequestNeeds.NOTHING, 0)).containsExactly("c", "b", "a");
        a.stats().ended();
        a.stats().ended();
        assertThat(order(leastBusy, ts, RequestNeeds.NOTHING, 0)).containsExactly("a", "c", "b");
    }
}
