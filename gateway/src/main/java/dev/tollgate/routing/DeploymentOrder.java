package dev.tollgate.routing;

import dev.tollgate.config.RoutingStrategy;
import dev.tollgate.config.TollgateConfig;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * The order a model's deployments are tried in, by the model's {@link RoutingStrategy}. Every
 * strategy returns all deployments (a whole plan for the fallback executor to walk): a strategy
 * only decides who goes first, the executor still skips a deployment whose circuit is open, that
 * is cooling down or that is at its provider limits, and moves on after a retryable failure.
 */
public final class DeploymentOrder {

    /** How many of a deployment's most recent attempts the latency strategy looks at. */
    static final int LATENCY_SAMPLES = 5;

    private DeploymentOrder() {}

    public static List<DeploymentTarget> order(ModelRoute route, RequestNeeds needs) {
        return order(route, needs, null);
    }

    /** {@code strategy} instead of the model's own when not null. */
    public static List<DeploymentTarget> order(ModelRoute route, RequestNeeds needs, RoutingStrategy strategy) {
        return order(strategy != null ? strategy : route.model().strategy(), route.deployments(), needs, route.model().maxOutputTokens(),
                () -> ThreadLocalRandom.current().nextDouble());
    }

    static List<DeploymentTarget> order(RoutingStrategy strategy, List<DeploymentTarget> deployments, RequestNeeds needs,
            int defaultMaxOutput, DoubleSupplier random) {
        if (deployments.size() == 1) {
            return deployments;
        }
        return switch (strategy.kind()) {
            case WEIGHTED -> RoutingTable.weightedOrder(deployments);
            case PRIORITY -> deployments;
            case COST -> byCost(deployments, needs, defaultMaxOutput);
            case LATENCY -> byLatency(deployments, strategy, random);
            case LEAST_BUSY -> leastBusy(deployments);
        };
    }

    /**
     * Cheapest first by the estimated cost of this request: its input tokens at the input price
     * plus the output it may generate (its {@code max_tokens}, else the model's
     * {@code max-output-tokens}) at the output price. Unpriced deployments go last, in list order.
     * The input is only counted when input prices differ.
     */
    static List<DeploymentTarget> byCost(List<DeploymentTarget> deployments, RequestNeeds needs, int defaultMaxOutput) {
        long output = needs.maxOutputTokens() != null ? needs.maxOutputTokens() : defaultMaxOutput;
        boolean sameInputPrice = deployments.stream().map(DeploymentTarget::price)
                .map(p -> p == null ? null : p.input().stripTrailingZeros()).distinct().count() == 1;
        long input = sameInputPrice ? 0 : needs.inputTokens().getAsInt();
        List<DeploymentTarget> sorted = new ArrayList<>(deployments);
        // List.sort is stable: equal costs keep the config order.
        sorted.sort(Comparator.comparing((DeploymentTarget t) -> estimate(t.price(), input, output),
                Comparator.nullsLast(Comparator.naturalOrder())));
        return sorted;
    }

    /** Price per million tokens times tokens; the scale does not matter for ordering. */
    static BigDecimal estimate(TollgateConfig.Price price, long inputTokens, long outputTokens) {
        if (price == null) {
            return null;
        }
        return price.input().multiply(BigDecimal.valueOf(inputTokens)).add(price.output().multiply(BigDecimal.valueOf(outputTokens)));
    }

    /**
     * Lowest median latency of the last few attempts first (a failed attempt counts as endlessly
     * slow). A deployment without recent attempts goes first: it is unknown, so it is measured.
     * With probability {@code exploration} the order is random instead, so a deployment that was
     * slow and is left alone gets attempts again and can show it recovered.
     */
    static List<DeploymentTarget> byLatency(List<DeploymentTarget> deployments, RoutingStrategy strategy, DoubleSupplier random) {
        List<DeploymentTarget> sorted = new ArrayList<>(deployments);
        if (random.getAsDouble() < strategy.exploration()) {
            Collections.shuffle(sorted, ThreadLocalRandom.current());
            return sorted;
        }
        long[] keys = new long[sorted.size()];
        List<Integer> index = new ArrayList<>(sorted.size());
        for (int i = 0; i < sorted.size(); i++) {
            Long median = sorted.get(i).stats().recentMedianMillis(LATENCY_SAMPLES, strategy.window());
            keys[i] = median == null ? -1 : median;
            index.add(i);
        }
        index.sort(Comparator.comparingLong(i -> keys[i]));
        List<DeploymentTarget> order = new ArrayList<>(sorted.size());
        index.forEach(i -> order.add(sorted.get(i)));
        return order;
    }

    /** Fewest attempts in flight first; ties keep the config order. Counted per replica. */
    static List<DeploymentTarget> leastBusy(List<DeploymentTarget> deployments) {
        int[] busy = new int[deployments.size()];
        List<Integer> index = new ArrayList<>(deployments.size());
        for (int i = 0; i < deployments.size(); i++) {
            busy[i] = deployments.get(i).stats().inFlight();
            index.add(i);
        }
        index.sort(Comparator.comparingInt(i -> busy[i]));
        List<DeploymentTarget> order = new ArrayList<>(deployments.size());
        index.forEach(i -> order.add(deployments.get(i)));
        return order;
    }
}
