package dev.tollgate.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.support.Json;
import dev.tollgate.testing.TestPostgres;
import dev.tollgate.testing.Transcripts;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** An Azure OpenAI deployment behind the front door: its URLs and key, its content filter, its streams. */
class AzureProviderIT extends GatewayTestBase {

    static final String PATH = "/azure/openai/deployments/gpt-4o-eastus/chat/completions";

    @Test
    void chatGoesToTheDeploymentWithTheResourceKey() {
        PRIMARY.stubFor(post(urlPathEqualTo(PATH)).willReturn(aResponse().withHeader("content-type", "application/json")
                .withBody(Transcripts.chatCompletion("gpt-4o-2024-08-06", "Hello from Azure"))));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-azure-1", chat("azure-gpt", false, null));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("Hello from Azure");
        PRIMARY.verify(postRequestedFor(urlEqualTo(PATH + "?api-version=2024-10-21"))
                .withHeader("api-key", equalTo("azure-test-key-0000"))
                .withoutHeader("Authorization"));
        assertThat(TestPostgres.usageEvent("it-azure-1")).containsEntry("provider", "azure");
    }

    @Test
    void aFilteredPromptReachesTheClientAsA400ContentFilterError() {
        PRIMARY.stubFor(post(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(400).withHeader("content-type", "application/json")
                .withBody("""
                        {"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
                          "type":null,"param":"prompt","code":"content_filter","status":400,
                          "innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"violence":{"filtered":true,"severity":"high"}}}}}""")));

        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, "it-azure-filter", chat("azure-gpt", false, null));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode error = Json.MAPPER.readTree(response.body()).path("error");
        assertThat(error.path("code").asString()).isEqualTo("content_filter");
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asString()).contains("Azure OpenAI's content management policy");
        SECONDARY.verify(0, postRequestedFor(urlPathEqualTo("/v1/chat/completions"))); // the client's prompt, not the deployment, is at fault
    }

    @Test
    void streamsPassThroughAndA503FallsBack() {
        PRIMARY.stubFor(post(urlPathEqualTo(PATH)).willReturn(aResponse().withHeader("content-type", "text/event-stream")
                .withBody(Transcripts.stream("gpt-4o-2024-08-06"))));
        HttpResponse<String> stream = http.post("/v1/chat/completions", KEY, "it-azure-stream", chat("azure-gpt", true, null));
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.body()).contains("chat.completion.chunk").endsWith("data: [DONE]\n\n");

        PRIMARY.resetAll();
        // A 503 rather than a 429: a 429 would cool the deployment down for the tests that follow.
        PRIMARY.stubFor(post(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(503)
                .withBody("{\"error\":{\"code\":\"ServiceUnavailable\",\"message\":\"The service is temporarily unable to process your request.\"}}")));
        SECONDARY.stubFor(post("/v1/chat/completions")
                .willReturn(aResponse().withBody(Transcripts.chatCompletion("backup-upstream", "Hi from the backup"))));
        HttpResponse<String> fallback = http.post("/v1/chat/completions", KEY, "it-azure-503", chat("azure-gpt", false, null));
        assertThat(fallback.statusCode()).isEqualTo(200);
        assertThat(fallback.body()).contains("Hi from the backup");
        assertThat(TestPostgres.usageEvent("it-azure-503").get("fallback_path"))
                .isEqualTo("azure/gpt-4o-eastus:503 > secondary/backup-upstream:ok");
    }
}
