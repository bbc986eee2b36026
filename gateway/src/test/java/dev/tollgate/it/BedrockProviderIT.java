package dev.tollgate.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.provider.bedrock.EventStreams;
import dev.tollgate.testing.TestPostgres;
import dev.tollgate.testing.Transcripts;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A Bedrock Converse upstream behind the OpenAI front door: signed calls, event-stream streaming, fallback. */
class BedrockProviderIT extends GatewayTestBase {

    static final String MODEL_PATH = "/bedrock/model/anthropic.claude-3-haiku-20240307-v1%3A0";

    @Test
    void openAiClientsGetBedrocksAnswerInOpenAiShape() {
        PRIMARY.stubFor(post(urlPathMatching("/bedrock/model/.*/converse")).willReturn(aResponse()
                .withHeader("content-type", "application/json").withBody("""
                        {"output":{"message":{"role":"assistant","content":[{"text":"Hello from Bedrock"}]}},"stopReason":"end_turn",
                         "usage":{"inputTokens":10,"outputTokens":5,"totalTokens":19,"cacheReadInputTokens":4,"cacheWriteInputTokens":0}}""")));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-bedrock-1",
                "{\"model\":\"bedrock-haiku\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi\"}]}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"object\":\"chat.completion\"").contains("Hello from Bedrock")
                .contains("\"finish_reason\":\"stop\"");
        PRIMARY.verify(postRequestedFor(urlEqualTo(MODEL_PATH + "/converse"))
                .withHeader("Authorization", matching("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/us-east-1/bedrock/aws4_request, .*"))
                .withHeader("X-Amz-Date", matching("\\d{8}T\\d{6}Z"))
                .withRequestBody(matchingJsonPath("$.system[0].text"))
                .withRequestBody(matchingJsonPath("$.messages[0].content[0].text")));
        Map<String, Object> event = TestPostgres.usageEvent("it-bedrock-1");
        assertThat(event).containsEntry("provider", "bedrock").containsEntry("cached_input_tokens", 4L)
                .containsEntry("output_tokens", 5L);
    }

    @Test
    void converseStreamReachesTheClientAsOpenAiChunks() {
        PRIMARY.stubFor(post(urlPathMatching("/bedrock/model/.*/converse-stream")).willReturn(aResponse()
                .withHeader("content-type", "application/vnd.amazon.eventstream").withBody(EventStreams.textStream())
                .withChunkedDribbleDelay(5, 50)));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-bedrock-stream",
                chat("bedrock-haiku", true, "\"stream_options\":{\"include_usage\":true}"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"object\":\"chat.completion.chunk\"").contains("\"content\":\"Hello\"")
                .contains("\"content\":\" there\"").contains("\"finish_reason\":\"stop\"").contains("\"prompt_tokens\":25")
                .endsWith("data: [DONE]\n\n");
    }

    @Test
    void aModelStreamErrorBeforeContentFallsBackToAnotherDeployment() {
        PRIMARY.stubFor(post(urlPathMatching("/bedrock/model/.*/converse-stream")).willReturn(aResponse()
                .withHeader("content-type", "application/vnd.amazon.eventstream").withBody(EventStreams.concat(
                        EventStreams.event("messageStart", "{\"role\":\"assistant\"}"),
                        EventStreams.exception("modelStreamErrorException", "{\"message\":\"An error occurred while streaming.\"}")))));
        SECONDARY.stubFor(post("/v1/chat/completions")
                .willReturn(aResponse().withHeader("content-type", "text/event-stream").withBody(Transcripts.stream("backup-upstream"))));

        HttpResponse<String> stream = http.post("/v1/chat/completions", KEY, "it-bedrock-fallback", chat("bedrock-haiku", true, null));

        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.body()).contains("backup-upstream").doesNotContain("anthropic.claude") // nothing of the failed attempt reached the client
                .endsWith("data: [DONE]\n\n");
        assertThat(TestPostgres.usageEvent("it-bedrock-fallback").get("fallback_path"))
                .isEqualTo("bedrock/anthropic.claude-3-haiku-20240307-v1:0:500 > secondary/backup-upstream:ok");
    }
}
