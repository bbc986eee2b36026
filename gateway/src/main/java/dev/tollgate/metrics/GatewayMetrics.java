package dev.tollgate.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The gateway's own meters, named after the OpenTelemetry GenAI semantic conventions where one
 * exists ({@code gen_ai.client.token.usage}, {@code gen_ai.client.operation.duration},
 * {@code gen_ai.server.time_to_first_token}) and {@code tollgate.*} otherwise.
 *
 * <p>Meters are looked up once per distinct tag combination and kept: building a meter id (tag
 * sorting, hashing, the registry's map) on every call costs more than recording into it.
 */
public class GatewayMetrics {

    /** At most this many distinct {@code team} values on the spend meters (the usage store keeps them all). */
    public static final int MAX_TEAMS = 100;

    /** The dimensions shared by a call's meters. */
    public record CallTags(String operation, String model, String provider) {
        Tags tags() {
            return Tags.of("gen_ai.operation.name", operation, "gen_ai.request.model", nonNull(model),
                    "gen_ai.provider.name", nonNull(provider));
        }
    }

    private record Outcome(CallTags call, int status, String errorType) {}

    private record Typed(CallTags call, String type) {}

    private record Spend(CallTags call, String team) {}

    private final MeterRegistry registry;
    private final Map<Outcome, Counter> requests = new ConcurrentHashMap<>();
    private final Map<Outcome, Timer> durations = new ConcurrentHashMap<>();
    private final Map<CallTags, Timer> ttft = new ConcurrentHashMap<>();
    private final Map<Typed, DistributionSummary> tokens = new ConcurrentHashMap<>();
    private final Map<Spend, Counter> cost = new ConcurrentHashMap<>();
    private final Map<CallTags, Counter> unknownCost = new ConcurrentHashMap<>();
    private final Map<Spend, Counter> cacheSaved = new ConcurrentHashMap<>();
    /** Distinct teams on the spend meters; the rest are summed under {@code team="other"}. */
    private final BoundedLabel teams = new BoundedLabel(MAX_TEAMS);
    private final Map<String, Counter> fallbacks = new ConcurrentHashMap<>();
    private final Map<String, Counter> skipped = new ConcurrentHashMap<>();

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public static CallTags tags(String operation, String model, String provider) {
        return new CallTags(operation, model, provider);
    }

    public void call(CallTags call, int status, String errorType, Duration latency) {
        Outcome outcome = new Outcome(call, status, errorType);
        get(requests, outcome, o -> Counter.builder("tollgate.requests").description("LLM calls through the gateway")
                .tags(o.call().tags().and("http.response.status_code", Integer.toString(o.status()))).register(registry))
                .increment();
        get(durations, outcome, o -> Timer.builder("gen_ai.client.operation.duration").description("Duration of LLM calls as seen by clients")
                .tags(o.call().tags().and("error.type", o.errorType() == null ? "none" : o.errorType()))
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(5)).register(registry))
                .record(latency.toNanos(), TimeUnit.NANOSECONDS);
    }

    public void timeToFirstToken(CallTags call, Duration value) {
        get(ttft, call, c -> Timer.builder("gen_ai.server.time_to_first_token").description("Time from request to the first streamed chunk")
                .tags(c.tags()).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(2)).register(registry))
                .record(value.toNanos(), TimeUnit.NANOSECONDS);
    }

    public void tokens(CallTags call, String type, long count) {
        if (count <= 0) {
            return;
        }
        get(tokens, new Typed(call, type), t -> DistributionSummary.builder("gen_ai.client.token.usage").description("Tokens per call by type")
                .tags(t.call().tags().and("gen_ai.token.type", t.type())).register(registry))
                .record(count);
    }

    public void cost(CallTags call, String team, BigDecimal usd) {
        if (usd == null) {
            get(unknownCost, call, c -> Counter.builder("tollgate.cost.unknown").description("Calls whose model has no price")
                    .tags(c.tags()).register(registry)).increment();
            return;
        }
        get(cost, new Spend(call, teams.value(team)), s -> Counter.builder("tollgate.cost").description("Spend in USD").baseUnit("usd")
                .tags(s.call().tags().and("team", s.team())).register(registry))
                .increment(usd.doubleValue());
    }

    /** What a cache hit saved: the cost of the answer when a provider first produced it. */
    public void cacheSaved(CallTags call, String team, BigDecimal usd) {
        if (usd == null || usd.signum() <= 0) {
            return;
        }
        get(cacheSaved, new Spend(call, teams.value(team)), s -> Counter.builder("tollgate.cache.saved")
                .description("Spend avoided by cache hits, in USD").baseUnit("usd")
                .tags(s.call().tags().and("team", s.team())).register(registry))
                .increment(usd.doubleValue());
    }

    public void fallback(String toDeployment) {
        get(fallbacks, toDeployment, d -> Counter.builder("tollgate.fallbacks").description("Moves to another deployment after a failure")
                .tag("to", d).register(registry)).increment();
    }

    /** A deployment left out of a call's plan because it lacks {@code capability} (vision, tools, ...). */
    public void deploymentSkipped(String capability) {
        get(skipped, capability, c -> Counter.builder("tollgate.deployments.skipped")
                .description("Deployments left out of a call's plan because they lack a capability the request needs")
                .tag("reason", c).register(registry)).increment();
    }

    private static <K, M> M get(Map<K, M> cache, K key, Function<K, M> create) {
        M meter = cache.get(key);
        return meter != null ? meter : cache.computeIfAbsent(key, create);
    }

    private static String nonNull(String s) {
        return s == null ? "none" : s;
    }
}
