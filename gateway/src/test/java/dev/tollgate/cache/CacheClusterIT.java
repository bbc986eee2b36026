package dev.tollgate.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.tollgate.testing.GatewayInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cluster mode: replicas sharing Redis share one cache. An answer cached through one replica is a
 * hit (exact and semantic) on another, a replica started later catches up, an eviction reaches
 * every replica, and tenants stay apart across replicas.
 */
class CacheClusterIT {

    static Path dir;
    static Path file;
    static GatewayInstance a;
    static GatewayInstance b;
    static String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong());

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("tollgate-cache-cluster");
        file = dir.resolve("tollgate.yaml");
        Files.writeString(file, """
                providers:
                  sim: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 10 }
                models:
                  m: { deployments: [ { provider: sim } ], price: { input: 1, output: 1 } }
                keys:
                  - { name: red-%1$s, key: tg-red-%1$s, team: red-%1$s }
                  - { name: blue-%1$s, key: tg-blue-%1$s, team: blue-%1$s }
                cache: { mode: semantic, ttl: 10m }
                """.formatted(suffix));
        a = GatewayInstance.start(GatewayInstance.properties(file, dir, "redis"));
        b = GatewayInstance.start(GatewayInstance.properties(file, dir, "redis"));
        awaitCaughtUp(a);
        awaitCaughtUp(b);
    }

    @AfterAll
    static void stop() {
        b.close();
        a.close();
    }

    private static void awaitCaughtUp(GatewayInstance gateway) throws InterruptedException {
        RedisCacheStore store = gateway.bean(RedisCacheStore.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!store.caughtUp()) {
            assertThat(System.nanoTime()).as("replica loaded the shared cache").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private record Answer(String cache, String id) {}

    private static Answer ask(GatewayInstance gateway, String key, String question) {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + gateway.port() + "/v1")
                .apiKey(key).maxRetries(0).build();
        try (HttpResponseFor<ChatCompletion> response = client.chat().completions().withRawResponse().create(
                ChatCompletionCreateParams.builder().model("m").addUserMessage(question).build())) {
            response.parse().validate();
            return new Answer(response.headers().values("x-tollgate-cache").get(0),
                    response.headers().values("x-tollgate-cache-id").get(0));
        }
    }

    /** Replicas learn of inserts and evictions through the stream, a moment later. */
    private static void awaitEntry(GatewayInstance gateway, String id, boolean present) throws InterruptedException {
        RedisCacheStore store = gateway.bean(RedisCacheStore.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while ((store.byId(id).block() != null) != present) {
            assertThat(System.nanoTime()).as("entry " + id + (present ? " arrives" : " leaves")).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void anAnswerCachedOnOneReplicaIsAHitOnTheOthers() throws Exception {
        String red = "tg-red-" + suffix;
        String question = "Which ocean is the deepest? " + suffix;
        Answer first = ask(a, red, question);
        assertThat(first.cache()).isEqualTo("miss");
        awaitEntry(b, first.id(), true);
        assertThat(ask(b, red, question)).isEqualTo(new Answer("hit", first.id()));
        assertThat(ask(b, red, "which ocean is the deepest " + suffix)).isEqualTo(new Answer("semantic-hit", first.id()));
        // Another tenant, on either replica: never.
        assertThat(ask(b, "tg-blue-" + suffix, question).cache()).isEqualTo("miss");
        assertThat(ask(a, "tg-blue-" + suffix, "which ocean is the deepest " + suffix).cache()).isNotEqualTo("hit");

        // A replica that starts later catches up from Redis.
        try (GatewayInstance c = GatewayInstance.start(GatewayInstance.properties(file, dir, "redis"))) {
            awaitCaughtUp(c);
            assertThat(ask(c, red, question)).isEqualTo(new Answer("hit", first.id()));
        }
    }

    @Test
    void anEvictionReachesEveryReplica() throws Exception {
        String red = "tg-red-" + suffix;
        String question = "How many moons does Mars have? " + suffix;
        Answer first = ask(a, red, question);
        awaitEntry(b, first.id(), true);
        var bad = b.http().post("/v1/cache/entries/" + first.id() + "/feedback", red, "cluster-fb-" + suffix, "{\"rating\":\"bad\"}");
        assertThat(bad.body()).contains("\"evicted\":true");
        awaitEntry(a, first.id(), false);
        assertThat(ask(a, red, question).cache()).isEqualTo("miss");
    }
}
