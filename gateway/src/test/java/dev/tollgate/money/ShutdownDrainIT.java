package dev.tollgate.money;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.budget.LedgerBalance;
import dev.tollgate.budget.RedisBudgetLedger;
import dev.tollgate.support.RedisConnector;
import dev.tollgate.testing.GatewayInstance;
import dev.tollgate.testing.HangReport;
import dev.tollgate.testing.Http;
import dev.tollgate.testing.TestPostgres;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM under load, in cluster mode: the context is closed (what the JVM's shutdown hook does)
 * while 30 streams are in flight. Every stream completes, every settlement lands before Redis is
 * closed (ledger = sum of the usage events' costs) and nothing is left reserved.
 */
class ShutdownDrainIT {

    static String config(String budget, String key) {
        return """
                providers:
                  sim: { type: simulated, ttft: 5ms, tokens-per-second: 20, output-tokens: 40 }
                models:
                  drain-model:
                    deployments: [ { provider: sim, model: drain-model } ]
                    price: { input: 100, output: 200 }
                keys:
                  - { name: drain, key: %s, team: drain-team }
                budgets:
                  - { name: %s, scope: { team: drain-team }, period: monthly, amount: 100.00 }
                """.formatted(key, budget);
    }

    @Test
    void closingWithStreamsInFlightCompletesThemAndSettlesEverything() throws Exception {
        String budget = "drain-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        String key = "tg-drain-" + budget;
        String prefix = budget + "-";
        String account = budget + "|all|" + Instant.now().toString().substring(0, 7);
        Path dir = Files.createTempDirectory("tollgate-drain");
        Path config = dir.resolve("tollgate.yaml");
        Files.writeString(config, config(budget, key));
        RedisConnector direct = new RedisConnector("redis://127.0.0.1:6379", Duration.ofSeconds(2));
        RedisBudgetLedger ledger = new RedisBudgetLedger(direct);
        int calls = 30;
        try {
            GatewayInstance gateway = GatewayInstance.start(GatewayInstance.properties(config, dir, "redis"));
            List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                String body = "{\"model\":\"drain-model\",\"max_tokens\":40,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"drain "
                        + i + "\"}]}";
                streams.add(Http.client().sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
                        .header("authorization", "Bearer " + key).header("x-request-id", prefix + i)
                        .timeout(Duration.ofSeconds(50)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            awaitAllReserved(ledger, account, calls);
            long start = System.nanoTime();
            gateway.close();
            Duration drained = Duration.ofNanos(System.nanoTime() - start);
            System.out.println("Shutdown with " + calls + " streams in flight drained in " + drained.toMillis() + " ms");

            for (int i = 0; i < calls; i++) {
                HttpResponse<String> r = HangReport.await(streams.get(i), Duration.ofSeconds(60), "stream " + i);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(r.body()).contains("data: [DONE]");
            }
            LedgerBalance balance = ledger.balances(List.of(account)).block().get(0);
            assertThat(balance.reservedMicros()).as("nothing left reserved after shutdown").isZero();
            assertThat(balance.spentMicros()).as("ledger = sum of usage-event costs").isEqualTo(usageCostMicros(prefix, calls));
        } finally {
            direct.close();
        }
    }

    private static void awaitAllReserved(RedisBudgetLedger ledger, String account, int calls) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            // Each stream holds its worst case (40 output tokens at $200/1M = 8,000 µ$ plus input) until it settles.
            LedgerBalance b = ledger.balances(List.of(account)).block().get(0);
            if (b.reservedMicros() + b.spentMicros() >= calls * 8_000L) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the streams never all started");
    }

    private static long usageCostMicros(String prefix, int calls) {
        List<Map<String, Object>> rows = TestPostgres.query("SELECT request_id, cost_usd FROM usage_events WHERE request_id LIKE ?", prefix + "%");
        assertThat(rows).as("every usage event written before the process ended").hasSize(calls);
        long micros = 0;
        for (Map<String, Object> row : rows) {
            BigDecimal cost = (BigDecimal) row.get("cost_usd");
            if (cost != null) {
                micros += cost.movePointRight(6).setScale(0, RoundingMode.HALF_UP).longValueExact();
            }
        }
        return micros;
    }
}
