package dev.tollgate.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.JsonBody;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigReader;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.config.TollgateConfig.Capabilities;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Capabilities from the config, what a request needs, and the plan that leaves out deployments that cannot serve it. */
class CapabilityRoutingTest {

    static LlmRequest chat(String json) {
        JsonBody body = JsonBody.parse(json.getBytes(StandardCharsets.UTF_8));
        Integer max = body.tree().has("max_tokens") ? body.tree().get("max_tokens").asInt() : null;
        return new LlmRequest(Endpoint.CHAT_COMPLETIONS, body, "m", body.tree().path("stream").asBoolean(false), false, max, 1, null);
    }

    static final String TEXT = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final String IMAGE = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"what is it\"},"
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.png\"}}]}]}";
    static final String TOOLS = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
            + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}";
    static final String JSON_MODE = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
            + "\"response_format\":{\"type\":\"json_object\"}}";
    static final String STREAM = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    static DeploymentTarget target(String provider, Capabilities caps) {
        TollgateConfig.Deployment d = new TollgateConfig.Deployment(provider, "up", 1, null, null, caps, null);
        return new DeploymentTarget("m", d, null, null, null, TollgateConfig.Timeouts.DEFAULTS, null, new Cooldown(), new DeploymentStats());
    }

    static Capabilities caps(Boolean tools, Boolean vision, Boolean json, Boolean streaming, Integer context, Integer maxOut) {
        return new Capabilities(tools, vision, json, streaming, context, maxOut);
    }

    @Test
    void requestNeedsAreReadFromTheBody() {
        RequestNeeds text = RequestNeeds.of(chat(TEXT), () -> 1);
        assertThat(List.of(text.vision(), text.tools(), text.jsonMode(), text.streaming())).containsOnly(false);
        assertThat(RequestNeeds.of(chat(IMAGE), () -> 1).vision()).isTrue();
        assertThat(RequestNeeds.of(chat(TOOLS), () -> 1).tools()).isTrue();
        assertThat(RequestNeeds.of(chat(JSON_MODE), () -> 1).jsonMode()).isTrue();
        assertThat(RequestNeeds.of(chat(STREAM), () -> 1).streaming()).isTrue();
        assertThat(RequestNeeds.of(chat(TEXT.replace("}]}", "}],\"response_format\":{\"type\":\"text\"}}")), () -> 1).jsonMode())
                .as("response_format text is no JSON mode").isFalse();
        assertThat(RequestNeeds.of(chat(TEXT.replace("}]}", "}],\"tools\":[]}")), () -> 1).tools()).as("empty tools").isFalse();
    }

    @Test
    void onlyAStatedFalseOrTooSmallLimitExcludes() {
        RequestNeeds image = RequestNeeds.of(chat(IMAGE), () -> 10);
        assertThat(image.missing(Capabilities.UNKNOWN)).as("unknown = capable").isNull();
        assertThat(image.missing(caps(null, true, null, null, null, null))).isNull();
        assertThat(image.missing(caps(true, false, true, true, null, null))).isEqualTo(RequestNeeds.Capability.VISION);
        assertThat(RequestNeeds.of(chat(TOOLS), () -> 10).missing(caps(false, null, null, null, null, null)))
                .isEqualTo(RequestNeeds.Capability.TOOLS);
        assertThat(RequestNeeds.of(chat(JSON_MODE), () -> 10).missing(caps(null, null, false, null, null, null)))
                .isEqualTo(RequestNeeds.Capability.JSON_MODE);
        assertThat(RequestNeeds.of(chat(STREAM), () -> 10).missing(caps(null, null, null, false, null, null)))
                .isEqualTo(RequestNeeds.Capability.STREAMING);
        assertThat(RequestNeeds.of(chat(TEXT), () -> 10).missing(caps(false, false, false, false, null, null)))
                .as("a plain text call needs none of them").isNull();
    }

    @Test
    void contextWindowCountsInputPlusRequestedOutputAndTokenizesOnlyWhenAWindowIsStated() {
        AtomicInteger counted = new AtomicInteger();
        RequestNeeds needs = RequestNeeds.of(chat(TEXT.replace("}]}", "}],\"max_tokens\":500}")), () -> {
            counted.incrementAndGet();
            return 600;
        });
        assertThat(needs.missing(Capabilities.UNKNOWN)).isNull();
        assertThat(counted).as("no window stated: no tokenizer run").hasValue(0);
        assertThat(needs.missing(caps(null, null, null, null, 1100, null))).isNull();
        assertThat(needs.missing(caps(null, null, null, null, 1099, null))).isEqualTo(RequestNeeds.Capability.CONTEXT_WINDOW);
        assertThat(needs.missing(caps(null, null, null, null, 100_000, 499))).isEqualTo(RequestNeeds.Capability.MAX_OUTPUT);
        assertThat(counted).as("counted once").hasValue(1);
    }

    @Test
    void planKeepsCapableDeploymentsInOrderAndListsTheSkipped() {
        DeploymentTarget text = target("text", caps(true, false, true, true, null, null));
        DeploymentTarget vision = target("vision", caps(true, true, true, true, null, null));
        DeploymentTarget unknown = target("unknown", Capabilities.UNKNOWN);
        RoutingTable.Plan plan = RoutingTable.filter(List.of(text, vision, unknown), RequestNeeds.of(chat(IMAGE), () -> 5));
        assertThat(plan.targets()).containsExactly(vision, unknown);
        assertThat(plan.skipped()).singleElement().satisfies(s -> {
            assertThat(s.target()).isSameAs(text);
            assertThat(s.missing()).isEqualTo(RequestNeeds.Capability.VISION);
        });
        assertThat(RoutingTable.filter(List.of(text, vision), RequestNeeds.of(chat(TEXT), () -> 5)).targets())
                .containsExactly(text, vision);

        CallTrace trace = new CallTrace();
        plan.skipped().forEach(s -> trace.skipped(s.target(), s.missing()));
        trace.attempt(vision);
        trace.served(vision);
        assertThat(trace.path()).isEqualTo("skipped:text/up(vision) > vision/up:ok");
        assertThat(trace.attempts()).as("a skip is no attempt").isEqualTo(1);
    }

    @Test
    void noCapableDeploymentIsA400NamingTheCapabilityAndTheDeployment() {
        DeploymentTarget text = target("text", caps(true, false, true, true, null, null));
        RoutingTable.Plan plan = RoutingTable.filter(List.of(text), RequestNeeds.of(chat(IMAGE), () -> 5));
        assertThat(plan.targets()).isEmpty();
        GatewayException e = UpstreamErrors.incapable("m", plan.skipped());
        assertThat(e.status().value()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("unsupported_capability");
        assertThat(e.param()).isEqualTo("messages");
        assertThat(e.getMessage()).contains("text/up").contains("lacks vision").contains("model 'm'");
    }

    @Test
    void capabilitiesAreReadWithDeploymentOverridesAndPathNamedErrors() {
        TollgateConfig config = new ConfigReader(n -> null).read("""
                providers:
                  a: { type: simulated, health-check: { interval: 10s, model: probe-model } }
                  b: { type: openai, api-key: x }
                models:
                  m:
                    capabilities: { tools: true, vision: false, context-window: 8192 }
                    deployments:
                      - { provider: a }
                      - { provider: b, capabilities: { vision: true } }
                  plain: { deployments: [ { provider: a } ] }
                """, "t.yaml");
        List<TollgateConfig.Deployment> ds = config.models().get("m").deployments();
        assertThat(ds.get(0).capabilities()).isEqualTo(caps(true, false, null, null, 8192, null));
        assertThat(ds.get(1).capabilities()).as("deployment overrides field by field").isEqualTo(caps(true, true, null, null, 8192, null));
        assertThat(config.models().get("plain").deployments().get(0).capabilities()).isEqualTo(Capabilities.UNKNOWN);
        assertThat(config.providers().get("a").healthCheck())
                .isEqualTo(new TollgateConfig.HealthCheck(Duration.ofSeconds(10), "probe-model", Duration.ofSeconds(5)));
        assertThat(config.providers().get("b").healthCheck()).as("off by default").isNull();

        assertThatThrownBy(() -> new ConfigReader(n -> null).read("""
                providers:
                  a: { type: simulated, health-check: { interval: 10ms, timout: 1s } }
                models:
                  m:
                    capabilities: { vison: true, tools: maybe, context-window: -5 }
                    deployments: [ { provider: a, capabilities: { max-output: lots } } ]
                """, "t.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).contains(
                        "models.m.capabilities.vison: unknown field (did you mean 'vision'?)",
                        "models.m.capabilities.tools: expected true or false, was 'maybe'",
                        "models.m.capabilities.context-window: a whole number of tokens, at least 1, was '-5'",
                        "models.m.deployments[0].capabilities.max-output: expected a number, was 'lots'",
                        "providers.a.health-check.timout: unknown field (did you mean 'timeout'?)",
                        "providers.a.health-check.interval: at least 1s, was 10ms"));
    }

    @Test
    void statsGivePercentilesAndErrorRateWithinTheWindowOnly() {
        DeploymentStats stats = new DeploymentStats();
        long now = System.currentTimeMillis();
        stats.record(now - 600_000, 9_000_000_000L, true); // 10 minutes ago: outside a 5-minute window
        for (int i = 1; i <= 100; i++) {
            stats.record(now, i * 1_000_000L, i % 10 == 0);
        }
        DeploymentStats.Snapshot s = stats.snapshot(now, Duration.ofMinutes(5));
        assertThat(s.requests()).isEqualTo(100);
        assertThat(s.errors()).isEqualTo(10);
        assertThat(s.errorRate()).isEqualTo(0.1);
        assertThat(List.of(s.p50Millis(), s.p95Millis(), s.p99Millis())).containsExactly(50L, 95L, 99L);
        assertThat(new DeploymentStats().snapshot(now, Duration.ofMinutes(5)).p50Millis()).isNull();
        for (int i = 0; i < 2 * DeploymentStats.CAPACITY; i++) {
            stats.record(now, 7_000_000L, false);
        }
        assertThat(stats.snapshot(now, Duration.ofMinutes(5)).requests()).as("the ring keeps the latest only")
                .isEqualTo(DeploymentStats.CAPACITY);
        assertThat(stats.snapshot(now, Duration.ofMinutes(5)).p99Millis()).isEqualTo(7L);
    }
}
