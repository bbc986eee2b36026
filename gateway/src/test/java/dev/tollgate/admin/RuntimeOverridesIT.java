package dev.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.GatewayInstance;
import dev.tollgate.testing.Http;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runtime overrides through the admin API on two replicas sharing one database: a drain reaches
 * both within the refresh interval, survives a reload of the file, is audited, and its removal
 * brings back the file's value; bad input names the field.
 */
class RuntimeOverridesIT {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final String OWNER = "owner-admin-key-overrides-1";
    static final String VIEWER = "viewer-admin-key-overrides-1";
    static final String SUFFIX = Long.toHexString(ThreadLocalRandom.current().nextLong());
    static final String KEY = "tg-override-key-" + SUFFIX;
    static Path config;
    static GatewayInstance a;
    static GatewayInstance b;

    static String yaml(String extraModel, boolean withA) {
        return """
                providers:
                  pa: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 3 }
                  pb: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 3 }
                models:
                  m:
                    deployments:
                %s      - { provider: pb, model: up }
                %s
                keys:
                  - { name: caller-%s, key: %s, team: ops-%s }
                admins:
                  - { name: vic, key: %s, role: viewer }
                """.formatted(withA ? "      - { provider: pa, model: up }\n" : "", extraModel, SUFFIX, KEY, SUFFIX, VIEWER);
    }

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("tollgate-overrides");
        config = dir.resolve("tollgate.yaml");
        Files.writeString(config, yaml("", true));
        Map<String, Object> props = GatewayInstance.properties(config, dir, "memory");
        props.put("tollgate.admin-key", OWNER);
        a = GatewayInstance.start(props);
        b = GatewayInstance.start(props);
    }

    @AfterAll
    static void stop() {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }

    static HttpResponse<String> admin(GatewayInstance g, String method, String path, String key, String body) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + path))
                .timeout(Duration.ofSeconds(30)).header("content-type", "application/json").header("authorization", "Bearer " + key)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return Http.send(r.build());
    }

    /** The deployments that served {@code n} calls of model m. */
    static Set<String> servedBy(GatewayInstance g, int n) {
        Set<String> served = new HashSet<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = g.http().post("/v1/chat/completions", KEY, null,
                    "{\"model\":\"m\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi " + i + "\"}]}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            served.add(r.headers().firstValue("x-tollgate-deployment").orElseThrow());
        }
        return served;
    }

    static void eventually(Runnable check) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (AssertionError e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    @Test
    void aDrainReachesEveryReplicaSurvivesAReloadIsAuditedAndIsUndone() throws Exception {
        assertThat(servedBy(a, 30)).containsExactlyInAnyOrder("pa/up", "pb/up");

        HttpResponse<String> drained = admin(a, "PUT", "/admin/v1/overrides/deployments", OWNER,
                "{\"model\":\"m\",\"deployment\":\"pa/up\",\"enabled\":false}");
        assertThat(drained.statusCode()).as(drained.body()).isEqualTo(200);
        assertThat(servedBy(a, 20)).as("the replica that took the change, at once").containsExactly("pb/up");
        // The other replica reads the store every 5 s.
        eventually(() -> assertThat(servedBy(b, 20)).as("the other replica").containsExactly("pb/up"));

        JsonNode listed = JSON.readTree(admin(b, "GET", "/admin/v1/overrides", VIEWER, null).body());
        JsonNode pa = listed.at("/models/0/deployments/0");
        assertThat(pa.at("/deployment").asString()).isEqualTo("pa/up");
        assertThat(pa.at("/file/enabled").asBoolean()).isTrue();
        assertThat(pa.at("/effective/enabled").asBoolean()).isFalse();
        assertThat(pa.at("/override/enabled").asBoolean()).isFalse();
        assertThat(pa.at("/override/updated_by").asString()).isEqualTo("bootstrap-admin");
        assertThat(admin(a, "GET", "/admin/v1/audit?limit=20", OWNER, null).body()).contains("override.deployment.set").contains("m|pa/up");

        // A reload of the file keeps the override (pa/up is still in the file)...
        Files.writeString(config, yaml("  m2: { deployments: [ { provider: pa, model: up } ] }", true));
        eventually(() -> assertThat(JSON.readTree(a.http().get("/v1/models", KEY).body()).toString()).contains("m2"));
        assertThat(servedBy(a, 20)).containsExactly("pb/up");
        // ...and reports it when its target left the file, applying it again when the target returns.
        Files.writeString(config, yaml("", false));
        eventually(() -> assertThat(admin(a, "GET", "/admin/v1/overrides", OWNER, null).body()).contains("target-missing"));
        Files.writeString(config, yaml("", true));
        eventually(() -> assertThat(admin(a, "GET", "/admin/v1/overrides", OWNER, null).body()).doesNotContain("target-missing"));
        assertThat(servedBy(a, 20)).containsExactly("pb/up");

        HttpResponse<String> removed = admin(b, "DELETE", "/admin/v1/overrides/deployments?model=m&deployment=pa/up", OWNER, null);
        assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
        eventually(() -> assertThat(servedBy(a, 30)).as("back to the file's value").containsExactlyInAnyOrder("pa/up", "pb/up"));
        assertThat(admin(a, "GET", "/admin/v1/audit?limit=20", OWNER, null).body()).contains("override.deployment.remove");
    }

    @Test
    void priorityAndWeightChangeTheOrderAndATeamLimitBites() throws Exception {
        HttpResponse<String> weighted = admin(a, "PUT", "/admin/v1/overrides/deployments", OWNER,
                "{\"model\":\"m\",\"deployment\":\"pb/up\",\"weight\":0}");
        assertThat(weighted.statusCode()).as(weighted.body()).isEqualTo(200);
        // Weight 0 = backup only: every call goes to pa/up while it is healthy.
        assertThat(servedBy(a, 20)).containsExactly("pa/up");
        assertThat(admin(a, "DELETE", "/admin/v1/overrides/deployments?model=m&deployment=pb/up", OWNER, null).statusCode())
                .isEqualTo(200);

        HttpResponse<String> limited = admin(a, "PUT", "/admin/v1/overrides/limits", OWNER,
                "{\"scope\":\"team\",\"name\":\"ops-" + SUFFIX + "\",\"requests-per-minute\":1}");
        assertThat(limited.statusCode()).as(limited.body()).isEqualTo(200);
        String body = "{\"model\":\"m\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"limited\"}]}";
        assertThat(a.http().post("/v1/chat/completions", KEY, null, body).statusCode()).isEqualTo(200);
        assertThat(a.http().post("/v1/chat/completions", KEY, null, body).statusCode()).as("second call in the minute").isEqualTo(429);
        assertThat(admin(a, "DELETE", "/admin/v1/overrides/limits?scope=team&name=ops-" + SUFFIX, OWNER, null).statusCode())
                .isEqualTo(200);
        assertThat(a.http().post("/v1/chat/completions", KEY, null, body).statusCode()).as("limit removed").isEqualTo(200);
    }

    @Test
    void badInputNamesTheFieldAndViewersCannotWrite() {
        AdminApiIT.assertRefused(admin(a, "PUT", "/admin/v1/overrides/deployments", OWNER,
                "{\"model\":\"m\",\"deployment\":\"nope/up\",\"enabled\":false}"), 400, "deployment", "has no deployment");
        AdminApiIT.assertRefused(admin(a, "PUT", "/admin/v1/overrides/deployments", OWNER,
                "{\"model\":\"zz\",\"deployment\":\"pa/up\",\"enabled\":false}"), 400, "model", "unknown model");
        AdminApiIT.assertRefused(admin(a, "PUT", "/admin/v1/overrides/deployments", OWNER,
                "{\"model\":\"m\",\"deployment\":\"pa/up\",\"weight\":-1}"), 400, "weight", "whole number");
        AdminApiIT.assertRefused(admin(a, "PUT", "/admin/v1/overrides/deployments", OWNER,
                "{\"model\":\"m\",\"deployment\":\"pa/up\",\"enabeld\":false}"), 400, "enabeld", "unknown field");
        AdminApiIT.assertRefused(admin(a, "PUT", "/admin/v1/overrides/limits", OWNER,
                "{\"scope\":\"team\",\"name\":\"t\",\"requests-per-minute\":0}"), 400, "requests-per-minute", "whole number");
        AdminApiIT.assertRefused(admin(a, "PUT", "/admin/v1/overrides/limits", OWNER,
                "{\"scope\":\"org\",\"name\":\"t\",\"concurrent\":2}"), 400, "scope", "key or team");
        AdminApiIT.assertRefused(admin(a, "PUT", "/admin/v1/overrides/deployments", VIEWER,
                "{\"model\":\"m\",\"deployment\":\"pa/up\",\"enabled\":false}"), 403, null, "cannot change runtime overrides");
        AdminApiIT.assertRefused(admin(a, "DELETE", "/admin/v1/overrides/deployments?model=m&deployment=pa/up", OWNER, null), 404,
                null, "No override");
    }
}
