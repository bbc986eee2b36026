package dev.tollgate.analytics;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tollgate.insights.Anomaly;
import dev.tollgate.insights.AnomalyWatcher;
import dev.tollgate.insights.Recommendation;
import dev.tollgate.insights.Recommender;
import dev.tollgate.testing.GatewayInstance;
import dev.tollgate.testing.Http;
import dev.tollgate.usage.UsageEvent;
import dev.tollgate.usage.UsageStore;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two generated 30-day data sets in the real PostgreSQL: a clean one (steady hourly traffic) and
 * the same traffic with injected patterns — short prompts on a premium model, repeated identical
 * requests, a provider failing 10 % of its calls, long prompts, and a spend spike in the last hour.
 * Each pattern is found with its savings worked out from the config's prices; nothing is flagged
 * on the clean set; the spike becomes an alert sent to the webhook and acknowledged through the API.
 */
class InsightsIT {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final String OWNER = "owner-insights-key-0123456789";
    static final String MEMBER = "member-insights-key-0123456789";
    static final String S = Long.toHexString(ThreadLocalRandom.current().nextLong());
    static final Instant INJECTED_NOW = Instant.parse("2025-05-01T00:10:00Z");
    static final Instant CLEAN_NOW = Instant.parse("2025-07-01T00:10:00Z");
    static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
    // USD per 1M tokens, as in the config below
    static final Map<String, BigDecimal[]> PRICES = Map.of(
            "big", new BigDecimal[] {new BigDecimal("2.5"), new BigDecimal("10")},
            "small", new BigDecimal[] {new BigDecimal("0.15"), new BigDecimal("0.6")},
            "mid", new BigDecimal[] {new BigDecimal("0.5"), new BigDecimal("1.5")});
    static final WireMockServer HOOK = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    static GatewayInstance gateway;

    @BeforeAll
    static void start() throws Exception {
        HOOK.start();
        HOOK.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(200)));
        Path dir = Files.createTempDirectory("tollgate-insights");
        Path config = dir.resolve("tollgate.yaml");
        Files.writeString(config, """
                providers:
                  sim: { type: simulated }
                  flaky: { type: simulated }
                models:
                  big: { deployments: [ { provider: sim } ], price: { input: 2.5, output: 10 } }
                  small: { deployments: [ { provider: sim } ], price: { input: 0.15, output: 0.6 } }
                  mid: { deployments: [ { provider: flaky } ], price: { input: 0.5, output: 1.5 } }
                admins:
                  - { name: max, key: %s, role: member, team: t-a-%s }
                alerts:
                  webhooks: [ { name: ops, url: "http://127.0.0.1:%d/hook", format: slack } ]
                insights:
                  recommendations: { enabled: false }
                  anomalies: { enabled: false, min-spend-increase: 0.10, min-calls: 2 }
                """.formatted(MEMBER, S, HOOK.port()));
        Map<String, Object> props = GatewayInstance.properties(config, dir, "memory");
        props.put("tollgate.admin-key", OWNER);
        gateway = GatewayInstance.start(props);
        List<UsageEvent> events = new ArrayList<>();
        events.addAll(steadyTraffic(INJECTED_NOW, true));
        events.addAll(steadyTraffic(CLEAN_NOW, false));
        events.addAll(injected());
        UsageStore store = gateway.bean(UsageStore.class);
        for (int i = 0; i < events.size(); i += 500) {
            store.insert(events.subList(i, Math.min(events.size(), i + 500))).block();
        }
    }

    @AfterAll
    static void stop() {
        gateway.close();
        HOOK.stop();
    }

    static BigDecimal cost(String model, long in, long out) {
        BigDecimal[] p = PRICES.get(model);
        return p[0].multiply(BigDecimal.valueOf(in)).add(p[1].multiply(BigDecimal.valueOf(out))).divide(MILLION, 10, RoundingMode.HALF_UP);
    }

    static UsageEvent call(Instant at, String team, String model, String provider, long in, long out, int status, BigDecimal cost,
            String hash) {
        return new UsageEvent(UsageEvent.newId(), "ins-" + UsageEvent.newId(), at, "k-" + team, team, "p", null, null, "chat", model,
                model, provider, provider + "/" + model, false, in, out, 0, 0, false, cost, false, "test", 120, null, status,
                status >= 400 ? "503" : null, null, 1, null, null, "openai", null, null, Map.of(), null, hash);
    }

    /**
     * Every hour of the 30 days before {@code now}: 3 calls on small (team t-a), 2 on mid through
     * flaky (t-b), 1 long-answer call on big (t-c), each request distinct. With {@code flaky}, one
     * flaky call in every 5th hour fails (10 % of its calls), billed $0.0001.
     */
    static List<UsageEvent> steadyTraffic(Instant now, boolean flaky) {
        List<UsageEvent> out = new ArrayList<>();
        Instant first = now.truncatedTo(java.time.temporal.ChronoUnit.HOURS).minus(Duration.ofDays(30));
        for (int h = 0; h < 720; h++) {
            Instant hour = first.plus(Duration.ofHours(h));
            for (int i = 0; i < 3; i++) {
                out.add(call(hour.plusSeconds(60 + i * 600), "t-a-" + S, "small", "sim", 800, 300, 200, cost("small", 800, 300), hash()));
            }
            for (int i = 0; i < 2; i++) {
                boolean fail = flaky && i == 0 && h % 5 == 2;
                out.add(call(hour.plusSeconds(90 + i * 900), "t-b-" + S, "mid", "flaky", 400, fail ? 0 : 200, fail ? 503 : 200,
                        fail ? new BigDecimal("0.0001") : cost("mid", 400, 200), hash()));
            }
            out.add(call(hour.plusSeconds(1200), "t-c-" + S, "big", "sim", 800, 600, 200, cost("big", 800, 600), hash()));
        }
        return out;
    }

    /** Injected calls start 15 minutes into their hours: inside the window, which starts at hh:10. */
    static List<UsageEvent> injected() {
        List<UsageEvent> out = new ArrayList<>();
        Instant first = INJECTED_NOW.truncatedTo(java.time.temporal.ChronoUnit.HOURS).minus(Duration.ofDays(30));
        for (int i = 0; i < 150; i++) { // short prompts, short answers, on the premium model
            out.add(call(first.plus(Duration.ofHours(i * 4L)).plusSeconds(900), "t-d-" + S, "big", "sim", 120, 50, 200,
                    cost("big", 120, 50), hash()));
        }
        for (int g = 0; g < 3; g++) { // three requests sent 12 times each
            String same = "repeat-" + S + "-" + g;
            for (int i = 0; i < 12; i++) {
                out.add(call(first.plus(Duration.ofHours(g * 100L + i * 7L)).plusSeconds(1000), "t-e-" + S, "small", "sim", 200, 100,
                        200, cost("small", 200, 100), same));
            }
        }
        for (int i = 0; i < 60; i++) { // long prompts
            out.add(call(first.plus(Duration.ofHours(i * 11L)).plusSeconds(1100), "t-f-" + S, "small", "sim", 3000, 100, 200,
                    cost("small", 3000, 100), hash()));
        }
        Instant lastHour = INJECTED_NOW.truncatedTo(java.time.temporal.ChronoUnit.HOURS).minus(Duration.ofHours(1));
        for (int i = 0; i < 40; i++) { // the spike: team t-a suddenly on the big model
            out.add(call(lastHour.plusSeconds(30 + i * 60), "t-a-" + S, "big", "sim", 1500, 900, 200, cost("big", 1500, 900), hash()));
        }
        return out;
    }

    static String hash() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong()) + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    static HttpResponse<String> call(String method, String path, String key) {
        return Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).timeout(Duration.ofSeconds(60))
                .header("authorization", "Bearer " + key).method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    @Test
    void eachInjectedPatternIsFoundWithItsSavingsAndNothingOnTheCleanSet() {
        Recommender recommender = gateway.bean(Recommender.class);
        assertThat(recommender.runOnce(CLEAN_NOW).block()).as("clean data set").isEmpty();

        Map<String, Recommendation> found = recommender.runOnce(INJECTED_NOW).block().stream()
                .collect(Collectors.toMap(Recommendation::id, r -> r));
        assertThat(found).containsOnlyKeys("model_downgrade:big", "caching_opportunity:small", "error_reduction:flaky",
                "prompt_optimization:small");
        // 150 × (cost on big − the same tokens on small); the window is 30 days, so monthly = window
        BigDecimal downgrade = cost("big", 120, 50).subtract(cost("small", 120, 50)).multiply(BigDecimal.valueOf(150));
        assertThat(found.get("model_downgrade:big").monthlySavingsUsd()).isEqualByComparingTo(downgrade).isEqualByComparingTo("0.1128");
        assertThat(found.get("model_downgrade:big").affectedCalls()).isEqualTo(150);
        assertThat(found.get("model_downgrade:big").evidence()).containsEntry("suggested_model", "small");
        // 3 groups × 11 repeats × the cost of one
        assertThat(found.get("caching_opportunity:small").monthlySavingsUsd()).isEqualByComparingTo(
                cost("small", 200, 100).multiply(BigDecimal.valueOf(33)));
        assertThat(found.get("caching_opportunity:small").affectedCalls()).isEqualTo(33);
        // 144 of 1,440 calls failed, each billed $0.0001
        assertThat(found.get("error_reduction:flaky").monthlySavingsUsd()).isEqualByComparingTo("0.0144");
        assertThat(found.get("error_reduction:flaky").evidence()).containsEntry("errors", 144L).containsEntry("top_error_code", "503");
        // 30 % of the input cost of 60 prompts of 3,000 tokens
        assertThat(found.get("prompt_optimization:small").monthlySavingsUsd()).isEqualByComparingTo(
                new BigDecimal("0.15").multiply(BigDecimal.valueOf(3000 * 60)).divide(MILLION).multiply(new BigDecimal("0.3")));
    }

    @Test
    void recommendationsAreListedDismissedAndStayDismissed() {
        gateway.bean(Recommender.class).runOnce(INJECTED_NOW).block();
        JsonNode list = JSON.readTree(call("GET", "/admin/v1/recommendations", OWNER).body());
        assertThat(list.get("data")).extracting(n -> n.get("id").asString()).contains("model_downgrade:big");
        JsonNode first = list.get("data").get(0);
        assertThat(first.get("estimated_monthly_savings_usd").decimalValue()).isPositive();
        assertThat(first.get("evidence").isObject()).isTrue();

        assertThat(call("POST", "/admin/v1/recommendations/caching_opportunity:small/dismiss", OWNER).statusCode()).isEqualTo(200);
        gateway.bean(Recommender.class).runOnce(INJECTED_NOW).block();
        assertThat(call("GET", "/admin/v1/recommendations", OWNER).body()).doesNotContain("caching_opportunity:small");
        assertThat(call("GET", "/admin/v1/recommendations?status=dismissed", OWNER).body()).contains("caching_opportunity:small");
        assertThat(call("POST", "/admin/v1/recommendations/caching_opportunity:small/reopen", OWNER).statusCode()).isEqualTo(200);
        assertThat(call("POST", "/admin/v1/recommendations/nope:x/apply", OWNER).statusCode()).isEqualTo(404);
        assertThat(call("GET", "/admin/v1/recommendations", MEMBER).statusCode()).isEqualTo(403);
        assertThat(call("GET", "/admin/v1/audit", OWNER).body()).contains("recommendation.dismiss");
    }

    @Test
    void aSpendSpikeBecomesAnAlertOnceAndIsAcknowledged() {
        AnomalyWatcher watcher = gateway.bean(AnomalyWatcher.class);
        assertThat(watcher.runOnce(CLEAN_NOW).block()).as("clean data set").isEmpty();

        List<Anomaly> anomalies = watcher.runOnce(INJECTED_NOW).block();
        assertThat(anomalies).extracting(Anomaly::subject).containsExactlyInAnyOrder("team=t-a-" + S, "model=big");
        assertThat(anomalies).allSatisfy(a -> assertThat(a.kind()).isEqualTo("spend_anomaly"));
        Anomaly team = anomalies.stream().filter(a -> a.subject().startsWith("team=")).findFirst().orElseThrow();
        assertThat(team.value()).isEqualByComparingTo(cost("big", 1500, 900).multiply(BigDecimal.valueOf(40))
                .add(cost("small", 800, 300).multiply(BigDecimal.valueOf(3))));
        assertThat(team.baseline()).isEqualByComparingTo(cost("small", 800, 300).multiply(BigDecimal.valueOf(3)));
        assertThat(team.severity()).isEqualTo("critical");
        assertThat(watcher.runOnce(INJECTED_NOW).block()).as("the same hour again: already alerted").isEmpty();
        HOOK.verify(1, postRequestedFor(urlEqualTo("/hook")).withRequestBody(containing("team=t-a-" + S)));

        JsonNode alerts = JSON.readTree(call("GET", "/admin/v1/alerts?unacknowledged=true", OWNER).body());
        JsonNode alert = null;
        for (JsonNode a : alerts.get("data")) {
            if (("team=t-a-" + S).equals(a.get("subject").asString())) {
                alert = a;
            }
        }
        assertThat(alert).isNotNull();
        assertThat(alert.get("severity").asString()).isEqualTo("critical");
        assertThat(alert.get("deliveries").asString()).isEqualTo("ops:ok");
        String id = alert.get("id").asString();
        assertThat(call("POST", "/admin/v1/alerts/" + id + "/acknowledge", OWNER).statusCode()).isEqualTo(200);
        assertThat(call("POST", "/admin/v1/alerts/" + id + "/acknowledge", OWNER).statusCode()).as("once").isEqualTo(404);
        assertThat(call("GET", "/admin/v1/alerts?unacknowledged=true", OWNER).body()).doesNotContain(id);
    }
}
