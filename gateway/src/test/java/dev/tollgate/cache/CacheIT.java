package dev.tollgate.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.tollgate.testing.GatewayInstance;
import dev.tollgate.testing.TestPostgres;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cache through HTTP with the OpenAI SDK and the real ONNX model: exact and semantic hits,
 * the guards, tenant isolation, streamed hits, Cache-Control, and the usage events.
 */
class CacheIT {

    static GatewayInstance gateway;
    static String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong());
    static OpenAIClient alice;
    static OpenAIClient aliceTeammate;
    static OpenAIClient bob;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("tollgate-cache");
        Path file = dir.resolve("tollgate.yaml");
        Files.writeString(file, """
                providers:
                  sim: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 12 }
                models:
                  cached: { deployments: [ { provider: sim } ], price: { input: 2, output: 8 } }
                  uncached: { deployments: [ { provider: sim } ], price: { input: 2, output: 8 } }
                keys:
                  - { name: alice-%1$s, key: tg-alice-%1$s, team: red-%1$s }
                  - { name: alice2-%1$s, key: tg-alice2-%1$s, team: red-%1$s }
                  - { name: bob-%1$s, key: tg-bob-%1$s, team: blue-%1$s }
                cache:
                  mode: semantic
                  ttl: 10m
                  models:
                    uncached: { mode: off }
                """.formatted(suffix));
        gateway = GatewayInstance.start(GatewayInstance.properties(file, dir, "memory"));
        alice = sdk("tg-alice-" + suffix);
        aliceTeammate = sdk("tg-alice2-" + suffix);
        bob = sdk("tg-bob-" + suffix);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static OpenAIClient sdk(String key) {
        return OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + gateway.port() + "/v1").apiKey(key)
                .maxRetries(0).build();
    }

    private static ChatCompletionCreateParams ask(String question) {
        return ChatCompletionCreateParams.builder().model("cached").addSystemMessage("You answer briefly.")
                .addUserMessage(question).temperature(0.0).build();
    }

    /** A question in a partition of its own (the system prompt is part of the partition). */
    private static ChatCompletionCreateParams ask(String partition, String question) {
        return ChatCompletionCreateParams.builder().model("cached").addSystemMessage("You answer briefly. " + partition)
                .addUserMessage(question).temperature(0.0).build();
    }

    private record Answer(String cache, String similarity, String content, String score, String veto) {}

    private static Answer call(OpenAIClient client, ChatCompletionCreateParams params) {
        try (HttpResponseFor<ChatCompletion> response = client.chat().completions().withRawResponse().create(params)) {
            ChatCompletion completion = response.parse().validate();
            return new Answer(response.headers().values("x-tollgate-cache").stream().findFirst().orElse(null),
                    response.headers().values("x-tollgate-cache-similarity").stream().findFirst().orElse(null),
                    completion.choices().get(0).message().content().orElseThrow(),
                    response.headers().values("x-tollgate-cache-score").stream().findFirst().orElse(null),
                    response.headers().values("x-tollgate-cache-veto").stream().findFirst().orElse(null));
        }
    }

    @Test
    void theSameQuestionTwiceIsAnExactHitWithTheSameAnswer() {
        Answer first = call(alice, ask("Name three primary colours. " + suffix));
        Answer second = call(alice, ask("Name three primary colours. " + suffix));
        assertThat(first.cache()).isEqualTo("miss");
        assertThat(second.cache()).isEqualTo("hit");
        assertThat(second.content()).isEqualTo(first.content());
        // A teammate (same team = same tenant) shares the entry.
        assertThat(call(aliceTeammate, ask("Name three primary colours. " + suffix)).cache()).isEqualTo("hit");
    }

    @Test
    void aParaphraseIsASemanticHit() {
        Answer first = call(alice, ask("What is the capital of France?"));
        Answer paraphrase = call(alice, ask("what's the capital of France?"));
        assertThat(first.cache()).isEqualTo("miss");
        assertThat(paraphrase.cache()).isEqualTo("semantic-hit");
        assertThat(Double.parseDouble(paraphrase.similarity())).isBetween(0.9, 1.0);
        assertThat(paraphrase.content()).isEqualTo(first.content());
    }

    @Test
    void aDifferentNumberOrANegationIsAMiss() {
        assertThat(call(alice, ask("What is 15% of 80?")).cache()).isEqualTo("miss");
        assertThat(call(alice, ask("What is 15% of 90?")).cache()).isEqualTo("miss");
        assertThat(call(alice, ask("Is it safe to eat raw eggs?")).cache()).isEqualTo("miss");
        assertThat(call(alice, ask("Is it not safe to eat raw eggs?")).cache()).isEqualTo("miss");
        assertThat(call(alice, ask("Is it safe to eat raw eggs?")).cache()).isEqualTo("hit");
    }

    @Test
    void nearMissesAreMissesAndSayHowCloseTheyCame() {
        String p = "near-" + suffix;
        String original = "Who was the first European to travel the entire length of the Amazon River?";
        Answer first = call(alice, ask(p, original));
        assertThat(first.cache()).isEqualTo("miss");
        assertThat(first.similarity()).isNull(); // nothing near yet

        Answer when = call(alice, ask(p, "When did the first European travel the entire length of the Amazon River?"));
        assertThat(when.cache()).isEqualTo("miss");
        assertThat(Double.parseDouble(when.similarity())).isGreaterThan(0.85);
        assertThat(when.veto()).isEqualTo("question word differs");
        assertThat(when.score()).isNotNull();

        assertThat(call(alice, ask(p, "Who was the first European to travel the entire length of the Nile River?")).cache())
                .isEqualTo("miss");
        assertThat(call(alice, ask(p, "Who was not the first European to travel the entire length of the Amazon River?"))
                .cache()).isEqualTo("miss");
        assertThat(call(alice, ask(p, "Who was the first European to travel 500 miles along the Amazon River?")).cache())
                .isEqualTo("miss");
        assertThat(call(alice, ask(p, "How many kilometers long is the Amazon River?")).cache()).isEqualTo("miss");
        assertThat(call(alice, ask(p, "How many miles long is the Amazon River?")).cache()).isEqualTo("miss");

    }

    @Test
    void aSpokenSelfCorrectionIsASemanticHit() {
        String p = "corrected-" + suffix;
        Answer first = call(alice, ask(p, "Who was the first European to travel the entire length of the Amazon River?"));
        // "no" here repairs, it does not negate: the question asked is the original one.
        Answer corrected = call(alice, ask(p,
                "Who was the first European to travel the entire length of the Nile, no, I mean the Amazon River?"));
        assertThat(first.cache()).isEqualTo("miss");
        assertThat(corrected.cache()).isEqualTo("semantic-hit");
        assertThat(corrected.content()).isEqualTo(first.content());
        assertThat(Double.parseDouble(corrected.score())).isBetween(0.95, 1.0);
    }

    @Test
    void longTextsThatDifferOnlyAfterWhatTheModelReadsDoNotCollide() {
        String head = "Please review the following release notes carefully and summarise the risks. "
                + "The service was migrated to a new database cluster with replication enabled. ".repeat(12) + suffix;
        assertThat(call(alice, ask(head + " Final question: what about the EU region?")).cache()).isEqualTo("miss");
        assertThat(call(alice, ask(head + " Final question: what about the US region?")).cache()).isEqualTo("miss");
        assertThat(call(alice, ask(head + " Final question: what about the US region?")).cache()).isEqualTo("hit");
    }

    @Test
    void theAnthropicFrontDoorIsCachedAndServedInItsOwnShape() throws Exception {
        String body = """
                {"model":"cached","max_tokens":64,"system":"You answer briefly.",
                 "messages":[{"role":"user","content":"Name the tallest mountain. %s"}]%s}""";
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.util.function.Function<String, java.net.http.HttpResponse<String>> post = json -> {
            try {
                return http.send(java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create("http://127.0.0.1:" + gateway.port() + "/v1/messages"))
                        .header("x-api-key", "tg-alice-" + suffix).header("anthropic-version", "2023-06-01")
                        .header("x-request-id", "msg-" + suffix + "-" + ThreadLocalRandom.current().nextInt(1 << 30))
                        .header("content-type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(json)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        var first = post.apply(body.formatted(suffix, ""));
        var second = post.apply(body.formatted(suffix, ""));
        Map<String, Object> firstEvent = TestPostgres.usageEvent(first.headers().firstValue("x-request-id").orElseThrow());
        assertThat(firstEvent.get("api")).isEqualTo("anthropic");
        assertThat(firstEvent.get("operation")).isEqualTo("chat");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("x-tollgate-cache")).hasValue("miss");
        assertThat(second.headers().firstValue("x-tollgate-cache")).hasValue("hit");
        var firstJson = dev.tollgate.support.Json.MAPPER.readTree(first.body());
        var secondJson = dev.tollgate.support.Json.MAPPER.readTree(second.body());
        assertThat(secondJson.path("type").asString()).isEqualTo("message");
        assertThat(secondJson.path("content").get(0).path("text").asString())
                .isEqualTo(firstJson.path("content").get(0).path("text").asString());

        var streamed = post.apply(body.formatted(suffix, ",\"stream\":true"));
        assertThat(streamed.headers().firstValue("x-tollgate-cache")).hasValue("hit");
        assertThat(streamed.body()).startsWith("event: message_start").contains("event: content_block_delta")
                .contains("event: message_stop").doesNotContain("[DONE]").doesNotContain("chat.completion");

        // The same canonical request from an OpenAI client shares the entry.
        ChatCompletionCreateParams same = ChatCompletionCreateParams.builder().model("cached").maxTokens(64)
                .addSystemMessage("You answer briefly.").addUserMessage("Name the tallest mountain. " + suffix).build();
        Answer openAi = call(alice, same);
        assertThat(openAi.cache()).isEqualTo("hit");
        assertThat(openAi.content()).isEqualTo(firstJson.path("content").get(0).path("text").asString());
    }

    @Test
    void anotherTenantNeverSeesTheEntry() {
        Answer mine = call(alice, ask("Which planet is known as the red planet?"));
        Answer theirs = call(bob, ask("Which planet is known as the red planet?"));
        Answer theirsParaphrased = call(bob, ask("which planet is known as the red planet"));
        assertThat(mine.cache()).isEqualTo("miss");
        assertThat(theirs.cache()).isEqualTo("miss");
        assertThat(theirsParaphrased.cache()).isIn("semantic-hit", "hit"); // bob's own entry
        assertThat(theirsParaphrased.content()).isEqualTo(theirs.content());
    }

    @Test
    void aStreamedHitParsesInTheSdkAndMatchesTheJsonAnswer() {
        Answer json = call(alice, ask("List the planets of the solar system. " + suffix));
        ChatCompletionCreateParams streamed = ask("List the planets of the solar system. " + suffix).toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = alice.chat().completions().createStreaming(streamed)) {
            stream.stream().forEach(accumulator::accumulate);
        }
        ChatCompletion assembled = accumulator.chatCompletion();
        assertThat(assembled.choices().get(0).message().content()).hasValue(json.content());
        assertThat(assembled.usage()).isPresent();

        // And the other way round: a streamed miss is stored and served to a JSON client.
        ChatCompletionAccumulator first = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = alice.chat().completions()
                .createStreaming(ask("Name the largest ocean. " + suffix))) {
            stream.stream().forEach(first::accumulate);
        }
        Answer fromStream = call(alice, ask("Name the largest ocean. " + suffix));
        assertThat(fromStream.cache()).isEqualTo("hit");
        assertThat(fromStream.content()).isEqualTo(first.chatCompletion().choices().get(0).message().content().orElseThrow());
    }

    @Test
    void cacheControlAndPerModelPolicy() {
        String q = "Describe a rainbow. " + suffix;
        ChatCompletionCreateParams noStore = ask(q).toBuilder().putAdditionalHeader("Cache-Control", "no-store").build();
        assertThat(call(alice, noStore).cache()).isEqualTo("miss");
        assertThat(call(alice, ask(q)).cache()).isEqualTo("miss"); // nothing was stored
        ChatCompletionCreateParams noCache = ask(q).toBuilder().putAdditionalHeader("Cache-Control", "no-cache").build();
        assertThat(call(alice, noCache).cache()).isEqualTo("miss"); // stored, but not looked up
        assertThat(call(alice, ask(q)).cache()).isEqualTo("hit");

        ChatCompletionCreateParams off = ask(q).toBuilder().model("uncached").build();
        assertThat(call(alice, off).cache()).isNull();
        assertThat(call(alice, off).cache()).isNull();
    }

    @Test
    void aBadRatingEvictsTheEntryAndOnlyItsTenantCanSeeOrRateIt() {
        String q = "Name a prime number between 10 and 20. " + suffix;
        call(alice, ask(q));
        String id;
        try (HttpResponseFor<ChatCompletion> hit = alice.chat().completions().withRawResponse().create(ask(q))) {
            hit.parse();
            assertThat(hit.headers().values("x-tollgate-cache")).containsExactly("hit");
            id = hit.headers().values("x-tollgate-cache-id").get(0);
        }
        var http = gateway.http();
        var mine = http.get("/v1/cache/entries/" + id, "tg-alice2-" + suffix);
        assertThat(mine.statusCode()).isEqualTo(200);
        assertThat(mine.body()).contains("\"model\"").contains("\"quality\":0.0");
        var theirs = http.get("/v1/cache/entries/" + id, "tg-bob-" + suffix);
        assertThat(theirs.statusCode()).isEqualTo(404);
        assertThat(theirs.body()).contains("cache_entry_not_found");
        assertThat(http.post("/v1/cache/entries/" + id + "/feedback", "tg-bob-" + suffix, "fb-1", "{\"rating\":\"bad\"}")
                .statusCode()).isEqualTo(404);
        var invalid = http.post("/v1/cache/entries/" + id + "/feedback", "tg-alice-" + suffix, "fb-2", "{\"rating\":\"meh\"}");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(invalid.body()).contains("\"param\":\"rating\"");

        var bad = http.post("/v1/cache/entries/" + id + "/feedback", "tg-alice-" + suffix, "fb-3", "{\"rating\":\"bad\"}");
        assertThat(bad.statusCode()).isEqualTo(200);
        assertThat(bad.body()).contains("\"evicted\":true");
        assertThat(call(alice, ask(q)).cache()).isEqualTo("miss");
        assertThat(http.get("/v1/cache/entries/" + id, "tg-alice-" + suffix).statusCode()).isEqualTo(404);
    }

    @Test
    void usageEventsRecordTheOutcomeCostZeroAndTheCostSaved() {
        String q = "Spell the word cache backwards. " + suffix;
        alice.chat().completions().create(ask(q).toBuilder().putAdditionalHeader("x-request-id", "cache-miss-" + suffix).build());
        alice.chat().completions().create(ask(q).toBuilder().putAdditionalHeader("x-request-id", "cache-hit-" + suffix).build());
        Map<String, Object> miss = TestPostgres.usageEvent("cache-miss-" + suffix);
        Map<String, Object> hit = TestPostgres.usageEvent("cache-hit-" + suffix);
        assertThat(miss.get("cache_outcome")).isEqualTo("miss");
        assertThat(miss.get("api")).isEqualTo("openai");
        assertThat((BigDecimal) miss.get("cost_usd")).isPositive();
        assertThat(hit.get("cache_outcome")).isEqualTo("hit");
        assertThat((BigDecimal) hit.get("cost_usd")).isZero();
        assertThat((BigDecimal) hit.get("cost_saved_usd")).isEqualByComparingTo((BigDecimal) miss.get("cost_usd"));
        assertThat(hit.get("provider")).isNull();
        assertThat(hit.get("status")).isEqualTo(200);
    }
}
