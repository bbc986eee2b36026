package dev.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.GatewayInstance;
import dev.tollgate.testing.Http;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** /admin/v1 end to end: its own credentials and roles, keys shown once, budgets that bite, and the audit log. */
class AdminApiIT {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final String OWNER = "owner-admin-key-0123456789";
    static final String VIEWER = "viewer-admin-key-0123456789";
    static final String MEMBER = "member-admin-key-0123456789";
    static final String SUFFIX = Long.toHexString(ThreadLocalRandom.current().nextLong());
    static GatewayInstance gateway;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("tollgate-admin");
        Path config = dir.resolve("tollgate.yaml");
        Files.writeString(config, """
                providers:
                  sim: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 5 }
                models:
                  m: { deployments: [ { provider: sim } ], price: { input: 1000, output: 1000 } }
                keys:
                  - { name: from-file, key: tg-file-key-%1$s, team: core }
                admins:
                  - { name: vera, key: %2$s, role: viewer }
                  - { name: max, key: %3$s, role: member, team: growth-%1$s }
                """.formatted(SUFFIX, VIEWER, MEMBER));
        Map<String, Object> props = GatewayInstance.properties(config, dir, "memory");
        props.put("tollgate.admin-key", OWNER);
        gateway = GatewayInstance.start(props);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    static HttpResponse<String> call(String method, String path, String adminKey, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .timeout(java.time.Duration.ofSeconds(30))
                .header("content-type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (adminKey != null) {
            b.header("authorization", "Bearer " + adminKey);
        }
        return Http.send(b.build());
    }

    static int chat(String key) {
        return gateway.http().post("/v1/chat/completions", key, null,
                "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode();
    }

    @Test
    void adminApiHasItsOwnCredentials() {
        assertThat(call("GET", "/admin/v1/keys", null, null).statusCode()).isEqualTo(401);
        HttpResponse<String> withVirtualKey = call("GET", "/admin/v1/keys", "tg-file-key-" + SUFFIX, null);
        assertThat(withVirtualKey.statusCode()).isEqualTo(401);
        assertThat(withVirtualKey.body()).contains("invalid_admin_key");
    }

    @Test
    void keysAreCreatedShownOnceRotatedAndRevoked() {
        String name = "svc-" + SUFFIX;
        HttpResponse<String> created = call("POST", "/admin/v1/keys", OWNER,
                "{\"name\":\"" + name + "\",\"team\":\"platform\",\"models\":[\"m\"],\"metadata\":{\"env\":\"prod\"}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String secret = JSON.readTree(created.body()).get("key").asString();
        assertThat(secret).startsWith("tg-");
        assertThat(chat(secret)).isEqualTo(200);

        String listed = call("GET", "/admin/v1/keys", OWNER, null).body();
        assertThat(listed).contains(name).contains("from-file").doesNotContain(secret);
        assertThat(call("POST", "/admin/v1/keys", OWNER, "{\"name\":\"" + name + "\"}").statusCode()).isEqualTo(409);

        HttpResponse<String> rotated = call("POST", "/admin/v1/keys/" + name + "/rotate", OWNER, null);
        String newSecret = JSON.readTree(rotated.body()).get("key").asString();
        assertThat(chat(secret)).as("old secret after rotation").isEqualTo(401);
        assertThat(chat(newSecret)).isEqualTo(200);

        assertThat(call("DELETE", "/admin/v1/keys/" + name, OWNER, null).statusCode()).isEqualTo(200);
        assertThat(chat(newSecret)).as("revoked").isEqualTo(401);
        assertThat(call("DELETE", "/admin/v1/keys/from-file", OWNER, null).statusCode()).as("file keys change in the file").isEqualTo(409);
    }

    /** Each body here was once accepted (201 with models: [], i.e. every model) or answered 500. */
    @Test
    void badInputIsRefusedWithTheFieldNamedNeverAcceptedOpen() {
        String n = "bad-" + SUFFIX;
        assertRefused(call("POST", "/admin/v1/keys", OWNER, "{\"name\":\"" + n + "\",\"models\":\"det\"}"), 400, "models", "expected a list");
        assertRefused(call("POST", "/admin/v1/keys", OWNER, "{\"name\":\"" + n + "\",\"requests_per_minute\":5}"), 400,
                "requests_per_minute", "unknown field");
        assertRefused(call("POST", "/admin/v1/keys", OWNER, "{\"name\":\"" + n + "\",\"bogus\":true}"), 400, "bogus", "unknown field");
        assertRefused(call("POST", "/admin/v1/keys", OWNER, "{\"name\":\"" + n + "\",\"limits\":{\"concurrent\":-1}}"), 400,
                "limits.concurrent", "whole number");
        assertRefused(call("POST", "/admin/v1/keys", OWNER, "{\"name\":\"" + n + "\",\"limits\":{\"requests-per-minute\":1e400}}"), 400,
                "limits.requests-per-minute", "whole number");
        assertRefused(call("POST", "/admin/v1/keys", OWNER, "{\"name\":\"" + "x".repeat(100_000) + "\"}"), 413, null, "KiB");
        assertRefused(call("POST", "/admin/v1/keys", OWNER, "{\"name\":\"" + "x".repeat(200) + "\"}"), 400, "name", "at most 128");
        assertRefused(call("POST", "/admin/v1/keys", OWNER, "{\"name\":\"" + n + "\",\"team\":\"" + "t".repeat(5000) + "\"}"), 400,
                "team", "at most 128");
        assertRefused(call("POST", "/admin/v1/keys", OWNER, "{\"name\":\"" + n + "\",\"metadata\":{\"a\":{\"b\":{\"c\":1}}}}"), 400,
                "metadata.a", "text value");
        assertRefused(call("POST", "/admin/v1/keys", OWNER, "{\"name\":\"" + n + "\",\"models\":[\"nope\"]}"), 400,
                "models", "unknown model");
        assertRefused(call("POST", "/admin/v1/keys", OWNER, "[1,2]"), 400, null, "JSON object");
        assertRefused(call("POST", "/admin/v1/keys", OWNER, "{\"name\":\"" + n + "\",\"pad\":\"" + "p".repeat(20 * 1024 * 1024) + "\"}"),
                413, null, "KiB");
        assertRefused(call("POST", "/admin/v1/budgets", OWNER, "{\"name\":\"" + n + "\",\"amount\":-5}"), 400, "amount", "USD");
        assertRefused(call("POST", "/admin/v1/budgets", OWNER, "{\"name\":\"" + n + "\",\"amount\":5,\"perod\":\"daily\"}"), 400,
                "perod", "did you mean 'period'");
        for (String limit : new String[] {"abc", "1e3", "1e400", "0", "-1"}) {
            assertRefused(call("GET", "/admin/v1/audit?limit=" + limit, OWNER, null), 400, "limit", "whole number");
        }
        assertThat(call("GET", "/admin/v1/keys", OWNER, null).body()).as("nothing was created").doesNotContain(n);
        assertThat(call("GET", "/admin/v1/audit?limit=5", OWNER, null).statusCode()).isEqualTo(200);
    }

    static void assertRefused(HttpResponse<String> response, int status, String param, String message) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("message").asString()).contains(message);
        if (param != null) {
            assertThat(error.get("param").asString()).isEqualTo(param);
        }
    }

    @Test
    void rolesLimitWhatEachAdminMayDo() {
        assertThat(call("GET", "/admin/v1/keys", VIEWER, null).statusCode()).isEqualTo(200);
        assertThat(call("POST", "/admin/v1/keys", VIEWER, "{\"name\":\"nope-" + SUFFIX + "\"}").statusCode()).isEqualTo(403);
        assertThat(call("POST", "/admin/v1/budgets", VIEWER, "{\"name\":\"b\",\"amount\":1}").statusCode()).isEqualTo(403);
        assertThat(call("GET", "/admin/v1/audit", VIEWER, null).statusCode()).isEqualTo(403);

        HttpResponse<String> other = call("POST", "/admin/v1/keys", MEMBER, "{\"name\":\"m1-" + SUFFIX + "\",\"team\":\"core\"}");
        assertThat(other.statusCode()).isEqualTo(403);
        HttpResponse<String> own = call("POST", "/admin/v1/keys", MEMBER, "{\"name\":\"m2-" + SUFFIX + "\"}");
        assertThat(own.statusCode()).isEqualTo(201);
        assertThat(JSON.readTree(own.body()).get("team").asString()).isEqualTo("growth-" + SUFFIX);
        assertThat(call("GET", "/admin/v1/keys", MEMBER, null).body()).contains("m2-" + SUFFIX).doesNotContain("from-file");
    }

    @Test
    void budgetsMadeThroughTheApiAreEnforcedAndReportTheirStatus() {
        String team = "b-" + SUFFIX;
        String key = JSON.readTree(call("POST", "/admin/v1/keys", OWNER, "{\"name\":\"bk-" + SUFFIX + "\",\"team\":\"" + team + "\"}")
                .body()).get("key").asString();
        String budget = "api-budget-" + SUFFIX;
        HttpResponse<String> created = call("POST", "/admin/v1/budgets", OWNER,
                "{\"name\":\"" + budget + "\",\"scope\":{\"team\":\"" + team + "\"},\"period\":\"daily\",\"amount\":0.05}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(call("POST", "/admin/v1/budgets", OWNER, "{\"name\":\"bad\",\"period\":\"hourly\",\"amount\":1}").body())
                .contains("period: expected daily, weekly or monthly");

        int status = 200;
        int ok = 0;
        for (int i = 0; i < 20 && status == 200; i++) {
            status = chat(key);
            ok += status == 200 ? 1 : 0;
        }
        assertThat(ok).isPositive();
        assertThat(status).isEqualTo(429);

        JsonNode report = JSON.readTree(call("GET", "/admin/v1/budgets/" + budget + "/status", OWNER, null).body());
        assertThat(report.get("spent_usd").decimalValue()).isPositive();
        assertThat(report.get("remaining_usd").decimalValue()).isLessThan(report.get("amount").decimalValue());
        assertThat(report.get("period_end").asString()).endsWith("T00:00:00Z");

        assertThat(call("DELETE", "/admin/v1/budgets/" + budget, OWNER, null).statusCode()).isEqualTo(200);
        assertThat(chat(key)).as("budget removed").isEqualTo(200);

        String audit = call("GET", "/admin/v1/audit", OWNER, null).body();
        assertThat(audit).contains("\"action\":\"budget.create\"").contains("\"action\":\"budget.delete\"")
                .contains("\"actor\":\"bootstrap-admin\"").contains(budget);
    }
}
