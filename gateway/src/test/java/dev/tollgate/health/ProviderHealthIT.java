package dev.tollgate.health;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.errors.BadRequestException;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.FunctionDefinition;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import dev.tollgate.testing.GatewayInstance;
import dev.tollgate.testing.Http;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Capability routing and provider health end to end, through HTTP with the openai-java SDK:
 * simulated providers, and WireMock upstreams that fail, answer slowly, or fail their probe.
 */
class ProviderHealthIT {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final String OWNER = "owner-admin-key-health-0123456789";
    static final String VIEWER = "viewer-admin-key-health-0123456789";
    static final String KEY = "tg-health-test-key";
    static final WireMockServer UPSTREAM = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    static GatewayInstance gateway;

    @BeforeAll
    static void start() throws Exception {
        UPSTREAM.start();
        UPSTREAM.stubFor(post(urlEqualTo("/flaky/v1/chat/completions")).willReturn(aResponse().withStatus(500)
                .withHeader("content-type", "application/json").withBody("{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}")));
        UPSTREAM.stubFor(get(urlEqualTo("/flaky/v1/models")).willReturn(aResponse().withStatus(200)
                .withHeader("content-type", "application/json").withBody("{\"object\":\"list\",\"data\":[]}")));
        UPSTREAM.stubFor(post(urlEqualTo("/slow/v1/chat/completions")).willReturn(aResponse().withStatus(200).withFixedDelay(40)
                .withHeader("content-type", "application/json").withBody("""
                        {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"slow-model",
                         "choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],
                         "usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}""")));
        UPSTREAM.stubFor(get(urlEqualTo("/bad/v1/models")).willReturn(aResponse().withStatus(503)));

        Path dir = Files.createTempDirectory("tollgate-health");
        Path config = dir.resolve("tollgate.yaml");
        String base = "http://127.0.0.1:" + UPSTREAM.port();
        Files.writeString(config, """
                providers:
                  text: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 5 }
                  vis:
                    type: simulated
                    ttft: 1ms
                    tokens-per-second: 5000
                    output-tokens: 5
                    health-check: { interval: 1s, model: vis-model }
                  flaky:
                    type: openai-compatible
                    base-url: %1$s/flaky/v1
                    api-key: sk-flaky
                    retry: { max-attempts: 1 }
                    circuit-breaker: { minimum-calls: 3, sliding-window-size: 5, open-duration: 10m }
                    health-check: { interval: 1s, timeout: 2s }
                  slow: { type: openai-compatible, base-url: %1$s/slow/v1, api-key: sk-slow }
                  bad:
                    type: openai-compatible
                    base-url: %1$s/bad/v1
                    api-key: sk-bad
                    health-check: { interval: 1s, timeout: 2s }
                models:
                  chat:
                    capabilities: { vision: false, context-window: 128000 }
                    deployments:
                      - { provider: text, model: text-model }
                      - { provider: vis, model: vis-model, weight: 0, capabilities: { vision: true } }
                  text-only:
                    capabilities: { vision: false, tools: false }
                    deployments: [ { provider: text, model: text-only-model } ]
                  flaky: { deployments: [ { provider: flaky, model: flaky-model } ] }
                  slow: { deployments: [ { provider: slow, model: slow-model } ] }
                  bad: { deployments: [ { provider: bad, model: bad-model } ] }
                keys:
                  - { name: health, key: %2$s, models: ["*"] }
                admins:
                  - { name: vera, key: %3$s, role: viewer }
                """.formatted(base, KEY, VIEWER));
        Map<String, Object> props = GatewayInstance.properties(config, dir, "memory");
        props.put("tollgate.admin-key", OWNER);
        props.put("tollgate.server.management-token", "health-management-token");
        gateway = GatewayInstance.start(props);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        UPSTREAM.stop();
    }

    static OpenAIClient sdk() {
        return OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + gateway.port() + "/v1").apiKey(KEY).maxRetries(0).build();
    }

    static ChatCompletionCreateParams.Builder imageRequest(String model) {
        return ChatCompletionCreateParams.builder().model(model).maxCompletionTokens(5).addUserMessageOfArrayOfContentParts(List.of(
                ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text("What is in this picture?").build()),
                ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder().imageUrl(
                        ChatCompletionContentPartImage.ImageUrl.builder().url("https://example.com/cat.png").build()).build())));
    }

    static ChatCompletionCreateParams text(String model) {
        return ChatCompletionCreateParams.builder().model(model).maxCompletionTokens(5).addUserMessage("hello").build();
    }

    static JsonNode providers(String adminKey) {
        HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/admin/v1/providers"))
                .timeout(Duration.ofSeconds(10)).header("authorization", "Bearer " + adminKey).GET().build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static JsonNode provider(JsonNode view, String name) {
        for (JsonNode p : view.get("data")) {
            if (p.get("name").asString().equals(name)) {
                return p;
            }
        }
        throw new AssertionError("no provider " + name + " in " + view);
    }

    static JsonNode deployment(JsonNode view, String provider) {
        return provider(view, provider).get("deployments").get(0);
    }

    /** Polls the provider view until {@code done} holds, for what happens on a timer. */
    static JsonNode eventually(Predicate<JsonNode> done) throws InterruptedException {
        JsonNode view = providers(OWNER);
        for (int i = 0; i < 100 && !done.test(view); i++) {
            Thread.sleep(100);
            view = providers(OWNER);
        }
        return view;
    }

    @Test
    void anImageSkipsTheTextOnlyDeploymentAndIsServedByTheVisionOne() {
        try (HttpResponseFor<ChatCompletion> response = sdk().chat().completions().withRawResponse().create(imageRequest("chat").build())) {
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().values("x-tollgate-deployment")).containsExactly("vis/vis-model");
            assertThat(response.parse().choices()).isNotEmpty();
        }
        try (HttpResponseFor<ChatCompletion> response = sdk().chat().completions().withRawResponse().create(text("chat"))) {
            assertThat(response.headers().values("x-tollgate-deployment")).as("text goes to the weighted text deployment")
                    .containsExactly("text/text-model");
        }
        String metrics = gateway.http().get("/actuator/prometheus", "health-management-token").body();
        assertThat(metrics).containsPattern("tollgate_deployments_skipped_total\\{[^}]*reason=\"vision\"[^}]*} [1-9]");
    }

    @Test
    void whenNoDeploymentCanServeTheClientGetsA400NamingTheCapability() {
        assertThatThrownBy(() -> sdk().chat().completions().create(imageRequest("text-only").build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.code()).hasValue("unsupported_capability");
                    assertThat(e.getMessage()).contains("text/text-only-model").contains("lacks vision").contains("'text-only'");
                });
        ChatCompletionCreateParams withTools = ChatCompletionCreateParams.builder().model("text-only").addUserMessage("weather?")
                .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather").build()).build())
                .build();
        assertThatThrownBy(() -> sdk().chat().completions().create(withTools))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.getMessage()).contains("lacks tools");
                    assertThat(e.param()).hasValue("tools");
                });
    }

    @Test
    void failuresOpenTheBreakerAndTheProviderViewShowsIt() {
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> sdk().chat().completions().create(text("flaky")))
                    .isInstanceOfSatisfying(OpenAIServiceException.class, e -> assertThat(e.statusCode()).isEqualTo(502));
        }
        assertThatThrownBy(() -> sdk().chat().completions().create(text("flaky")))
                .isInstanceOfSatisfying(OpenAIServiceException.class, e -> assertThat(e.statusCode()).as("open: not called").isEqualTo(503));

        JsonNode d = deployment(providers(VIEWER), "flaky");
        assertThat(d.get("id").asString()).isEqualTo("flaky/flaky-model");
        assertThat(d.get("state").asString()).isEqualTo("down");
        assertThat(d.at("/circuit_breaker/state").asString()).isEqualTo("open");
        assertThat(d.at("/circuit_breaker/failure_rate_percent").asDouble()).isEqualTo(100.0);
        assertThat(d.at("/recent/requests").asInt()).as("the refused call never reached the provider").isEqualTo(3);
        assertThat(d.at("/recent/errors").asInt()).isEqualTo(3);
        assertThat(d.at("/recent/error_rate").asDouble()).isEqualTo(1.0);
        assertThat(d.at("/last_error/code").asString()).isEqualTo("500");
        assertThat(d.at("/last_error/at").asString()).isNotBlank();
        assertThat(provider(providers(OWNER), "flaky").get("base_host").asString()).isEqualTo("127.0.0.1");
    }

    @Test
    void callsShowUpAsLatencyPercentiles() {
        for (int i = 0; i < 4; i++) {
            assertThat(sdk().chat().completions().create(text("slow")).choices()).isNotEmpty();
        }
        JsonNode d = deployment(providers(OWNER), "slow");
        assertThat(d.get("state").asString()).isEqualTo("healthy");
        assertThat(d.at("/circuit_breaker/state").asString()).isEqualTo("closed");
        assertThat(d.at("/recent/requests").asInt()).isEqualTo(4);
        assertThat(d.at("/recent/errors").asInt()).isZero();
        assertThat(d.at("/recent/latency_ms/p50").asLong()).isGreaterThanOrEqualTo(40);
        assertThat(d.at("/recent/latency_ms/p99").asLong()).isGreaterThanOrEqualTo(d.at("/recent/latency_ms/p50").asLong());
        assertThat(d.get("last_error").isNull()).isTrue();
        JsonNode caps = deployment(providers(OWNER), "vis").get("capabilities");
        assertThat(caps.get("vision").asBoolean()).isTrue();
        assertThat(caps.get("context-window").asInt()).isEqualTo(128000);
        assertThat(caps.get("tools").isNull()).as("not stated").isTrue();
    }

    @Test
    void probesReportTheirStatusAndAFailingProbeDegradesWithoutOpeningTheBreaker() throws Exception {
        JsonNode view = eventually(v -> "up".equals(provider(v, "vis").at("/probe/status").asString(""))
                && "down".equals(provider(v, "bad").at("/probe/status").asString(""))
                && "up".equals(provider(v, "flaky").at("/probe/status").asString("")));
        JsonNode vis = provider(view, "vis").get("probe");
        assertThat(vis.get("status").asString()).as(vis.toString()).isEqualTo("up");
        assertThat(vis.get("method").asString()).isEqualTo("chat:vis-model");
        assertThat(vis.get("checked_at").asString()).isNotBlank();
        assertThat(provider(view, "flaky").at("/probe/method").asString()).isEqualTo("models");
        assertThat(provider(view, "flaky").at("/probe/status").asString()).isEqualTo("up");

        JsonNode bad = provider(view, "bad");
        assertThat(bad.at("/probe/status").asString()).as(bad.toString()).isEqualTo("down");
        assertThat(bad.at("/probe/error").asString()).contains("503");
        assertThat(bad.at("/probe/consecutive_failures").asInt()).isPositive();
        assertThat(bad.at("/deployments/0/circuit_breaker/state").asString()).as("a probe never opens the breaker").isEqualTo("closed");
        assertThat(bad.at("/deployments/0/state").asString()).isEqualTo("degraded");
        assertThat(provider(view, "text").at("/probe/enabled").asBoolean()).isFalse();

        String metrics = gateway.http().get("/actuator/prometheus", "health-management-token").body();
        assertThat(metrics).containsPattern("tollgate_deployment_health\\{[^}]*deployment=\"bad/bad-model\"[^}]*state=\"degraded\"[^}]*} 1");
    }

    @Test
    void theProviderViewNeedsAnAdminKey() {
        HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/admin/v1/providers"))
                .header("authorization", "Bearer " + KEY).GET().build());
        assertThat(r.statusCode()).isEqualTo(401);
    }
}
