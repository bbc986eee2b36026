package dev.tollgate.routing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.tollgate.testing.GatewayInstance;
import dev.tollgate.testing.TestPostgres;
import dev.tollgate.testing.Transcripts;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each routing strategy through HTTP, on one gateway with a model per strategy. */
class RoutingStrategiesIT {

    static final String SUFFIX = Long.toHexString(ThreadLocalRandom.current().nextLong());
    static final String KEY = "tg-strategies-" + SUFFIX;
    static final WireMockServer UPSTREAM = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    static GatewayInstance gateway;

    @BeforeAll
    static void start() throws Exception {
        UPSTREAM.start();
        Path dir = Files.createTempDirectory("tollgate-strategies");
        Path file = dir.resolve("tollgate.yaml");
        Files.writeString(file, """
                providers:
                  free-%1$s: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 5, limits: { requests-per-day: 2, max-wait: 0ms } }
                  cheap-%1$s: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 5 }
                  paid-%1$s: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 5 }
                  wm: { type: openai-compatible, base-url: "http://127.0.0.1:%2$d/v1", retry: { max-attempts: 1 } }
                models:
                  chain:
                    strategy: priority
                    deployments:
                      - { provider: free-%1$s, model: free-m, price: { input: 0, output: 0 } }
                      - { provider: cheap-%1$s, model: cheap-m, price: { input: 0.1, output: 0.4 } }
                      - { provider: paid-%1$s, model: paid-m, price: { input: 2.5, output: 10 } }
                  thrifty:
                    strategy: cost
                    capabilities: { vision: true }
                    deployments:
                      - { provider: paid-%1$s, model: premium, price: { input: 2.5, output: 10 } }
                      - { provider: cheap-%1$s, model: text-only, price: { input: 0.1, output: 0.4 }, capabilities: { vision: false } }
                      - { provider: cheap-%1$s, model: mid, price: { input: 0.5, output: 1.5 } }
                  quick:
                    strategy: { type: latency, window: 1m, exploration: 0.3 }
                    deployments: [ { provider: wm, model: a }, { provider: wm, model: b } ]
                  spread:
                    strategy: least-busy
                    deployments: [ { provider: wm, model: busy-a }, { provider: wm, model: busy-b } ]
                keys:
                  - { name: strategies, key: %3$s }
                """.formatted(SUFFIX, UPSTREAM.port(), KEY));
        gateway = GatewayInstance.start(GatewayInstance.properties(file, dir, "redis"));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        UPSTREAM.stop();
    }

    static String chat(String model) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    }

    static String served(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.headers().firstValue("x-tollgate-deployment").orElseThrow();
    }

    static String call(String model) {
        return served(gateway.http().post("/v1/chat/completions", KEY, null, chat(model)));
    }

    static void stub(String upstreamModel, int delayMillis) {
        UPSTREAM.stubFor(post("/v1/chat/completions").withRequestBody(containing("\"model\":\"" + upstreamModel + "\""))
                .willReturn(aResponse().withFixedDelay(delayMillis).withHeader("content-type", "application/json")
                        .withBody(Transcripts.chatCompletion(upstreamModel, "hello"))));
    }

    /** Every attempt that started also ended: the in-flight count goes back to zero. */
    static void settles(DeploymentTarget t) {
        long deadline = System.currentTimeMillis() + 2000;
        while (t.stats().inFlight() != 0 && System.currentTimeMillis() < deadline) {
            TestPostgres.sleep(10);
        }
        assertThat(t.stats().inFlight()).as(t.id()).isZero();
    }

    @Test
    void priorityServesFromTheFreeTierUntilItIsExhaustedThenTheNextInLine() {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + gateway.port() + "/v1")
                .apiKey(KEY).maxRetries(0).build();
        List<String> served = new ArrayList<>();
        List<String> requestIds = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            try (HttpResponseFor<ChatCompletion> r = client.chat().completions().withRawResponse().create(
                    ChatCompletionCreateParams.builder().model("chain").addUserMessage("hello").maxCompletionTokens(10).build())) {
                served.add(r.headers().values("x-tollgate-deployment").get(0));
                requestIds.add(r.headers().values("x-request-id").get(0));
                assertThat(r.parse().choices()).isNotEmpty();
            }
        }
        assertThat(served).containsExactly("free-" + SUFFIX + "/free-m", "free-" + SUFFIX + "/free-m",
                "cheap-" + SUFFIX + "/cheap-m", "cheap-" + SUFFIX + "/cheap-m");
        assertThat(TestPostgres.usageEvent(requestIds.get(2)).get("fallback_path").toString())
                .startsWith("free-" + SUFFIX + "/free-m:upstream_limit > cheap-" + SUFFIX + "/cheap-m:ok");
    }

    @Test
    void costPicksTheCheapestDeploymentThatCanServeTheRequest() {
        assertThat(call("thrifty")).isEqualTo("cheap-" + SUFFIX + "/text-only");
        String image = "{\"model\":\"thrifty\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"what is it\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.png\"}}]}]}";
        assertThat(served(gateway.http().post("/v1/chat/completions", KEY, null, image))).isEqualTo("cheap-" + SUFFIX + "/mid");
    }

    @Test
    void latencyMovesAwayFromASlowDeploymentAndComesBackAfterItRecovers() {
        stub("a", 300);
        stub("b", 40);
        List<String> first = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            first.add(call("quick"));
        }
        // Explorations (30 %, half of them putting a first) aside, b serves.
        assertThat(first.stream().filter("wm/b"::equals).count()).as(first.toString()).isGreaterThanOrEqualTo(13);
        assertThat(first.subList(2, 20).stream().filter("wm/a"::equals).count()).as(first.toString()).isLessThanOrEqualTo(7);

        stub("a", 0); // recovered: only exploring calls notice
        List<String> after = new ArrayList<>();
        int inARow = 0;
        for (int i = 0; i < 150 && inARow < 4; i++) {
            String s = call("quick");
            after.add(s);
            inARow = s.equals("wm/a") ? inARow + 1 : 0;
        }
        assertThat(inARow).as("a back in front after recovering: " + after).isEqualTo(4);
        gateway.bean(RoutingTable.class).route("quick").deployments().forEach(RoutingStrategiesIT::settles);
    }

    @Test
    void leastBusySendsTheNextCallAroundADeploymentThatIsStillWorking() throws Exception {
        stub("busy-a", 1500);
        stub("busy-b", 0);
        DeploymentTarget a = gateway.bean(RoutingTable.class).route("spread").deployments().get(0);
        assertThat(a.id()).isEqualTo("wm/busy-a");
        // Both idle: the first listed goes first, and stays busy for 1.5 s.
        CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> call("spread"));
        long deadline = System.currentTimeMillis() + 5000;
        while (a.stats().inFlight() == 0 && System.currentTimeMillis() < deadline) {
            TestPostgres.sleep(10);
        }
        assertThat(a.stats().inFlight()).isEqualTo(1);
        assertThat(call("spread")).isEqualTo("wm/busy-b");
        assertThat(slow.get()).isEqualTo("wm/busy-a");
        settles(a);
    }
}
