package dev.tollgate.money;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.tollgate.budget.BudgetLedger;
import dev.tollgate.budget.LedgerBalance;
import dev.tollgate.testing.GatewayInstance;
import dev.tollgate.testing.TestPostgres;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** Rate limits through the OpenAI SDK, budget 429s, spend across a restart, and the Redis failure policy. */
class LimitsAndPoliciesIT {

    private static Path config(String yaml) throws Exception {
        Path dir = Files.createTempDirectory("tollgate-limits");
        Path file = dir.resolve("tollgate.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static OpenAIClient sdk(GatewayInstance gateway, String key) {
        return OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + gateway.port() + "/v1").apiKey(key).maxRetries(0).build();
    }

    private static ChatCompletionCreateParams chat(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("hello").maxCompletionTokens(10).build();
    }

    @Test
    void rateLimitHeadersAndRateLimitErrorThroughTheSdk() throws Exception {
        String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong());
        Path file = config("""
                providers:
                  sim: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 5 }
                models:
                  m: { deployments: [ { provider: sim } ], price: { input: 1, output: 1 } }
                keys:
                  - { name: k-%1$s, key: tg-limited-%1$s, team: t-%1$s, limits: { requests-per-minute: 3 } }
                rate-limits:
                  - { name: team-tokens-%1$s, per: team, tokens-per-minute: 100000 }
                """.formatted(suffix));
        try (GatewayInstance gateway = GatewayInstance.start(GatewayInstance.properties(file, file.getParent(), "redis"))) {
            OpenAIClient client = sdk(gateway, "tg-limited-" + suffix);
            try (HttpResponseFor<ChatCompletion> first = client.chat().completions().withRawResponse().create(chat("m"))) {
                assertThat(first.headers().values("x-ratelimit-limit-requests")).containsExactly("3");
                assertThat(first.headers().values("x-ratelimit-remaining-requests")).containsExactly("2");
                assertThat(first.headers().values("x-ratelimit-limit-tokens")).containsExactly("100000");
                assertThat(first.headers().values("x-ratelimit-reset-requests")).hasSize(1);
            }
            client.chat().completions().create(chat("m"));
            client.chat().completions().create(chat("m"));
            assertThatThrownBy(() -> client.chat().completions().create(chat("m")))
                    .isInstanceOf(RateLimitException.class)
                    .satisfies(e -> {
                        RateLimitException r = (RateLimitException) e;
                        assertThat(r.code()).hasValue("rate_limit_exceeded");
                        assertThat(r.headers().values("retry-after")).hasSize(1);
                        assertThat(r.headers().values("x-ratelimit-remaining-requests")).containsExactly("0");
                    });
        }
    }

    @Test
    void budgetExhaustionIsAnInsufficientQuotaRateLimitErrorAndSpendSurvivesARestart() throws Exception {
        String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong());
        String budget = "tiny-" + suffix;
        Path file = config("""
                providers:
                  sim: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 5 }
                models:
                  m: { deployments: [ { provider: sim } ], price: { input: 1000, output: 1000 } }
                keys:
                  - { name: k, key: tg-budget-%1$s, team: t-%1$s }
                budgets:
                  - { name: %2$s, scope: { team: t-%1$s }, period: daily, amount: 0.05 }
                """.formatted(suffix, budget));
        Map<String, Object> props = GatewayInstance.properties(file, file.getParent(), "memory");
        long spentBefore;
        String account = budget + "|all|" + Instant.now().toString().substring(0, 10);
        try (GatewayInstance gateway = GatewayInstance.start(props)) {
            OpenAIClient client = sdk(gateway, "tg-budget-" + suffix);
            int ok = 0;
            RateLimitException refused = null;
            for (int i = 0; i < 10 && refused == null; i++) {
                try {
                    client.chat().completions().create(chat("m"));
                    ok++;
                } catch (RateLimitException e) {
                    refused = e;
                }
            }
            assertThat(ok).isPositive();
            assertThat(refused).isNotNull();
            assertThat(refused.code()).hasValue("insufficient_quota");
            assertThat(refused.type()).hasValue("insufficient_quota");
            assertThat(refused.getMessage()).contains(budget).contains("resets at");
            assertThat(refused.headers().values("x-should-retry")).containsExactly("false");
            spentBefore = awaitSettled(gateway, account).spentMicros();
            assertThat(spentBefore).isPositive();
        }
        try (GatewayInstance restarted = GatewayInstance.start(props)) {
            assertThat(awaitSettled(restarted, account).spentMicros()).as("rebuilt from the usage store").isEqualTo(spentBefore);
            assertThatThrownBy(() -> sdk(restarted, "tg-budget-" + suffix).chat().completions().create(chat("m")))
                    .isInstanceOf(RateLimitException.class).hasMessageContaining(budget);
        }
    }

    private static LedgerBalance awaitSettled(GatewayInstance gateway, String account) throws InterruptedException {
        BudgetLedger ledger = gateway.bean(BudgetLedger.class);
        LedgerBalance balance = null;
        for (int i = 0; i < 100; i++) {
            balance = ledger.balances(List.of(account)).block().get(0);
            if (balance.reservedMicros() == 0) {
                break;
            }
            Thread.sleep(50);
        }
        return balance;
    }

    @Test
    void underABudgetACallWithoutAnOutputLimitGetsTheModelsMaxOutputTokens() throws Exception {
        String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong());
        // The provider would write 200 tokens; the reservation assumes the model's 50.
        Path file = config("""
                providers:
                  sim: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 200 }
                models:
                  m: { deployments: [ { provider: sim } ], price: { input: 1, output: 1 }, max-output-tokens: 50 }
                  free: { deployments: [ { provider: sim } ], price: { input: 1, output: 1 }, max-output-tokens: 50 }
                keys:
                  - { name: k, key: tg-maxout-%1$s, team: maxout-%1$s }
                budgets:
                  - { name: b-%1$s, scope: { team: maxout-%1$s, model: m }, amount: 10 }
                """.formatted(suffix));
        try (GatewayInstance gateway = GatewayInstance.start(GatewayInstance.properties(file, file.getParent(), "memory"))) {
            HttpResponse<String> budgeted = gateway.http().post("/v1/chat/completions", "tg-maxout-" + suffix, null,
                    "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
            assertThat(budgeted.statusCode()).as(budgeted.body()).isEqualTo(200);
            assertThat(budgeted.body()).contains("\"finish_reason\":\"length\"");
            assertThat(completionTokens(budgeted.body())).isBetween(40, 60);
            // No budget applies to this model: the client's request goes up unchanged.
            HttpResponse<String> unbudgeted = gateway.http().post("/v1/chat/completions", "tg-maxout-" + suffix, null,
                    "{\"model\":\"free\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
            assertThat(completionTokens(unbudgeted.body())).isGreaterThan(150);
        }
    }

    private static int completionTokens(String body) {
        return dev.tollgate.support.Json.MAPPER.readTree(body).path("usage").path("completion_tokens").asInt();
    }

    @Test
    void capMaxTokensShrinksTheCallToWhatTheBudgetCanPayAndSoftBudgetsWarn() throws Exception {
        String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong());
        // $1000 per 1M tokens: each token costs $0.001. The capped budget has $0.030:
        // about 10 input tokens leave room for ~20 of the 1000 output tokens asked for.
        Path file = config("""
                providers:
                  sim: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 200 }
                models:
                  m: { deployments: [ { provider: sim } ], price: { input: 1000, output: 1000 } }
                keys:
                  - { name: k, key: tg-cap-%1$s, team: cap-%1$s }
                budgets:
                  - { name: capped-%1$s, scope: { team: cap-%1$s }, amount: 0.030, on-exceed: cap-max-tokens }
                  - { name: soft-%1$s, scope: { team: cap-%1$s }, amount: 0.001, enforcement: soft }
                """.formatted(suffix));
        try (GatewayInstance gateway = GatewayInstance.start(GatewayInstance.properties(file, file.getParent(), "memory"))) {
            HttpResponse<String> r = gateway.http().post("/v1/chat/completions", "tg-cap-" + suffix, null,
                    "{\"model\":\"m\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            int capped = Integer.parseInt(r.headers().firstValue("x-tollgate-max-tokens-capped").orElseThrow());
            assertThat(capped).isBetween(1, 29);
            assertThat(r.body()).contains("\"finish_reason\":\"length\"");
            assertThat(r.headers().firstValue("x-tollgate-budget-warning")).hasValueSatisfying(w ->
                    assertThat(w).contains("soft-" + suffix));
        }
    }

    @Test
    void providerFreeTierLimitsRotateToTheNextDeploymentInsteadOfCollecting429s() throws Exception {
        String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong());
        Path file = config("""
                providers:
                  free-%1$s: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 5, limits: { requests-per-minute: 2, max-wait: 0ms } }
                  paid: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 5 }
                models:
                  m:
                    deployments: [ { provider: free-%1$s, model: free-m } ]
                    fallbacks: [ paid-m ]
                  paid-m: { deployments: [ { provider: paid } ] }
                keys:
                  - { name: k, key: tg-upstream-%1$s }
                """.formatted(suffix));
        try (GatewayInstance gateway = GatewayInstance.start(GatewayInstance.properties(file, file.getParent(), "redis"))) {
            String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            List<String> served = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = gateway.http().post("/v1/chat/completions", "tg-upstream-" + suffix, "up-" + suffix + "-" + i, body);
                assertThat(r.statusCode()).isEqualTo(200);
                served.add(r.headers().firstValue("x-tollgate-deployment").orElseThrow());
            }
            assertThat(served).containsExactly("free-" + suffix + "/free-m", "free-" + suffix + "/free-m", "paid/paid-m");
            assertThat(TestPostgres.usageEvent("up-" + suffix + "-2").get("fallback_path").toString())
                    .startsWith("free-" + suffix + "/free-m:upstream_limit > paid/paid-m:ok");
        }
    }

    @Test
    void redisOutageFollowsTheConfiguredPolicy() throws Exception {
        int deadPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        Path file = config("""
                providers:
                  sim: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 5 }
                models:
                  m: { deployments: [ { provider: sim } ], price: { input: 1, output: 1 } }
                keys:
                  - { name: k, key: tg-outage-key, team: outage, limits: { requests-per-minute: 100 } }
                budgets:
                  - { name: outage-budget, scope: { team: outage }, amount: 100 }
                """);
        Map<String, Object> props = GatewayInstance.properties(file, file.getParent(), "redis");
        props.put("tollgate.state.redis-url", "redis://127.0.0.1:" + deadPort);
        String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        try (GatewayInstance closed = GatewayInstance.start(props)) {
            HttpResponse<String> r = closed.http().post("/v1/chat/completions", "tg-outage-key", null, body);
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("state_store_unavailable");
        }
        props.put("tollgate.state.on-redis-failure", "fail-open");
        try (GatewayInstance open = GatewayInstance.start(props)) {
            HttpResponse<String> r = open.http().post("/v1/chat/completions", "tg-outage-key", null, body);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("99");
            assertThat(open.bean(io.micrometer.core.instrument.MeterRegistry.class).get("tollgate.state.failures")
                    .tag("policy", "fail-open").counters()).anySatisfy(c -> assertThat(c.count()).isPositive());
        }
    }
}
