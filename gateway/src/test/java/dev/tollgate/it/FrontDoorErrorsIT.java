package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import dev.tollgate.testing.Http;
import dev.tollgate.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Everything a client can get wrong, answered with the OpenAI error envelope and the right status. */
class FrontDoorErrorsIT extends GatewayTestBase {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static JsonNode error(HttpResponse<String> response) {
        JsonNode root = JSON.readTree(response.body());
        JsonNode error = root.get("error");
        assertThat(error).as("envelope of %s", response.body()).isNotNull();
        assertThat(error.propertyNames()).containsExactlyInAnyOrder("message", "type", "param", "code");
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.headers().firstValue("x-request-id")).isPresent();
        return error;
    }

    @Test
    void missingAndUnknownKeysAre401() {
        HttpResponse<String> missing = http.post("/v1/chat/completions", null, null, chat("sim-model", false, null));
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(error(missing).get("message").asString()).contains("didn't provide an API key");

        HttpResponse<String> unknown = http.post("/v1/chat/completions", "tg-wrong-key-123456", null, chat("sim-model", false, null));
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(error(unknown).get("code").asString()).isEqualTo("invalid_api_key");
        assertThat(unknown.body()).contains("tg-wr****3456").doesNotContain("tg-wrong-key-123456");
    }

    @Test
    void malformedJsonIs400AndSaysWhere() {
        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, null, "{\"model\": \"sim-model\", \"messages\": [");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(error(response).get("code").asString()).isEqualTo("invalid_json");
        assertThat(error(response).get("message").asString()).contains("line 1");
    }

    @Test
    void invalidFieldIs400AndNamesTheParam() {
        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, null,
                "{\"model\":\"sim-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":0}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(error(response).get("param").asString()).isEqualTo("n");
    }

    @Test
    void unknownModelIs404AndForbiddenModelIs403() {
        HttpResponse<String> unknown = http.post("/v1/chat/completions", KEY, "rejected-404", chat("gpt-9", false, null));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(error(unknown).get("code").asString()).isEqualTo("model_not_found");
        assertThat(TestPostgres.usageEvent("rejected-404")).as("rejected calls are metered too")
                .containsEntry("status", 404).containsEntry("error_code", "model_not_found").containsEntry("requested_model", "gpt-9")
                .containsEntry("team", "platform").containsEntry("input_tokens", 0L);

        HttpResponse<String> forbidden = http.post("/v1/chat/completions", LIMITED_KEY, null, chat("gpt-4o-mini", false, null));
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(error(forbidden).get("code").asString()).isEqualTo("model_not_allowed");
    }

    @Test
    void unknownRouteIs404AndWrongMethodIs405() {
        HttpResponse<String> route = http.get("/v1/assistants", KEY);
        assertThat(route.statusCode()).isEqualTo(404);
        assertThat(error(route).get("code").asString()).isEqualTo("unknown_url");

        HttpResponse<String> method = http.get("/v1/chat/completions", KEY);
        assertThat(method.statusCode()).isEqualTo(405);
        error(method);
    }

    @Test
    void bodyOverTheLimitIs413() {
        String big = "x".repeat(70 * 1024);
        HttpResponse<String> response = http.post("/v1/chat/completions", KEY, null,
                "{\"model\":\"sim-model\",\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}]}");
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(error(response).get("code").asString()).isEqualTo("request_too_large");
    }

    @Test
    void requestIdIsGeneratedWhenAbsentAndInsaneOnesAreReplaced() {
        HttpResponse<String> generated = http.get("/v1/models", KEY);
        assertThat(generated.headers().firstValue("x-request-id")).hasValueSatisfying(id -> assertThat(id).startsWith("req_"));

        HttpResponse<String> replaced = Http.send(HttpRequest.newBuilder(URI.create(http.base() + "/v1/models"))
                .header("authorization", "Bearer " + KEY).header("x-request-id", "x".repeat(300)).GET().build());
        assertThat(replaced.headers().firstValue("x-request-id")).hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
    }
}
