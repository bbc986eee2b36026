package dev.tollgate.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.TestPostgres;
import dev.tollgate.testing.Transcripts;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A provider that answers 200 with something that is not an answer: an empty or HTML body, a
 * stream that is no event stream, a stream that stops before it says it is finished, a single
 * event too large to buffer. None of them may pass as a success.
 */
class UpstreamFaultsIT extends GatewayTestBase {

    private static final String MODEL = "faulty-upstream";
    private static final String FAULTY = "/faulty/v1/chat/completions";

    @Test
    void anEmpty200FallsBackToTheNextDeployment() {
        PRIMARY.stubFor(post(FAULTY).willReturn(aResponse().withStatus(200)
                .withHeader("content-type", "application/json")));
        String answer = Transcripts.chatCompletion("backup-upstream", "From the backup");
        SECONDARY.stubFor(post("/v1/chat/completions").willReturn(aResponse().withHeader("content-type", "application/json").withBody(answer)));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-bad-empty", chat("faulty", false, null));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(answer);
        assertThat(TestPostgres.usageEvent("it-bad-empty")).containsEntry("status", 200)
                .containsEntry("fallback_path", "faulty/" + MODEL + ":bad_response > secondary/backup-upstream:ok");
    }

    @Test
    void aNonJson200WithNothingToFallBackToIsA502NamingTheBadAnswer() {
        PRIMARY.stubFor(post(FAULTY).willReturn(aResponse().withStatus(200)
                .withHeader("content-type", "text/html").withBody("<html><body>Welcome to nginx!</body></html>")));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-bad-html", chat("faulty-solo", false, null));

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("\"code\":\"upstream_bad_response\"").contains("\"type\":\"server_error\"")
                .contains("answered 200 with a body that is not JSON").contains("Welcome to nginx!");
        assertThat(TestPostgres.usageEvent("it-bad-html")).containsEntry("status", 502)
                .containsEntry("error_code", "upstream_bad_response");
    }

    @Test
    void aJson200ThatIsNoCompletionIsABadResponse() {
        PRIMARY.stubFor(post(FAULTY).willReturn(aResponse().withStatus(200)
                .withHeader("content-type", "application/json").withBody("{\"status\":\"ok\"}")));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-bad-shape", chat("faulty-solo", false, null));

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("upstream_bad_response").contains("not a completion");
    }

    @Test
    void anHtmlPageInsteadOfAStreamFallsBackBeforeTheFirstByte() {
        PRIMARY.stubFor(post(FAULTY).willReturn(aResponse().withStatus(200)
                .withHeader("content-type", "text/html").withBody("<html>captive portal</html>")));
        SECONDARY.stubFor(post("/v1/chat/completions").willReturn(aResponse()
                .withHeader("content-type", "text/event-stream").withBody(Transcripts.stream("backup-upstream"))));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-bad-stream-html", chat("faulty", true, null));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"content\":\"Hello\"").endsWith("data: [DONE]\n\n");
        assertThat(TestPostgres.usageEvent("it-bad-stream-html")).containsEntry("status", 200)
                .containsEntry("fallback_path", "faulty/" + MODEL + ":bad_response > secondary/backup-upstream:ok");
    }

    @Test
    void anEmptyStreamIsA502BeforeTheFirstByte() {
        PRIMARY.stubFor(post(FAULTY).willReturn(aResponse().withStatus(200)
                .withHeader("content-type", "text/event-stream")));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-bad-stream-empty", chat("faulty-solo", true, null));

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.body()).contains("upstream_bad_response").contains("an empty body instead of an event stream");
        assertThat(TestPostgres.usageEvent("it-bad-stream-empty")).containsEntry("status", 502)
                .containsEntry("error_code", "upstream_bad_response");
    }

    @Test
    void aStreamThatEndsWithoutFinishReasonOrDoneEndsWithAnErrorEventAndIsMeteredAsIncomplete() {
        PRIMARY.stubFor(post(FAULTY).willReturn(aResponse().withHeader("content-type", "text/event-stream")
                .withBody(Transcripts.chunk(MODEL, "{\"role\":\"assistant\",\"content\":\"\"}", null)
                        + Transcripts.chunk(MODEL, "{\"content\":\"Half an ans\"}", null))));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-bad-cut", chat("faulty-solo", true, null));

        assertThat(response.statusCode()).isEqualTo(200);
        String body = response.body();
        assertThat(body).contains("Half an ans").doesNotContain("data: [DONE]");
        assertThat(body.substring(body.lastIndexOf("data: "))).startsWith("data: {\"error\":{")
                .contains("ended the stream before a finish_reason and [DONE]");
        Map<String, Object> event = TestPostgres.usageEvent("it-bad-cut");
        assertThat(event).containsEntry("status", 502).containsEntry("error_code", "upstream_stream_interrupted")
                .containsEntry("tokens_estimated", true);
    }

    @Test
    void aFinishedStreamWithoutDoneIsClosedWithDone() {
        PRIMARY.stubFor(post(FAULTY).willReturn(aResponse().withHeader("content-type", "text/event-stream")
                .withBody(Transcripts.chunk(MODEL, "{\"content\":\"Hi\"}", null) + Transcripts.chunk(MODEL, "{}", "stop"))));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-no-done", chat("faulty-solo", true, null));

        assertThat(response.body()).contains("\"finish_reason\":\"stop\"").endsWith("data: [DONE]\n\n");
        assertThat(TestPostgres.usageEvent("it-no-done")).containsEntry("status", 200);
    }

    @Test
    void aSingleHugeEventFailsTheStreamAtTheBoundInsteadOfStalling() {
        String huge = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + "x".repeat(10 * 1024 * 1024);
        PRIMARY.stubFor(post(FAULTY).willReturn(aResponse().withHeader("content-type", "text/event-stream")
                .withBody(Transcripts.chunk(MODEL, "{\"role\":\"assistant\",\"content\":\"\"}", null) + huge)));

        long started = System.nanoTime();
        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-bad-huge", chat("faulty-solo", true, null));

        assertThat(response.statusCode()).isEqualTo(200);
        String body = response.body();
        assertThat(body.length()).isLessThan(10_000);
        assertThat(body.substring(body.lastIndexOf("data: "))).startsWith("data: {\"error\":{")
                .contains("a single server-sent event grew past 8388608 bytes");
        assertThat(TestPostgres.usageEvent("it-bad-huge")).containsEntry("status", 502);
        // Not a stall until the idle timeout (30 s by default): the failure is the bound.
        assertThat(body).doesNotContain("no stream data for");
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(25_000);
    }
}
