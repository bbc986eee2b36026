package dev.tollgate.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.TestPostgres;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * Hostile or odd input and upstream answers that must end in a precise error: bodies nested
 * beyond reason, keys given twice deep inside, provider messages that echo the provider key,
 * Anthropic's overload signal for Claude clients.
 */
class EdgeHardeningIT extends GatewayTestBase {

    private static final String MESSAGES_BODY =
            "{\"model\":\"claude-solo\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]%s}";

    @Test
    void jsonNestedTenThousandDeepIsA400() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"x\":" + deep + "}";

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-deep-json", body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("\"type\":\"invalid_request_error\"").contains("exceeds a parser limit")
                .contains("nesting depth");
    }

    @Test
    void aKeyGivenTwiceInANestedObjectIsA400() {
        String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"role\":\"system\"}]}";

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-dup-nested", body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("has the field 'role' twice in one object");
    }

    @Test
    void anUpstreamMessageEchoingTheProviderKeyReachesTheClientRedacted() {
        PRIMARY.stubFor(post("/faulty/v1/chat/completions").willReturn(aResponse().withStatus(500).withBody(
                "{\"error\":{\"message\":\"upstream proxy failed for Authorization: Bearer sk-faulty-secret-2222 (key sk-faul****2222)\","
                        + "\"type\":\"server_error\"}}")));
        PRIMARY.stubFor(post("/faulty/v1/embeddings").willReturn(aResponse().withStatus(422).withBody(
                "{\"error\":{\"message\":\"key sk-faulty-secret-2222 may not embed\",\"type\":\"invalid_request_error\"}}")));

        HttpResponse<String> failed = http.post("/v1/chat/completions", KEY, "it-key-echo", chat("faulty-solo", false, null));
        HttpResponse<String> passed = http.post("/v1/embeddings", KEY, "it-key-echo-4xx",
                "{\"model\":\"faulty-solo\",\"input\":\"hi\"}");

        assertThat(failed.statusCode()).isEqualTo(502);
        assertThat(failed.body()).contains("[redacted]").doesNotContain("sk-faul").doesNotContain("2222");
        assertThat(passed.statusCode()).isEqualTo(422);
        assertThat(passed.body()).contains("key [redacted] may not embed").doesNotContain("sk-faulty");
        assertThat(TestPostgres.usageEvent("it-key-echo")).containsEntry("status", 502);
    }

    @Test
    void anOverloadedAnthropicReachesClaudeClientsAs529OverloadedError() {
        PRIMARY.stubFor(post("/anthropic/v1/messages").willReturn(aResponse().withStatus(529)
                .withBody("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")));

        HttpResponse<String> messages = http.post("/v1/messages", KEY, "it-529-msg", MESSAGES_BODY.formatted(""));
        HttpResponse<String> openAi = http.post("/v1/chat/completions", KEY, "it-529-chat", chat("claude-solo", false, null));

        assertThat(messages.statusCode()).isEqualTo(529);
        assertThat(messages.body()).startsWith("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"");
        assertThat(openAi.statusCode()).isEqualTo(503);
        assertThat(openAi.body()).contains("\"code\":\"overloaded_error\"");
    }

    @Test
    void anAnthropicOverloadMidStreamIsAnOverloadedErrorEvent() {
        PRIMARY.stubFor(post("/anthropic/v1/messages").willReturn(aResponse().withHeader("content-type", "text/event-stream").withBody("""
                event: message_start
                data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":1}}}

                event: content_block_start
                data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

                event: error
                data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}

                """).withChunkedDribbleDelay(4, 600))); // the text reaches the client before the error

        HttpResponse<String> response = http.post("/v1/messages", KEY, "it-529-mid", MESSAGES_BODY.formatted(",\"stream\":true"));

        assertThat(response.statusCode()).isEqualTo(200);
        String body = response.body();
        assertThat(body.substring(body.lastIndexOf("event: "))).startsWith("event: error\n")
                .contains("\"type\":\"overloaded_error\"");
    }
}
