package dev.tollgate.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.TestPostgres;
import dev.tollgate.testing.Transcripts;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An Anthropic upstream behind the OpenAI front door, through the real HTTP path, and cross-vendor fallback. */
class AnthropicProviderIT extends GatewayTestBase {

    static final String MESSAGE = """
            {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5",
             "content":[{"type":"text","text":"Hello from Claude"}],"stop_reason":"end_turn","stop_sequence":null,
             "usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":4,"output_tokens":5}}""";

    static final String STREAM = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

            event: ping
            data: {"type": "ping"}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" there"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":7}}

            event: message_stop
            data: {"type":"message_stop"}

            """;

    @Test
    void openAiClientsGetClaudesAnswerInOpenAiShape() {
        PRIMARY.stubFor(post("/anthropic/v1/messages").willReturn(aResponse().withHeader("content-type", "application/json").withBody(MESSAGE)));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-claude-1",
                "{\"model\":\"claude-sonnet\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi\"}]}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"object\":\"chat.completion\"").contains("Hello from Claude")
                .contains("\"finish_reason\":\"stop\"");
        PRIMARY.verify(postRequestedFor(urlEqualTo("/anthropic/v1/messages"))
                .withHeader("x-api-key", equalTo("sk-ant-test-0000"))
                .withHeader("anthropic-version", equalTo("2023-06-01"))
                .withRequestBody(matchingJsonPath("$.system"))
                .withRequestBody(matchingJsonPath("$.model", equalTo("claude-sonnet-4-5"))));
        Map<String, Object> event = TestPostgres.usageEvent("it-claude-1");
        assertThat(event).containsEntry("provider", "claude").containsEntry("cached_input_tokens", 4L)
                .containsEntry("output_tokens", 5L);
    }

    @Test
    void claudeStreamsAsOpenAiChunks() {
        PRIMARY.stubFor(post("/anthropic/v1/messages").willReturn(aResponse().withHeader("content-type", "text/event-stream").withBody(STREAM)));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-claude-stream",
                chat("claude-sonnet", true, "\"stream_options\":{\"include_usage\":true}"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"object\":\"chat.completion.chunk\"").contains("\"content\":\"Hello\"")
                .contains("\"content\":\" there\"").contains("\"finish_reason\":\"stop\"").contains("\"usage\":{")
                .endsWith("data: [DONE]\n\n");
    }

    @Test
    void overloadedClaudeFallsBackToAnOpenAiCompatibleDeploymentStreamingToo() {
        PRIMARY.stubFor(post("/anthropic/v1/messages").willReturn(aResponse().withStatus(529)
                .withBody("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")));
        SECONDARY.stubFor(post("/v1/chat/completions").atPriority(1).withRequestBody(matchingJsonPath("$.stream", equalTo("true")))
                .willReturn(aResponse().withHeader("content-type", "text/event-stream").withBody(Transcripts.stream("backup-upstream"))));
        SECONDARY.stubFor(post("/v1/chat/completions").atPriority(5)
                .willReturn(aResponse().withBody(Transcripts.chatCompletion("backup-upstream", "Hi from the backup"))));

        HttpResponse<String> json = http.post("/v1/chat/completions", KEY, "it-claude-529", chat("claude-sonnet", false, null));
        assertThat(json.statusCode()).isEqualTo(200);
        assertThat(json.body()).contains("Hi from the backup");
        assertThat(TestPostgres.usageEvent("it-claude-529").get("fallback_path"))
                .isEqualTo("claude/claude-sonnet-4-5:529 > secondary/backup-upstream:ok");

        HttpResponse<String> stream = http.post("/v1/chat/completions", KEY, "it-claude-529-stream", chat("claude-sonnet", true, null));
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.body()).contains("backup-upstream").endsWith("data: [DONE]\n\n");
    }
}
