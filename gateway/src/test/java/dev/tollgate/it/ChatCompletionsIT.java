package dev.tollgate.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.http.Fault;
import dev.tollgate.testing.TestPostgres;
import dev.tollgate.testing.Transcripts;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The OpenAI chat path end to end: pass-through, streaming, fallback, errors, usage rows in PostgreSQL. */
class ChatCompletionsIT extends GatewayTestBase {

    @Test
    void nonStreamingAnswerIsPassedThroughAndOnlyTheModelIsRewrittenUpstream() {
        String answer = Transcripts.chatCompletion("gpt-4o-mini-2024-07-18", "Hello!");
        PRIMARY.stubFor(post("/v1/chat/completions").willReturn(aResponse().withHeader("content-type", "application/json").withBody(answer)));
        String body = "{\"model\":\"gpt-4o-mini\",  \"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}],"
                + "\"x_vendor_extension\":{\"keep\":[1,2.50]},\"user\":\"end-user-7\"}";

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-pass-1", body);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(answer);
        assertThat(response.headers().firstValue("x-request-id")).hasValue("it-pass-1");
        assertThat(response.headers().firstValue("x-tollgate-deployment")).hasValue("primary/gpt-4o-mini-2024-07-18");
        PRIMARY.verify(postRequestedFor(urlEqualTo("/v1/chat/completions"))
                .withHeader("authorization", equalTo("Bearer sk-primary-secret-0000"))
                .withHeader("x-request-id", equalTo("it-pass-1"))
                .withRequestBody(equalTo(body.replace("\"gpt-4o-mini\"", "\"gpt-4o-mini-2024-07-18\""))));

        Map<String, Object> event = TestPostgres.usageEvent("it-pass-1");
        assertThat(event).containsEntry("status", 200).containsEntry("provider", "primary")
                .containsEntry("model", "gpt-4o-mini").containsEntry("requested_model", "gpt-4o-mini")
                .containsEntry("deployment", "primary/gpt-4o-mini-2024-07-18")
                .containsEntry("input_tokens", 19L).containsEntry("output_tokens", 10L).containsEntry("cached_input_tokens", 4L)
                .containsEntry("tokens_estimated", false).containsEntry("team", "platform").containsEntry("project", "it")
                .containsEntry("end_user", "end-user-7").containsEntry("price_version", "openai-2026-11")
                .containsEntry("stream", false).containsEntry("operation", "chat");
        // 15 × 0.15 + 4 × 0.075 + 10 × 0.60 per 1M tokens
        assertThat((BigDecimal) event.get("cost_usd")).isEqualByComparingTo("0.00000855");
        assertThat(event.get("metadata").toString()).contains("cc-42");
    }

    @Test
    void streamIsForwardedAndTheUsageChunkIsRemovedWhenTheClientDidNotAskForIt() {
        String model = "gpt-4o-mini-2024-07-18";
        PRIMARY.stubFor(post("/v1/chat/completions").willReturn(aResponse()
                .withHeader("content-type", "text/event-stream").withBody(Transcripts.stream(model))));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-stream-1", chat("gpt-4o-mini", true, null));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        String expected = Transcripts.chunk(model, "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", null)
                + Transcripts.chunk(model, "{\"content\":\"Hello\"}", null)
                + Transcripts.chunk(model, "{\"content\":\" there\"}", null)
                + Transcripts.chunk(model, "{}", "stop")
                + "data: [DONE]\n\n";
        assertThat(response.body()).isEqualTo(expected);
        PRIMARY.verify(postRequestedFor(urlEqualTo("/v1/chat/completions"))
                .withRequestBody(matchingJsonPath("$.stream_options.include_usage", equalTo("true"))));
        Map<String, Object> event = TestPostgres.usageEvent("it-stream-1");
        assertThat(event).containsEntry("input_tokens", 9L).containsEntry("output_tokens", 2L)
                .containsEntry("stream", true).containsEntry("tokens_estimated", false);
        assertThat(event.get("ttft_ms")).isNotNull();
    }

    @Test
    void usageChunkIsKeptWhenTheClientAskedForIt() {
        PRIMARY.stubFor(post("/v1/chat/completions").willReturn(aResponse()
                .withHeader("content-type", "text/event-stream").withBody(Transcripts.stream("m"))));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-stream-2",
                chat("gpt-4o-mini", true, "\"stream_options\":{\"include_usage\":true}"));

        assertThat(response.body()).isEqualTo(Transcripts.stream("m"));
    }

    @Test
    void upstream503FallsBackToTheNextModel() {
        PRIMARY.stubFor(post("/v1/chat/completions").willReturn(aResponse().withStatus(503)
                .withBody(Transcripts.error("The server is overloaded", "server_error", null))));
        SECONDARY.stubFor(post("/v1/chat/completions")
                .willReturn(aResponse().withHeader("content-type", "application/json").withBody(Transcripts.chatCompletion("backup-upstream", "Hi"))));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-fb-503", chat("gpt-4o-mini", false, null));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("backup-upstream");
        assertThat(response.headers().firstValue("x-tollgate-fallbacks")).hasValue("1");
        SECONDARY.verify(postRequestedFor(urlEqualTo("/v1/chat/completions"))
                .withRequestBody(matchingJsonPath("$.model", equalTo("backup-upstream"))));
        Map<String, Object> event = TestPostgres.usageEvent("it-fb-503");
        assertThat(event).containsEntry("provider", "secondary").containsEntry("model", "backup")
                .containsEntry("requested_model", "gpt-4o-mini").containsEntry("attempts", 2)
                .containsEntry("fallback_path", "primary/gpt-4o-mini-2024-07-18:503 > secondary/backup-upstream:ok")
                .containsEntry("price_version", "backup-v1");
    }

    @Test
    void timeoutFallsBackToTheNextModel() {
        PRIMARY.stubFor(post("/v1/chat/completions").willReturn(aResponse().withFixedDelay(3000)
                .withBody(Transcripts.chatCompletion("slow", "late"))));
        SECONDARY.stubFor(post("/v1/chat/completions").willReturn(aResponse().withBody(Transcripts.chatCompletion("backup-upstream", "Hi"))));

        long start = System.nanoTime();
        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-fb-timeout", chat("gpt-4o-mini", false, null));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("backup-upstream");
        assertThat((System.nanoTime() - start) / 1_000_000).as("total timeout of primary is 1.5 s").isLessThan(2900);
        assertThat(TestPostgres.usageEvent("it-fb-timeout").get("fallback_path").toString())
                .startsWith("primary/gpt-4o-mini-2024-07-18:total_timeout > ");
    }

    @Test
    void connectionRefusedFallsBackToTheNextModel() {
        SECONDARY.stubFor(post("/v1/chat/completions").willReturn(aResponse().withBody(Transcripts.chatCompletion("backup-upstream", "Hi"))));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-fb-refused", chat("refused-first", false, null));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(TestPostgres.usageEvent("it-fb-refused").get("fallback_path").toString())
                .isEqualTo("refused/nothing:connect_failed > secondary/backup-upstream:ok");
    }

    @Test
    void streamFallsBackWhileNoByteHasReachedTheClient() {
        PRIMARY.stubFor(post("/v1/chat/completions").willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        SECONDARY.stubFor(post("/v1/chat/completions").willReturn(aResponse()
                .withHeader("content-type", "text/event-stream").withBody(Transcripts.stream("backup-upstream"))));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-fb-stream", chat("gpt-4o-mini", true, null));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"backup-upstream\"").endsWith("data: [DONE]\n\n").doesNotContain("\"error\"");
    }

    @Test
    void streamTimeoutBeforeTheFirstChunkFallsBack() {
        PRIMARY.stubFor(post("/v1/chat/completions").willReturn(aResponse().withFixedDelay(2000)
                .withHeader("content-type", "text/event-stream").withBody(Transcripts.stream("slow"))));
        SECONDARY.stubFor(post("/v1/chat/completions").willReturn(aResponse()
                .withHeader("content-type", "text/event-stream").withBody(Transcripts.stream("backup-upstream"))));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-fb-ttfb", chat("gpt-4o-mini", true, null));

        assertThat(response.body()).contains("backup-upstream").doesNotContain("slow");
        assertThat(TestPostgres.usageEvent("it-fb-ttfb").get("fallback_path").toString())
                .startsWith("primary/gpt-4o-mini-2024-07-18:first_byte_timeout > secondary");
    }

    @Test
    void midStreamFailureEndsTheStreamWithAnErrorEvent() {
        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-midstream", chat("broken", true, null));

        assertThat(response.statusCode()).isEqualTo(200);
        String body = response.body();
        assertThat(body).contains("\"content\":\"Hel\"").doesNotContain("[DONE]");
        String last = body.substring(body.lastIndexOf("data: "));
        assertThat(last).startsWith("data: {\"error\":{\"message\":").contains("\"type\":\"server_error\"").endsWith("}}\n\n");
        Map<String, Object> event = TestPostgres.usageEvent("it-midstream");
        assertThat(event.get("status")).isEqualTo(502);
        assertThat(event).containsEntry("provider", "broken").containsEntry("tokens_estimated", true);
        assertThat((Long) event.get("output_tokens")).isPositive();
    }

    @Test
    void clientErrorsFromTheProviderAreReturnedAsTheyAreWithoutFallback() {
        PRIMARY.stubFor(post("/v1/chat/completions").willReturn(aResponse().withStatus(400).withBody(
                Transcripts.error("This model's maximum context length is 128000 tokens.", "invalid_request_error", "context_length_exceeded"))));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-400", chat("gpt-4o-mini", false, null));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo(Transcripts.error("This model's maximum context length is 128000 tokens.",
                "invalid_request_error", "context_length_exceeded"));
        assertThat(SECONDARY.getAllServeEvents()).isEmpty();
    }

    @Test
    void providerAuthFailureNeverEchoesProviderKeyMaterial() {
        PRIMARY.stubFor(post("/v1/chat/completions").willReturn(aResponse().withStatus(401).withBody(
                Transcripts.error("Incorrect API key provided: sk-prim****0000.", "invalid_request_error", "invalid_api_key"))));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-401-up", chat("creds", false, null));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).doesNotContain("sk-").contains("upstream provider rejected the gateway's own credentials");
    }

    @Test
    void everyDeploymentFailingGivesA5xxEnvelope() {
        PRIMARY.stubFor(post("/v1/chat/completions").willReturn(aResponse().withStatus(500).withBody("oops")));
        SECONDARY.stubFor(post("/v1/chat/completions").willReturn(aResponse().withStatus(502).withBody("<html>bad gateway</html>")));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-all-fail", chat("gpt-4o-mini", true, null));

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.body()).contains("\"type\":\"server_error\"").contains("Every deployment for model 'gpt-4o-mini' failed")
                .contains("primary/gpt-4o-mini-2024-07-18:500").contains("secondary/backup-upstream:502");
        assertThat(TestPostgres.usageEvent("it-all-fail")).containsEntry("status", 502).containsEntry("error_code", "upstream_error")
                .containsEntry("fallback_path", "primary/gpt-4o-mini-2024-07-18:500 > secondary/backup-upstream:502")
                .containsEntry("provider", "secondary");
    }

    @Test
    void retriesHonourRetryAfterThenSucceed() {
        PRIMARY.stubFor(post("/v1/chat/completions").withRequestBody(containing("patient-upstream"))
                .inScenario("retry").whenScenarioStateIs("Started").willSetStateTo("second")
                .willReturn(aResponse().withStatus(429).withHeader("retry-after", "0.2")
                        .withBody(Transcripts.error("Rate limit reached", "requests", "rate_limit_exceeded"))));
        PRIMARY.stubFor(post("/v1/chat/completions").withRequestBody(containing("patient-upstream"))
                .inScenario("retry").whenScenarioStateIs("second")
                .willReturn(aResponse().withBody(Transcripts.chatCompletion("patient-upstream", "finally"))));

        long start = System.nanoTime();
        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-retry", chat("patient", false, null));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat((System.nanoTime() - start) / 1_000_000).as("waited for retry-after").isGreaterThanOrEqualTo(200);
        assertThat(TestPostgres.usageEvent("it-retry").get("fallback_path"))
                .isEqualTo("retrying/patient-upstream:429 > retrying/patient-upstream:ok");
    }

    @Test
    void upstreamRateLimitWithLongRetryAfterIsA429ForTheClient() {
        PRIMARY.stubFor(post("/v1/chat/completions").willReturn(aResponse().withStatus(429).withHeader("retry-after", "30")
                .withBody(Transcripts.error("Rate limit reached", "requests", "rate_limit_exceeded"))));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-429", chat("solo", false, null));

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("retry-after")).hasValue("30");
        assertThat(response.body()).contains("\"type\":\"rate_limit_exceeded\"");

        // The deployment now cools down for its retry-after: the next call does not reach the provider.
        int before = PRIMARY.getAllServeEvents().size();
        HttpResponse<String> again = http.post("/v1/chat/completions", KEY, "it-429-cooling", chat("solo", false, null));
        assertThat(again.statusCode()).isEqualTo(429);
        assertThat(again.body()).contains("cooling down");
        assertThat(PRIMARY.getAllServeEvents()).hasSize(before);
    }

    @Test
    void openCircuitSkipsTheFailingDeployment() {
        PRIMARY.stubFor(post("/flaky/v1/chat/completions").willReturn(aResponse().withStatus(503)));
        SECONDARY.stubFor(post("/v1/chat/completions").willReturn(aResponse().withBody(Transcripts.chatCompletion("backup-upstream", "Hi"))));

        for (int i = 0; i < 3; i++) {
            assertThat(http.post("/v1/chat/completions", KEY, "it-cb-" + i, chat("flaky", false, null)).statusCode()).isEqualTo(200);
        }

        assertThat(PRIMARY.countRequestsMatching(postRequestedFor(urlEqualTo("/flaky/v1/chat/completions")).build()).getCount())
                .as("after two failures the breaker opened and the third call never reached the provider").isEqualTo(2);
        assertThat(TestPostgres.usageEvent("it-cb-2").get("fallback_path").toString()).startsWith("flaky/flaky-upstream:circuit_open");
    }

    @Test
    void clientLeavingBeforeTheFirstByteCancelsTheUpstreamCall() throws Exception {
        int before = NETTY.slowStartCancelled.get();
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(http.base() + "/v1/chat/completions"))
                .header("authorization", "Bearer " + KEY).header("x-request-id", "it-gone-early")
                .timeout(java.time.Duration.ofMillis(300))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(chat("slowstart", true, null))).build();
        try {
            dev.tollgate.testing.Http.client().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.net.http.HttpTimeoutException expected) {
            // the client gives up after 300 ms and closes the connection
        }
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (NETTY.slowStartCancelled.get() == before && System.nanoTime() < deadline) {
            TestPostgres.sleep(20);
        }
        assertThat(NETTY.slowStartCancelled.get()).as("upstream call cancelled long before its 5 s first byte").isGreaterThan(before);
        assertThat(TestPostgres.usageEvent("it-gone-early")).containsEntry("status", 499).containsEntry("error_code", "client_closed");
    }

    @Test
    void clientDisconnectCancelsTheUpstreamCallAndIsStillMetered() throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(http.base() + "/v1/chat/completions"))
                .header("authorization", "Bearer " + KEY).header("x-request-id", "it-disconnect")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(chat("endless", true, null))).build();
        int closedBefore = NETTY.endlessClosed.get();
        var response = dev.tollgate.testing.Http.client().send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (var in = response.body()) {
            byte[] buffer = new byte[4096];
            int total = 0;
            while (total < 1500) {
                total += in.read(buffer);
            }
        } // closing the stream closes the connection mid-answer

        long deadline = System.nanoTime() + 5_000_000_000L;
        while (NETTY.endlessClosed.get() == closedBefore && System.nanoTime() < deadline) {
            TestPostgres.sleep(20);
        }
        assertThat(NETTY.endlessClosed.get()).as("upstream stream cancelled").isGreaterThan(closedBefore);
        Map<String, Object> event = TestPostgres.usageEvent("it-disconnect");
        assertThat(event).containsEntry("status", 499).containsEntry("error_code", "client_closed").containsEntry("tokens_estimated", true);
        assertThat((Long) event.get("output_tokens")).isPositive();
        assertThat((Long) event.get("input_tokens")).isPositive();
        assertThat((BigDecimal) event.get("cost_usd")).isPositive();
    }
}
