package dev.tollgate.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.support.Json;
import dev.tollgate.testing.TestPostgres;
import dev.tollgate.testing.Transcripts;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A Gemini upstream behind the OpenAI front door, through the real HTTP path, and cross-vendor fallback. */
class GeminiProviderIT extends GatewayTestBase {

    static final String GENERATE = "/gemini/v1beta/models/gemini-2.5-flash:generateContent";
    static final String STREAM_GENERATE = "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";

    static final String RESPONSE = """
            {"candidates":[{"content":{"parts":[{"text":"Hello from Gemini"}],"role":"model"},"finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":14,"candidatesTokenCount":4,"totalTokenCount":21,"cachedContentTokenCount":6,"thoughtsTokenCount":3},
             "modelVersion":"gemini-2.5-flash","responseId":"resp-it-1"}""";

    static final String STREAM = """
            data: {"candidates": [{"content": {"parts": [{"text": "Hello"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 14,"totalTokenCount": 14},"modelVersion": "gemini-2.5-flash","responseId": "resp-it-2"}

            data: {"candidates": [{"content": {"parts": [{"text": " there"}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 14,"candidatesTokenCount": 2,"totalTokenCount": 16},"modelVersion": "gemini-2.5-flash","responseId": "resp-it-2"}

            """;

    @Test
    void openAiClientsGetGeminisAnswerInOpenAiShape() {
        PRIMARY.stubFor(post(GENERATE).willReturn(aResponse().withHeader("content-type", "application/json").withBody(RESPONSE)));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-gemini-1",
                "{\"model\":\"gemini-flash\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi\"}]}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"object\":\"chat.completion\"").contains("Hello from Gemini")
                .contains("\"finish_reason\":\"stop\"");
        PRIMARY.verify(postRequestedFor(urlEqualTo(GENERATE))
                .withHeader("x-goog-api-key", equalTo("gemini-test-key-0000"))
                .withRequestBody(matchingJsonPath("$.systemInstruction.parts[0].text", equalTo("Be brief.")))
                .withRequestBody(matchingJsonPath("$.contents[0].role", equalTo("user"))));
        Map<String, Object> event = TestPostgres.usageEvent("it-gemini-1");
        assertThat(event).containsEntry("provider", "gemini").containsEntry("input_tokens", 14L)
                .containsEntry("cached_input_tokens", 6L).containsEntry("output_tokens", 7L);
    }

    @Test
    void geminiStreamsAsOpenAiChunks() {
        PRIMARY.stubFor(post(urlEqualTo(STREAM_GENERATE))
                .willReturn(aResponse().withHeader("content-type", "text/event-stream").withBody(STREAM)));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-gemini-stream",
                chat("gemini-flash", true, "\"stream_options\":{\"include_usage\":true}"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"object\":\"chat.completion.chunk\"").contains("\"content\":\"Hello\"")
                .contains("\"content\":\" there\"").contains("\"finish_reason\":\"stop\"").contains("\"prompt_tokens\":14")
                .endsWith("data: [DONE]\n\n");
        assertThat(response.body().indexOf("\"role\":\"assistant\"")).isLessThan(response.body().indexOf("\"content\":\"Hello\""));
    }

    @Test
    void overloadedGeminiFallsBackToAnOpenAiCompatibleDeploymentStreamingToo() {
        String unavailable = "{\"error\":{\"code\":503,\"message\":\"The model is overloaded. Please try again later.\",\"status\":\"UNAVAILABLE\"}}";
        PRIMARY.stubFor(post(urlEqualTo(GENERATE)).willReturn(aResponse().withStatus(503).withBody(unavailable)));
        PRIMARY.stubFor(post(urlEqualTo(STREAM_GENERATE)).willReturn(aResponse().withStatus(503).withBody(unavailable)));
        SECONDARY.stubFor(post("/v1/chat/completions").atPriority(1).withRequestBody(matchingJsonPath("$.stream", equalTo("true")))
                .willReturn(aResponse().withHeader("content-type", "text/event-stream").withBody(Transcripts.stream("backup-upstream"))));
        SECONDARY.stubFor(post("/v1/chat/completions").atPriority(5)
                .willReturn(aResponse().withBody(Transcripts.chatCompletion("backup-upstream", "Hi from the backup"))));

        HttpResponse<String> json = http.post("/v1/chat/completions", KEY, "it-gemini-503", chat("gemini-flash", false, null));
        assertThat(json.statusCode()).isEqualTo(200);
        assertThat(json.body()).contains("Hi from the backup");
        assertThat(TestPostgres.usageEvent("it-gemini-503").get("fallback_path"))
                .isEqualTo("gemini/gemini-2.5-flash:503 > secondary/backup-upstream:ok");

        HttpResponse<String> stream = http.post("/v1/chat/completions", KEY, "it-gemini-503-stream", chat("gemini-flash", true, null));
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.body()).contains("backup-upstream").endsWith("data: [DONE]\n\n");
        assertThat(TestPostgres.usageEvent("it-gemini-503-stream").get("fallback_path"))
                .isEqualTo("gemini/gemini-2.5-flash:503 > secondary/backup-upstream:ok");
    }

    @Test
    void googlesVerdictOnTheRequestComesBackInTheOpenAiEnvelope() {
        PRIMARY.stubFor(post(urlEqualTo(GENERATE)).willReturn(aResponse().withStatus(400).withHeader("content-type", "application/json")
                .withBody("""
                        {"error":{"code":400,"message":"The input token count (1245678) exceeds the maximum number of tokens allowed (1048576).",
                                  "status":"INVALID_ARGUMENT"}}""")));
        HttpResponse<String> tooLong = http.post("/v1/chat/completions", KEY, "it-gemini-400", chat("gemini-flash", false, null));
        assertThat(tooLong.statusCode()).isEqualTo(400);
        JsonNode error = Json.MAPPER.readTree(tooLong.body()).get("error");
        assertThat(error.get("message").asString())
                .isEqualTo("The input token count (1245678) exceeds the maximum number of tokens allowed (1048576).");
        assertThat(error.get("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.get("code").asString()).isEqualTo("context_length_exceeded");
        assertThat(SECONDARY.getAllServeEvents()).isEmpty(); // not the kind of failure a fallback fixes

        PRIMARY.stubFor(post(urlEqualTo(STREAM_GENERATE)).willReturn(aResponse().withHeader("content-type", "text/event-stream").withBody("""
                data: {"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},"usageMetadata": {"promptTokenCount": 9,"totalTokenCount": 9},"modelVersion": "gemini-2.5-flash"}

                """)));
        HttpResponse<String> blocked = http.post("/v1/chat/completions", KEY, "it-gemini-blocked", chat("gemini-flash", true, null));
        assertThat(blocked.statusCode()).isEqualTo(400);
        JsonNode refusal = Json.MAPPER.readTree(blocked.body()).get("error");
        assertThat(refusal.get("code").asString()).isEqualTo("content_filter");
        assertThat(refusal.get("message").asString()).contains("blockReason: PROHIBITED_CONTENT");
    }
}
