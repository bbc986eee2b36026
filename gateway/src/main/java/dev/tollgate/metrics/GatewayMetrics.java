package dev.tollgate.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.math.BigDecimal;
import java.time.Duration;

/**
 * The gateway's own meters, named after the OpenTelemetry GenAI semantic conventions where one
 * exists ({@code gen_ai.client.token.usage}, {@code gen_ai.client.operation.duration},
 * {@code gen_ai.server.time_to_first_token}) and {@code tollgate.*} otherwise.
 */
public class GatewayMetrics {

    private final MeterRegistry registry;

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Tags shared by the per-call meters. */
    public static Tags tags(String operation, String model, String provider) {
        return Tags.of("gen_ai.operation.name", operation, "gen_ai.request.model", nonNull(model),
                "gen_ai.provider.name", nonNull(provider));
    }

    public void call(Tags tags, int status, String errorType, Duration latency) {
        Tags withStatus = tags.and("http.response.status_code", Integer.toString(status));
        Counter.builder("tollgate.requests").description("LLM calls through the gateway")
                .tags(withStatus).register(registry).increment();
        Timer.builder("gen_ai.client.operation.duration").description("Duration of LLM calls as seen by clients")
                .tags(tags.and("error.type", errorType == null ? "none" : errorType))
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(5)).register(registry).record(latency);
    }

    public void timeToFirstToken(Tags tags, Duration ttft) {
        Timer.builder("gen_ai.server.time_to_first_token").description("Time from request to the first streamed chunk")
                .tags(tags).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(2)).register(registry).record(ttft);
    }

    public void tokens(Tags tags, String type, long count) {
        if (count <= 0) {
            return;
        }
        DistributionSummary.builder("gen_ai.client.token.usage").description("Tokens per call by type")
                .tags(tags.and("gen_ai.token.type", type)).register(registry).record(count);
    }

    public void cost(Tags tags, String team, BigDecimal usd) {
        if (usd == null) {
            Counter.builder("tollgate.cost.unknown").description("Calls whose model has no price")
                    .tags(tags).register(registry).increment();
            return;
        }
        Counter.builder("tollgate.cost").description("Spend in USD").baseUnit("usd")
                .tags(tags.and("team", nonNull(team))).register(registry).increment(usd.doubleValue());
    }

    public void fallback(String toDeployment) {
        Counter.builder("tollgate.fallbacks").description("Moves to another deployment after a failure")
                .tag("to", toDeployment).register(registry).increment();
    }

    private static String nonNull(String s) {
        return s == null ? "none" : s;
    }
}
