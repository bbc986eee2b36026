package dev.tollgate.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import dev.tollgate.embedding.BatchingEmbedder;

/** The sidecar through HTTP with the official OpenAI SDK, on the real ONNX model. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class EmbeddingsEndpointTest {

    @LocalServerPort
    int port;

    @Autowired
    BatchingEmbedder embedder;

    private OpenAIClient sdk() {
        return OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port + "/v1").apiKey("unused").maxRetries(0).build();
    }

    private static double cosine(List<Float> a, List<Float> b) {
        double s = 0;
        for (int i = 0; i < a.size(); i++) {
            s += a.get(i) * b.get(i);
        }
        return s;
    }

    @Test
    void floatAndBase64BatchesThroughTheSdk() {
        EmbeddingCreateParams params = EmbeddingCreateParams.builder().model("all-minilm-l6-v2-q")
                .inputOfArrayOfStrings(List.of("How do I reset my password?", "How can I reset my password?", "Best pizza in Naples"))
                .build();
        CreateEmbeddingResponse floats = sdk().embeddings().create(params);
        floats.validate();
        assertThat(floats.data()).hasSize(3);
        assertThat(floats.data().get(0).embedding()).hasSize(384);
        assertThat(floats.usage().promptTokens()).isPositive();
        double paraphrase = cosine(floats.data().get(0).embedding(), floats.data().get(1).embedding());
        double unrelated = cosine(floats.data().get(0).embedding(), floats.data().get(2).embedding());
        assertThat(paraphrase).isGreaterThan(0.9).isGreaterThan(unrelated + 0.3);

        // The SDK asks for base64 by default when no format is given and decodes it itself.
        CreateEmbeddingResponse decoded = sdk().embeddings().create(EmbeddingCreateParams.builder()
                .model("all-minilm-l6-v2-q").input("How do I reset my password?")
                .encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64).build());
        assertThat(cosine(decoded.data().get(0).embedding(), floats.data().get(0).embedding())).isGreaterThan(0.98);
    }

    @Test
    void badInputGetsAnOpenAiErrorThatNamesTheField() {
        assertThatThrownBy(() -> sdk().embeddings().create(EmbeddingCreateParams.builder().model("all-minilm-l6-v2-q")
                .input("").build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("must not be empty");
        assertThatThrownBy(() -> sdk().embeddings().create(EmbeddingCreateParams.builder().model("text-embedding-3-small")
                .input("hi").build()))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("serves 'all-minilm-l6-v2-q'");
        assertThatThrownBy(() -> sdk().embeddings().create(EmbeddingCreateParams.builder().model("all-minilm-l6-v2-q")
                .input("hi").dimensions(256).build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("384 dimensions");
    }

    @Test
    void concurrentRequestsAreBatchedAndMetricsAndHealthAreExposed() throws Exception {
        long batchesBefore = embedder.batches();
        long textsBefore = embedder.texts();
        List<CompletableFuture<CreateEmbeddingResponse>> calls = IntStream.range(0, 24)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> sdk().embeddings().create(EmbeddingCreateParams.builder()
                        .model("all-minilm-l6-v2-q").input("question number " + i + " about billing").build())))
                .toList();
        calls.forEach(CompletableFuture::join);
        assertThat(embedder.texts() - textsBefore).isEqualTo(24);
        assertThat(embedder.batches() - batchesBefore).isLessThan(24);

        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"UP\"");
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("sidecar_texts_total").contains("sidecar_batches_total");
    }

    @Test
    void modelsListsTheServedModelAndUnknownPathsAreOpenAi404s() throws Exception {
        var models = sdk().models().list();
        assertThat(models.data()).extracting(m -> m.id()).containsExactly("all-minilm-l6-v2-q");
        assertThat(sdk().models().retrieve("all-minilm-l6-v2-q").ownedBy()).isEqualTo("tollgate-sidecar");
        assertThatThrownBy(() -> sdk().models().retrieve("gpt-4o")).isInstanceOf(NotFoundException.class);

        HttpResponse<String> unknown = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/v1/chat/completions")).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).startsWith("{\"error\":{").contains("\"code\":\"unknown_url\"").contains("POST /v1/chat/completions");
    }
}
