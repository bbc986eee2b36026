package dev.tollgate.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.tollgate.testing.GatewayInstance;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The embedding sidecar as its own process (the runnable jar the build makes): the gateway's
 * semantic cache embeds through it, and the gateway's /v1/embeddings routes to it as an
 * OpenAI-compatible provider.
 */
class EmbeddingSidecarIT {

    static Process sidecar;
    static int sidecarPort;
    static GatewayInstance gateway;
    static String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong());

    @BeforeAll
    static void start() throws Exception {
        Path jar = Path.of("..", "embedding-sidecar", "target", "tollgate-embedding-sidecar-exec.jar");
        assertThat(jar).as("build the sidecar first: ./mvnw verify from the repository root").exists();
        try (ServerSocket socket = new ServerSocket(0)) {
            sidecarPort = socket.getLocalPort();
        }
        File log = Files.createTempFile("sidecar", ".log").toFile();
        sidecar = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jar.toString(), "--server.port=" + sidecarPort)
                .redirectErrorStream(true).redirectOutput(log).start();
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + sidecarPort + "/actuator/health")).build(), HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200) {
                    break;
                }
            } catch (java.io.IOException notYet) {
                // starting
            }
            if (System.nanoTime() > deadline || !sidecar.isAlive()) {
                throw new AssertionError("the sidecar did not start: " + Files.readString(log.toPath()));
            }
            Thread.sleep(200);
        }

        Path dir = Files.createTempDirectory("tollgate-sidecar");
        Path file = dir.resolve("tollgate.yaml");
        Files.writeString(file, """
                providers:
                  sim: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 8 }
                  embedder: { type: openai-compatible, base-url: "http://127.0.0.1:%2$d/v1" }
                models:
                  chat: { deployments: [ { provider: sim } ], price: { input: 1, output: 1 } }
                  minilm: { deployments: [ { provider: embedder, model: all-minilm-l6-v2-q } ] }
                keys:
                  - { name: k-%1$s, key: tg-sidecar-%1$s, team: t-%1$s }
                cache:
                  mode: semantic
                  semantic: { embedder-url: "http://127.0.0.1:%2$d/v1" }
                """.formatted(suffix, sidecarPort));
        gateway = GatewayInstance.start(GatewayInstance.properties(file, dir, "memory"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (sidecar != null) {
            sidecar.destroy();
            sidecar.waitFor();
        }
    }

    private static OpenAIClient sdk() {
        return OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + gateway.port() + "/v1")
                .apiKey("tg-sidecar-" + suffix).maxRetries(0).build();
    }

    private static String cacheOutcome(String question) {
        try (HttpResponseFor<ChatCompletion> response = sdk().chat().completions().withRawResponse().create(
                ChatCompletionCreateParams.builder().model("chat").addUserMessage(question).build())) {
            response.parse();
            return response.headers().values("x-tollgate-cache").get(0);
        }
    }

    @Test
    void theSemanticCacheEmbedsThroughTheSidecar() {
        assertThat(cacheOutcome("How do I reset my password?")).isEqualTo("miss");
        assertThat(cacheOutcome("How can I reset my password?")).isEqualTo("semantic-hit");
        assertThat(cacheOutcome("How can I reset my password without email?")).isEqualTo("miss");
    }

    @Test
    void theGatewaysEmbeddingsEndpointRoutesToTheSidecar() {
        CreateEmbeddingResponse response = sdk().embeddings().create(EmbeddingCreateParams.builder().model("minilm")
                .inputOfArrayOfStrings(List.of("first text", "second text")).build());
        response.validate();
        assertThat(response.data()).hasSize(2);
        assertThat(response.data().get(0).embedding()).hasSize(384);
    }
}
