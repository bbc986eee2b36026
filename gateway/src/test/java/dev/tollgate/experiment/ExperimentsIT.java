package dev.tollgate.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.tollgate.support.Json;
import dev.tollgate.testing.GatewayInstance;
import dev.tollgate.testing.Http;
import dev.tollgate.testing.TestPostgres;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Experiments through HTTP on two gateway replicas sharing one database: sticky assignment across
 * replicas and a restart, usage columns, feedback tenant isolation, admin CRUD and the readout.
 */
class ExperimentsIT {

    static final String SUFFIX = Long.toHexString(ThreadLocalRandom.current().nextLong());
    static final String EXPERIMENT = "file-exp-" + SUFFIX;
    static final String ALPHA = "tg-exp-alpha-" + SUFFIX;
    static final String BETA = "tg-exp-beta-" + SUFFIX;
    static final String OWNER = "owner-exp-admin-key-" + SUFFIX;
    static final String VIEWER = "viewer-exp-admin-key-" + SUFFIX;
    static Path dir;
    static Path file;
    static GatewayInstance first;
    static GatewayInstance second;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("tollgate-experiments");
        file = dir.resolve("tollgate.yaml");
        Files.writeString(file, """
                providers:
                  sim-a: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 5 }
                  sim-b: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 5 }
                models:
                  m: { deployments: [ { provider: sim-a, model: big } ], price: { input: 0, output: 1000000 } }
                  m-cheap: { deployments: [ { provider: sim-b, model: small } ], price: { input: 0, output: 200000 } }
                keys:
                  - { name: alpha-%1$s, key: %2$s, team: alpha-%1$s, models: [ m ] }
                  - { name: beta-%1$s, key: %3$s, team: beta-%1$s, models: [ "*" ] }
                admins:
                  - { name: vera, key: %4$s, role: viewer }
                experiments:
                  - name: %5$s
                    model: m
                    unit: user
                    team: alpha-%1$s
                    variants:
                      - { name: control, weight: 50 }
                      - { name: cheap, weight: 50, model: m-cheap }
                """.formatted(SUFFIX, ALPHA, BETA, VIEWER, EXPERIMENT));
        first = GatewayInstance.start(properties());
        second = GatewayInstance.start(properties());
    }

    static Map<String, Object> properties() {
        Map<String, Object> props = GatewayInstance.properties(file, dir, "memory");
        props.put("tollgate.admin-key", OWNER);
        return props;
    }

    @AfterAll
    static void stop() {
        for (GatewayInstance g : new GatewayInstance[] {first, second}) {
            if (g != null) {
                g.close();
            }
        }
    }

    static String chat(String model, String user) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":10,\"user\":\"" + user + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    /** user → variant, as the x-tollgate-experiment header says, checked against the deployment that served. */
    static Map<String, String> assignments(GatewayInstance gateway, String prefix) {
        Map<String, String> variants = new LinkedHashMap<>();
        for (int u = 0; u < 16; u++) {
            String user = "user-" + u;
            HttpResponse<String> r = gateway.http().post("/v1/chat/completions", ALPHA, prefix + "-" + SUFFIX + "-" + u, chat("m", user));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            String header = r.headers().firstValue("x-tollgate-experiment").orElseThrow();
            assertThat(header).startsWith(EXPERIMENT + "=");
            String variant = header.substring(EXPERIMENT.length() + 1);
            assertThat(r.headers().firstValue("x-tollgate-deployment")).contains(variant.equals("cheap") ? "sim-b/small" : "sim-a/big");
            variants.put(user, variant);
        }
        return variants;
    }

    @Test
    void theSameUserGetsTheSameVariantOnEveryReplicaAndAfterARestart() {
        Map<String, String> onFirst = assignments(first, "sticky-1");
        assertThat(onFirst.values()).contains("control", "cheap");
        assertThat(assignments(second, "sticky-2")).isEqualTo(onFirst);
        // Both stop (closing one in-process gateway disposes Reactor Netty's global resources, which
        // the other's server shares); the other tests go on with the restarted first one.
        second.close();
        second = null;
        first.close();
        first = GatewayInstance.start(properties());
        assertThat(assignments(first, "sticky-3")).isEqualTo(onFirst);

        // Recorded with the model the client asked for, the model that served, and the arm.
        Map<String, Object> row = TestPostgres.usageEvent("sticky-1-" + SUFFIX + "-0");
        assertThat(row.get("experiment")).isEqualTo(EXPERIMENT);
        assertThat(row.get("variant")).isEqualTo(onFirst.get("user-0"));
        assertThat(row.get("requested_model")).isEqualTo("m");
        assertThat(row.get("model")).isEqualTo(onFirst.get("user-0").equals("cheap") ? "m-cheap" : "m");
    }

    @Test
    void onlyTheTeamTheExperimentIsLimitedToTakesPart() {
        HttpResponse<String> r = first.http().post("/v1/chat/completions", BETA, null, chat("m", "user-1"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-tollgate-experiment")).isEmpty();
        assertThat(r.headers().firstValue("x-tollgate-deployment")).contains("sim-a/big");
    }

    @Test
    void feedbackIsStoredForTheCallersOwnTenantOnly() {
        String requestId = "rated-" + SUFFIX;
        assertThat(first.http().post("/v1/chat/completions", ALPHA, requestId, chat("m", "rater")).statusCode()).isEqualTo(200);
        TestPostgres.usageEvent(requestId);

        HttpResponse<String> other = first.http().post("/v1/feedback", BETA, null, "{\"request_id\":\"" + requestId + "\",\"rating\":1}");
        assertThat(other.statusCode()).as(other.body()).isEqualTo(404);
        assertThat(other.body()).contains("call_not_found");
        assertThat(first.http().post("/v1/feedback", ALPHA, null, "{\"request_id\":\"nope-" + SUFFIX + "\",\"rating\":1}").statusCode())
                .isEqualTo(404);
        HttpResponse<String> bad = first.http().post("/v1/feedback", ALPHA, null, "{\"request_id\":\"" + requestId + "\",\"rating\":2}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(Json.MAPPER.readTree(bad.body()).path("error").path("param").asString()).isEqualTo("rating");
        assertThat(first.http().post("/v1/feedback", null, null, "{\"request_id\":\"" + requestId + "\",\"rating\":1}").statusCode())
                .isEqualTo(401);

        HttpResponse<String> ok = first.http().post("/v1/feedback", ALPHA, null,
                "{\"request_id\":\"" + requestId + "\",\"rating\":-1,\"comment\":\"wrong answer\"}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        HttpResponse<String> again = first.http().post("/v1/feedback", ALPHA, null, "{\"request_id\":\"" + requestId + "\",\"rating\":0.75}");
        assertThat(again.statusCode()).isEqualTo(200);
        List<Map<String, Object>> rows = TestPostgres.query("SELECT rating, comment, tenant FROM call_feedback WHERE request_id = ?", requestId);
        assertThat(rows).hasSize(1);
        assertThat(new java.math.BigDecimal(rows.get(0).get("rating").toString())).isEqualByComparingTo("0.75");
        assertThat(rows.get(0).get("tenant")).isEqualTo("team:alpha-" + SUFFIX);
    }

    static HttpResponse<String> admin(String method, String path, String key, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(first.http().base() + path)).timeout(Duration.ofSeconds(30))
                .header("authorization", "Bearer " + key).header("content-type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return Http.send(b.build());
    }

    static String param(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        return Json.MAPPER.readTree(r.body()).path("error").path("param").asString();
    }

    @Test
    void adminCrudValidatesNamesTheFieldAndIsAudited() {
        String name = "api-exp-" + SUFFIX;
        // Limited to a team no key has: it must not take the calls of the other tests.
        String valid = "{\"name\":\"" + name + "\",\"model\":\"m\",\"unit\":\"request\",\"team\":\"nobody\",\"min-calls\":3,\"variants\":["
                + "{\"name\":\"control\",\"weight\":1},{\"name\":\"cheap\",\"weight\":1,\"model\":\"m-cheap\"}]}";
        assertThat(param(admin("POST", "/admin/v1/experiments", OWNER, valid.replace("\"cheap\",\"weight\":1", "\"cheap\",\"weight\":-1"))))
                .isEqualTo("variants[1].weight");
        assertThat(param(admin("POST", "/admin/v1/experiments", OWNER, valid.replace("\"model\":\"m\"", "\"model\":\"gpt-9\""))))
                .isEqualTo("model");
        assertThat(param(admin("POST", "/admin/v1/experiments", OWNER, valid.replace("\"unit\":\"request\"", "\"unit\":\"tenant\""))))
                .isEqualTo("unit");
        assertThat(param(admin("POST", "/admin/v1/experiments", OWNER, valid.replace("\"model\":\"m-cheap\"", "\"strategy\":\"fastest\""))))
                .isEqualTo("variants[1].strategy");
        assertThat(param(admin("POST", "/admin/v1/experiments", OWNER, "{\"model\":\"m\",\"variants\":[]}"))).isEqualTo("name");
        assertThat(admin("POST", "/admin/v1/experiments", VIEWER, valid).statusCode()).isEqualTo(403);
        assertThat(admin("POST", "/admin/v1/experiments", "wrong-key", valid).statusCode()).isEqualTo(401);

        HttpResponse<String> created = admin("POST", "/admin/v1/experiments", OWNER, valid);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(admin("POST", "/admin/v1/experiments", OWNER, valid).statusCode()).isEqualTo(409);
        assertThat(admin("PUT", "/admin/v1/experiments/" + EXPERIMENT, OWNER, valid.replace(name, EXPERIMENT)).statusCode())
                .as("defined in the file").isEqualTo(409);
        HttpResponse<String> list = admin("GET", "/admin/v1/experiments", VIEWER, null);
        assertThat(list.body()).contains(name, EXPERIMENT);
        HttpResponse<String> updated = admin("PUT", "/admin/v1/experiments/" + name, OWNER, valid.replace("\"min-calls\":3", "\"min-calls\":4"));
        assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(updated.body()).get("min-calls").asInt()).isEqualTo(4);
        assertThat(admin("DELETE", "/admin/v1/experiments/" + name, OWNER, null).statusCode()).isEqualTo(200);
        assertThat(admin("GET", "/admin/v1/experiments/" + name, OWNER, null).statusCode()).isEqualTo(404);
        assertThat(admin("GET", "/admin/v1/audit", OWNER, null).body())
                .contains("experiment.create", "experiment.update", "experiment.delete");
    }

    @Test
    void readoutComparesTheVariantsOfTheCallsMadeThroughTheOpenAiSdk() {
        String name = "readout-exp-" + SUFFIX;
        HttpResponse<String> created = admin("POST", "/admin/v1/experiments", OWNER, "{\"name\":\"" + name + "\",\"model\":\"m\","
                + "\"unit\":\"request\",\"team\":\"beta-" + SUFFIX + "\",\"min-calls\":3,\"variants\":["
                + "{\"name\":\"control\",\"weight\":1},{\"name\":\"cheap\",\"weight\":1,\"model\":\"m-cheap\"}]}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(first.http().base() + "/v1").apiKey(BETA).maxRetries(0).build();
        Map<String, Integer> calls = new HashMap<>();
        String lastCheap = null;
        for (int i = 0; i < 20 && (calls.getOrDefault("control", 0) < 3 || calls.getOrDefault("cheap", 0) < 3); i++) {
            try (HttpResponseFor<ChatCompletion> r = client.chat().completions().withRawResponse().create(
                    ChatCompletionCreateParams.builder().model("m").addUserMessage("hello").maxCompletionTokens(10).build())) {
                String header = r.headers().values("x-tollgate-experiment").get(0);
                assertThat(header).startsWith(name + "=");
                String variant = header.substring(name.length() + 1);
                calls.merge(variant, 1, Integer::sum);
                if (variant.equals("cheap")) {
                    lastCheap = r.headers().values("x-request-id").get(0);
                }
                TestPostgres.usageEvent(r.headers().values("x-request-id").get(0));
            }
        }
        assertThat(calls.get("control")).isGreaterThanOrEqualTo(3);
        assertThat(calls.get("cheap")).isGreaterThanOrEqualTo(3);
        assertThat(first.http().post("/v1/feedback", BETA, null, "{\"request_id\":\"" + lastCheap + "\",\"rating\":1}").statusCode())
                .isEqualTo(200);

        HttpResponse<String> r = admin("GET", "/admin/v1/experiments/" + name, VIEWER, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode out = Json.MAPPER.readTree(r.body());
        JsonNode control = out.get("variants").get(0);
        JsonNode cheap = out.get("variants").get(1);
        assertThat(control.get("calls").asInt()).isEqualTo(calls.get("control"));
        assertThat(cheap.get("calls").asInt()).isEqualTo(calls.get("cheap"));
        // Every call answers the same number of tokens, at $1 (control) and $0.20 (cheap) per output token.
        long tokens = ((Number) TestPostgres.usageEvent(lastCheap).get("output_tokens")).longValue();
        assertThat(control.get("cost_per_call_usd").get("mean").decimalValue()).isEqualByComparingTo(java.math.BigDecimal.valueOf(tokens));
        assertThat(cheap.get("cost_per_call_usd").get("mean").decimalValue())
                .isEqualByComparingTo(java.math.BigDecimal.valueOf(tokens).multiply(new java.math.BigDecimal("0.2")));
        assertThat(cheap.get("rating").get("n").asInt()).isEqualTo(1);
        assertThat(cheap.get("rating").get("mean").asDouble()).isEqualTo(1.0);
        assertThat(cheap.get("error_rate").get("value").asDouble()).isZero();
        assertThat(cheap.get("latency_ms").get("p50").isNumber()).isTrue();
        assertThat(cheap.get("vs_baseline").get("cost_per_call_usd").get("significant").asBoolean()).isTrue();
        assertThat(cheap.get("vs_baseline").get("rating").asString()).isEqualTo("not enough data yet");
    }
}
