package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.Http;
import dev.tollgate.testing.TcpProxy;
import dev.tollgate.testing.TestPostgres;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Operating the gateway: the usage store going away under load (nothing lost), and the config
 * file changing under a running gateway (good edits applied, bad edits refused).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OperationsIT {

    static final String KEY = "tg-ops-key-1";
    static final TcpProxy POSTGRES;
    static final Path DIR;
    static final Path CONFIG;

    static {
        try {
            POSTGRES = new TcpProxy(TestPostgres.HOST, TestPostgres.PORT);
            DIR = Files.createTempDirectory("tollgate-ops");
            CONFIG = DIR.resolve("tollgate.yaml");
            Files.writeString(CONFIG, config("fast"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String config(String extraModel) {
        return """
                providers:
                  sim: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 8 }
                models:
                  fast:
                    deployments: [ { provider: sim, model: fast } ]
                    price: { input: 1, output: 2 }
                  %s:
                    deployments: [ { provider: sim, model: %s } ]
                keys:
                  - { name: ops, key: %s, team: ops }
                """.formatted(extraModel.equals("fast") ? "other" : extraModel, extraModel, KEY);
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("tollgate.config", CONFIG::toString);
        registry.add("tollgate.usage.url", () -> "postgresql://127.0.0.1:" + POSTGRES.port() + "/" + TestPostgres.DATABASE);
        registry.add("tollgate.usage.schema", TestPostgres::freshSchema);
        registry.add("tollgate.usage.flush-interval", () -> "20ms");
        registry.add("tollgate.usage.batch-size", () -> "50");
        registry.add("tollgate.usage.spool-dir", () -> DIR.resolve("spool").toString());
        registry.add("tollgate.server.management-token", () -> "ops-management-token");
    }

    @AfterAll
    static void closeProxy() throws IOException {
        POSTGRES.close();
    }

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry meters;

    @Test
    void noUsageEventIsLostWhilePostgresIsDown() throws Exception {
        int total = 300;
        Semaphore inFlight = new Semaphore(16);
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            if (i == 60) {
                POSTGRES.cut();
            }
            if (i == 200) {
                HttpResponse<String> health = new Http(port).get("/actuator/health/details", "ops-management-token");
                assertThat(health.statusCode()).as("spooling is not an outage of the gateway").isEqualTo(200);
                assertThat(health.body()).contains("\"usageStore\":{\"details\"").contains("SPOOLING");
            }
            if (i == 240) {
                POSTGRES.restore();
            }
            inFlight.acquire();
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                    .header("authorization", "Bearer " + KEY).header("x-request-id", "dur-" + i)
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"fast\",\"messages\":[{\"role\":\"user\",\"content\":\"q" + i + "\"}]" + (i % 2 == 0 ? ",\"stream\":true" : "") + "}"))
                    .build();
            calls.add(Http.client().sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> inFlight.release()));
            if (i >= 60 && i < 240) {
                Thread.sleep(10); // keep the outage long enough for the writer to notice and spool
            }
        }
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            assertThat(call.get().statusCode()).as("responses never wait for or fail on the database").isEqualTo(200);
        }

        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        long stored = 0;
        while (System.nanoTime() < deadline) {
            stored = (Long) TestPostgres.query("SELECT count(*) AS n FROM usage_events WHERE request_id LIKE 'dur-%'").get(0).get("n");
            if (stored >= total) {
                break;
            }
            Thread.sleep(200);
        }
        assertThat(stored).as("every event stored exactly once").isEqualTo(total);
        assertThat((Long) TestPostgres.query("SELECT count(DISTINCT request_id) AS n FROM usage_events WHERE request_id LIKE 'dur-%'")
                .get(0).get("n")).isEqualTo(total);
        assertThat(meters.get("tollgate.usage.events").tag("outcome", "spooled").counter().count())
                .as("the outage really happened and events went through the spool").isPositive();
        assertThat(meters.get("tollgate.usage.events").tag("outcome", "replayed").counter().count()).isPositive();
    }

    @Test
    void configFileIsHotReloadedAndABadEditKeepsTheRunningConfig() throws Exception {
        Http http = new Http(port);
        assertThat(http.get("/v1/models/added-later", KEY).statusCode()).isEqualTo(404);

        Files.writeString(CONFIG, config("added-later"));
        awaitStatus(http, "/v1/models/added-later", 200);
        assertThat(http.post("/v1/chat/completions", KEY, "reload-1",
                "{\"model\":\"added-later\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode()).isEqualTo(200);

        double rejectedBefore = meters.get("tollgate.config.reloads").tag("result", "rejected").counter().count();
        Files.writeString(CONFIG, config("added-later").replace("provider: sim, model: added-later", "provider: simm, model: added-later"));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (meters.get("tollgate.config.reloads").tag("result", "rejected").counter().count() == rejectedBefore
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(meters.get("tollgate.config.reloads").tag("result", "rejected").counter().count()).isEqualTo(rejectedBefore + 1);
        assertThat(http.get("/v1/models/added-later", KEY).statusCode()).as("running config kept").isEqualTo(200);

        Files.writeString(CONFIG, config("fast"));
        awaitStatus(http, "/v1/models/added-later", 404);
    }

    private static void awaitStatus(Http http, String path, int status) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (http.get(path, KEY).statusCode() != status && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(http.get(path, KEY).statusCode()).isEqualTo(status);
    }
}
