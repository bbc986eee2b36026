package dev.tollgate.money;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.tollgate.alerts.WebhookNotifier;
import dev.tollgate.testing.GatewayInstance;
import dev.tollgate.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** Threshold alerts: once per threshold and period, to Slack-style and signed JSON webhooks, recorded in alert_events. */
class BudgetAlertsIT {

    @Test
    void thresholdsFireOnceToWebhooksAndAreRecorded() throws Exception {
        WireMockServer hooks = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        hooks.start();
        try {
            hooks.stubFor(post("/slack").willReturn(aResponse().withStatus(200)));
            // The JSON receiver fails once: delivery is retried.
            hooks.stubFor(post("/json").inScenario("flaky").whenScenarioStateIs("Started").willSetStateTo("up")
                    .willReturn(aResponse().withStatus(503)));
            hooks.stubFor(post("/json").inScenario("flaky").whenScenarioStateIs("up").willReturn(aResponse().withStatus(204)));
            String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong());
            String budget = "alerting-" + suffix;
            Path dir = Files.createTempDirectory("tollgate-alerts");
            Path config = dir.resolve("tollgate.yaml");
            Files.writeString(config, """
                    providers:
                      sim: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 5 }
                    models:
                      m: { deployments: [ { provider: sim } ], price: { input: 1000, output: 1000 } }
                    keys:
                      - { name: k, key: tg-alerts-%1$s, team: a-%1$s }
                    budgets:
                      - { name: %2$s, scope: { team: a-%1$s }, period: monthly, amount: 0.10, alerts: [50, 90] }
                    alerts:
                      webhooks:
                        - { name: finops-slack, url: http://127.0.0.1:%3$d/slack, format: slack }
                        - { name: receiver, url: http://127.0.0.1:%3$d/json, format: json, secret: s3cret }
                    """.formatted(suffix, budget, hooks.port()));
            try (GatewayInstance gateway = GatewayInstance.start(GatewayInstance.properties(config, dir, "memory"))) {
                String body = "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
                int status = 200;
                for (int i = 0; i < 20 && status == 200; i++) {
                    status = gateway.http().post("/v1/chat/completions", "tg-alerts-" + suffix, null, body).statusCode();
                    Thread.sleep(30); // let each settlement (and its alert check) land before the next call
                }
                assertThat(status).isEqualTo(429);

                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (hooks.findAll(postRequestedFor(urlEqualTo("/slack"))).size() < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                List<LoggedRequest> slack = hooks.findAll(postRequestedFor(urlEqualTo("/slack")));
                assertThat(slack).hasSize(2);
                assertThat(slack).allSatisfy(r -> assertThat(r.getBodyAsString()).startsWith("{\"text\":").contains(budget));
                assertThat(slack).extracting(r -> r.getBodyAsString().replaceAll(".*reached (\\d+)%.*", "$1"))
                        .containsExactlyInAnyOrder("50", "90");

                List<LoggedRequest> json = hooks.findAll(postRequestedFor(urlEqualTo("/json")));
                LoggedRequest delivered = json.get(json.size() - 1);
                String signature = delivered.getHeader("x-tollgate-signature");
                String timestamp = delivered.getHeader("x-tollgate-timestamp");
                assertThat(signature).isEqualTo("sha256=" + WebhookNotifier.hmac("s3cret", timestamp + "." + delivered.getBodyAsString()));
                assertThat(delivered.getBodyAsString()).contains("\"kind\":\"budget_threshold\"").contains("\"enforcement\":\"hard\"");

                List<Map<String, Object>> rows = List.of();
                while (rows.size() < 2 && System.nanoTime() < deadline) {
                    rows = TestPostgres.query("SELECT threshold_percent, deliveries FROM alert_events WHERE budget = ? ORDER BY threshold_percent", budget);
                    Thread.sleep(50);
                }
                assertThat(rows).extracting(r -> r.get("threshold_percent")).containsExactly(50, 90);
                assertThat(rows.get(0).get("deliveries").toString()).contains("finops-slack:ok").contains("receiver:ok");
            }
        } finally {
            hooks.stop();
        }
    }
}
