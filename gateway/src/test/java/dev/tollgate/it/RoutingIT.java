package dev.tollgate.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.tollgate.classify.ComplexityModel;
import dev.tollgate.embedding.EmbeddingModel;
import dev.tollgate.embedding.OnnxEmbedder;
import dev.tollgate.testing.GatewayInstance;
import dev.tollgate.testing.TestPostgres;
import dev.tollgate.testing.Transcripts;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code model: "auto"} through HTTP with the official SDK: a rule or the trained classifier picks
 * the tier, the tier's model serves (falling back inside the tier), the headers say why, the
 * budget reserves on the chosen tier's prices, and the usage event records tier, stage, score
 * and what the baseline would have cost.
 */
class RoutingIT {

    static final WireMockServer UPSTREAM = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    static final String KEY = "tg-routing-it-key";
    static final String TIGHT_KEY = "tg-routing-it-tight";
    static final String EASY = "Please translate the word 'house' into French for my shopping list today, thanks a lot.";
    static final String HARD = "A tank holds 1,200 litres. Pipe A fills it in 6 hours, pipe B in 9 hours and drain C "
            + "empties it in 12 hours. Starting empty with all three open, after 2 hours B is closed. How many more "
            + "hours until the tank is full, and how much water did C drain in total?";
    static double threshold;
    static GatewayInstance gateway;

    @BeforeAll
    static void start() throws Exception {
        // The threshold sits halfway between the shipped model's scores of the two prompts, so the
        // test holds whatever the weights are, as long as the word problem scores higher.
        ComplexityModel model = ComplexityModel.shipped();
        try (OnnxEmbedder embedder = OnnxEmbedder.load(EmbeddingModel.fromId(model.embeddingModel()).orElseThrow(), 1)) {
            double easy = model.score(embedder.embed(List.of(EASY)).get(0).vector(), EASY);
            double hard = model.score(embedder.embed(List.of(HARD)).get(0).vector(), HARD);
            assertThat(hard).as("the word problem scores above the translation").isGreaterThan(easy);
            threshold = (easy + hard) / 2;
        }
        UPSTREAM.start();
        UPSTREAM.stubFor(post("/v1/chat/completions").withRequestBody(containing("\"stream\":true")).atPriority(2)
                .willReturn(aResponse().withHeader("content-type", "text/event-stream")
                        .withBody(Transcripts.stream("upstream"))));
        UPSTREAM.stubFor(post("/v1/chat/completions").withRequestBody(containing("\"model\":\"big-broken\"")).atPriority(1)
                .willReturn(aResponse().withStatus(503).withHeader("content-type", "application/json")
                        .withBody(Transcripts.error("overloaded", "server_error", null))));
        // The LLM classifier: a verdict in JSON, prose, or nothing in time.
        UPSTREAM.stubFor(post("/v1/chat/completions").withRequestBody(containing("judge-upstream"))
                .withRequestBody(containing("[verdict]")).atPriority(1).willReturn(aResponse()
                        .withHeader("content-type", "application/json").withBody(Transcripts.chatCompletion("judge-upstream",
                                "{\\\"task_type\\\":\\\"COMPLEX\\\",\\\"confidence\\\":0.9,"
                                        + "\\\"suggested_model_tier\\\":\\\"premium\\\"}"))));
        UPSTREAM.stubFor(post("/v1/chat/completions").withRequestBody(containing("judge-upstream"))
                .withRequestBody(containing("[prose]")).atPriority(1).willReturn(aResponse()
                        .withHeader("content-type", "application/json").withBody(Transcripts.chatCompletion("judge-upstream",
                                "This looks like a fairly simple request to me."))));
        UPSTREAM.stubFor(post("/v1/chat/completions").withRequestBody(containing("judge-upstream"))
                .withRequestBody(containing("[slow]")).atPriority(1).willReturn(aResponse().withFixedDelay(3000)
                        .withHeader("content-type", "application/json").withBody(Transcripts.chatCompletion("judge-upstream",
                                "{\\\"task_type\\\":\\\"COMPLEX\\\"}"))));
        UPSTREAM.stubFor(post("/v1/chat/completions").atPriority(3).willReturn(aResponse()
                .withHeader("content-type", "application/json").withBody(Transcripts.chatCompletion("upstream", "Answer"))));
        Path dir = Files.createTempDirectory("tollgate-routing");
        Path file = dir.resolve("tollgate.yaml");
        Files.writeString(file, """
                providers:
                  up:
                    type: openai-compatible
                    base-url: http://127.0.0.1:%1$d/v1
                    retry: { max-attempts: 1 }
                models:
                  small:
                    deployments: [ { provider: up, model: small-upstream } ]
                    price: { input: 0.15, output: 0.60 }
                  big:
                    deployments: [ { provider: up, model: big-broken } ]
                    price: { input: 2.50, output: 10.00 }
                    fallbacks: [ big-backup ]
                  big-backup:
                    deployments: [ { provider: up, model: big-backup-upstream } ]
                    price: { input: 2.50, output: 10.00 }
                  judge:
                    deployments: [ { provider: up, model: judge-upstream } ]
                    price: { input: 0.10, output: 0.40 }
                keys:
                  - { name: routing-it, key: %2$s, team: routing-it, models: [ auto, careful ] }
                  - { name: routing-it-tight, key: %3$s, team: routing-it-tight, models: [ auto ] }
                budgets:
                  # 1,000 output tokens: $0.0006 on small, $0.01 on big.
                  - { name: routing-it-tight, scope: { key: routing-it-tight }, period: monthly, amount: 0.005, enforcement: hard }
                routing:
                  aliases:
                    auto:
                      tiers: { utility: small, premium: big }
                      rules:
                        - { name: critical, when: { headers: { x-tollgate-priority: critical } }, tier: premium }
                        - { name: code-generation, when: { feature: code-generation }, tier: premium }
                      classifier: { thresholds: { premium: %4$s } }
                    careful:
                      tiers: { utility: small, premium: big }
                      classifier: { thresholds: { premium: %4$s } }
                      llm-classifier: { model: judge, band: [ 0, 1 ], timeout: 400ms }
                """.formatted(UPSTREAM.port(), KEY, TIGHT_KEY, String.format(Locale.ROOT, "%.6f", threshold)));
        gateway = GatewayInstance.start(GatewayInstance.properties(file, dir, "memory"));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        UPSTREAM.stop();
    }

    static OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + gateway.port() + "/v1").apiKey(key)
                .maxRetries(0).build();
    }

    static ChatCompletionCreateParams.Builder chat(String prompt, String requestId) {
        return ChatCompletionCreateParams.builder().model("auto").addUserMessage(prompt)
                .putAdditionalHeader("x-request-id", requestId);
    }

    @Test
    void anEasyPromptIsServedByTheUtilityTierAndTheHeadersSayWhy() {
        HttpResponseFor<ChatCompletion> response = client(KEY).chat().completions().withRawResponse()
                .create(chat(EASY, "it-routing-easy").build());

        assertThat(response.parse().choices().get(0).message().content()).contains("Answer");
        assertThat(response.headers().values("x-tollgate-route")).singleElement().asString()
                .startsWith("auto > utility > small; stage=classifier; reason=score<");
        double complexity = Double.parseDouble(response.headers().values("x-tollgate-complexity").get(0));
        assertThat(complexity).isLessThan(threshold);
        assertThat(response.headers().values("x-tollgate-deployment")).containsExactly("up/small-upstream");
        UPSTREAM.verify(postRequestedFor(urlEqualTo("/v1/chat/completions"))
                .withRequestBody(containing("\"model\":\"small-upstream\"")));

        Map<String, Object> event = TestPostgres.usageEvent("it-routing-easy");
        assertThat(event).containsEntry("requested_model", "auto").containsEntry("model", "small")
                .containsEntry("tier", "utility").containsEntry("route_stage", "classifier");
        assertThat((Double) event.get("complexity")).isCloseTo(complexity, org.assertj.core.data.Offset.offset(0.0005));
        // 19 input and 10 output tokens: $0.00000885 on small, $0.0001475 on the baseline (big).
        assertThat((BigDecimal) event.get("cost_usd")).isEqualByComparingTo("0.00000885");
        assertThat((BigDecimal) event.get("baseline_cost_usd")).isEqualByComparingTo("0.0001475");
    }

    @Test
    void aHardPromptStreamsFromThePremiumTierThroughItsFallback() {
        HttpResponseFor<StreamResponse<ChatCompletionChunk>> response = client(KEY).chat().completions().withRawResponse()
                .createStreaming(chat(HARD, "it-routing-hard-stream").build());
        String text;
        try (StreamResponse<ChatCompletionChunk> stream = response.parse()) {
            text = stream.stream().flatMap(c -> c.choices().stream())
                    .map(c -> c.delta().content().orElse("")).collect(Collectors.joining());
        }

        assertThat(text).isEqualTo("Hello there");
        assertThat(response.headers().values("x-tollgate-route")).singleElement().asString()
                .startsWith("auto > premium > big; stage=classifier; reason=score>=");
        assertThat(Double.parseDouble(response.headers().values("x-tollgate-complexity").get(0))).isGreaterThanOrEqualTo(threshold);
        Map<String, Object> event = TestPostgres.usageEvent("it-routing-hard-stream");
        assertThat(event).containsEntry("requested_model", "auto").containsEntry("tier", "premium")
                .containsEntry("model", "big-backup").containsEntry("stream", true);
        assertThat((String) event.get("fallback_path")).contains("up/big-broken").contains("up/big-backup-upstream");
        assertThat((BigDecimal) event.get("baseline_cost_usd")).isEqualByComparingTo((BigDecimal) event.get("cost_usd"));
    }

    @Test
    void aRuleDecidesBeforeTheClassifierAndTheScoreIsStillReported() {
        HttpResponseFor<ChatCompletion> response = client(KEY).chat().completions().withRawResponse()
                .create(chat(EASY, "it-routing-rule").putAdditionalHeader("x-tollgate-feature", "code-generation").build());

        assertThat(response.headers().values("x-tollgate-route"))
                .containsExactly("auto > premium > big; stage=rule; reason=code-generation");
        assertThat(Double.parseDouble(response.headers().values("x-tollgate-complexity").get(0))).isLessThan(threshold);
        assertThat(TestPostgres.usageEvent("it-routing-rule")).containsEntry("route_stage", "rule")
                .containsEntry("route_reason", "code-generation").containsEntry("tier", "premium");
    }

    @Test
    void theBudgetReservesOnTheChosenTiersPrices() {
        // The same request fits the budget on the utility tier and not on the premium tier.
        HttpResponseFor<ChatCompletion> cheap = client(TIGHT_KEY).chat().completions().withRawResponse()
                .create(chat(EASY, "it-routing-budget-cheap").maxCompletionTokens(1000).build());
        assertThat(cheap.headers().values("x-tollgate-route").get(0)).startsWith("auto > utility");

        assertThatThrownBy(() -> client(TIGHT_KEY).chat().completions().create(chat(EASY, "it-routing-budget-premium")
                        .maxCompletionTokens(1000).putAdditionalHeader("x-tollgate-priority", "critical").build()))
                .isInstanceOf(RateLimitException.class).hasMessageContaining("budget");
    }

    @Test
    void theAliasIsListedAndAnotherKeyMayNotUseIt() {
        HttpResponse<String> models = gateway.http().get("/v1/models", KEY);
        assertThat(models.body()).contains("\"id\":\"auto\"").contains("\"owned_by\":\"tollgate-router\"")
                .doesNotContain("\"id\":\"small\"");
        assertThat(gateway.http().get("/v1/models/auto", KEY).statusCode()).isEqualTo(200);
    }

    @Test
    void insideTheBandTheLlmClassifierDecidesAndIsMeteredOnItsOwn() {
        HttpResponseFor<ChatCompletion> response = client(KEY).chat().completions().withRawResponse()
                .create(chat(EASY + " [verdict]", "it-routing-llm-good").model("careful").build());

        assertThat(response.headers().values("x-tollgate-route"))
                .containsExactly("careful > premium > big; stage=llm; reason=complex,confidence=0.90");
        assertThat(TestPostgres.usageEvent("it-routing-llm-good")).containsEntry("route_stage", "llm").containsEntry("tier", "premium");
        Map<String, Object> classify = TestPostgres.usageEvent("it-routing-llm-good/classify");
        assertThat(classify).containsEntry("operation", "classify").containsEntry("requested_model", "judge")
                .containsEntry("status", 200).containsEntry("input_tokens", 19L);
        assertThat((BigDecimal) classify.get("cost_usd")).isEqualByComparingTo("0.0000059"); // 19 × 0.10 + 10 × 0.40 per 1M
        assertThat(String.valueOf(classify.get("metadata"))).contains("it-routing-llm-good");
    }

    @Test
    void anAnswerThatIsNotTheJsonLeavesTheTrainedDecision() {
        HttpResponseFor<ChatCompletion> response = client(KEY).chat().completions().withRawResponse()
                .create(chat(EASY + " [prose]", "it-routing-llm-prose").model("careful").build());

        assertThat(response.headers().values("x-tollgate-route")).singleElement().asString()
                .startsWith("careful > utility > small; stage=classifier; reason=score<").endsWith(",llm-unavailable");
        assertThat(TestPostgres.usageEvent("it-routing-llm-prose/classify")).containsEntry("status", 200);
    }

    @Test
    void aClassifierSlowerThanItsTimeoutLeavesTheTrainedDecision() {
        long start = System.nanoTime();
        HttpResponseFor<ChatCompletion> response = client(KEY).chat().completions().withRawResponse()
                .create(chat(EASY + " [slow]", "it-routing-llm-slow").model("careful").build());

        assertThat(response.headers().values("x-tollgate-route")).singleElement().asString()
                .startsWith("careful > utility > small; stage=classifier;").endsWith(",llm-unavailable");
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofMillis(2500));
        assertThat(TestPostgres.usageEvent("it-routing-llm-slow/classify")).containsEntry("status", 504)
                .containsEntry("error_code", "classifier_timeout");
    }

    @Test
    void explainShowsTheDecisionWithoutCallingAProvider() {
        int before = UPSTREAM.getAllServeEvents().size();

        HttpResponse<String> explained = gateway.http().post("/v1/route/explain", KEY, "it-routing-explain",
                "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":" + dev.tollgate.api.JsonBody.quote(HARD) + "}]}");

        assertThat(explained.statusCode()).as(explained.body()).isEqualTo(200);
        assertThat(explained.body()).contains("\"tier\":\"premium\"").contains("\"model\":\"big\"")
                .contains("\"stage\":\"classifier\"").contains("\"name\":\"critical\"").contains("\"matched\":false")
                .contains("\"complexity\":");
        assertThat(UPSTREAM.getAllServeEvents()).hasSize(before);
        assertThat(gateway.http().post("/v1/route/explain", KEY, null, "{\"model\":\"small\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}").body())
                .contains("not_a_routing_alias");
    }
}
