package dev.tollgate.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.RateLimitException;
import com.openai.errors.SseException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import dev.tollgate.testing.TestPostgres;
import dev.tollgate.testing.Transcripts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The official openai-java SDK, unchanged but for base URL and key, against the gateway. Every
 * response is {@code validate()}d: the SDK's models are generated from OpenAI's OpenAPI spec, so
 * a missing required field or a wrong type fails here.
 */
class OpenAiJavaSdkIT extends GatewayTestBase {

    private OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port + "/v1").apiKey(key).maxRetries(0).build();
    }

    private static ChatCompletionCreateParams.Builder chat(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("What is a gateway?");
    }

    @Test
    void chatCompletion() {
        ChatCompletion c = client(KEY).chat().completions().create(chat("sim-model").n(2).maxCompletionTokens(20).build()).validate();
        assertThat(c.choices()).hasSize(2);
        assertThat(c.choices().get(0).message().content()).hasValueSatisfying(t -> assertThat(t).isNotBlank());
        assertThat(c.created()).isBetween(System.currentTimeMillis() / 1000 - 60, System.currentTimeMillis() / 1000 + 1);
        assertThat(c.usage()).hasValueSatisfying(u -> assertThat(u.completionTokens()).isPositive());
    }

    @Test
    void chatStreamWithAndWithoutUsage() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client(KEY).chat().completions()
                .createStreaming(chat("sim-model").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunk -> chunks.add(chunk.validate()));
        }
        assertThat(chunks).hasSizeGreaterThan(3);
        assertThat(chunks.get(chunks.size() - 1).usage()).hasValueSatisfying(u -> assertThat(u.totalTokens()).isPositive());
        String text = chunks.stream().flatMap(c -> c.choices().stream()).map(ch -> ch.delta().content().orElse(""))
                .reduce("", String::concat);
        assertThat(text).isNotBlank();

        List<ChatCompletionChunk> plain = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client(KEY).chat().completions().createStreaming(chat("sim-model").build())) {
            stream.stream().forEach(plain::add);
        }
        assertThat(plain).allSatisfy(c -> assertThat(c.usage()).isEmpty());
    }

    @Test
    void toolsAndJsonMode() {
        ChatCompletionFunctionTool tool = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("get_weather").parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .build()).build()).build();
        ChatCompletion withTools = client(KEY).chat().completions().create(chat("sim-model").addTool(tool).build()).validate();
        assertThat(withTools.choices().get(0).finishReason().asString()).isEqualTo("tool_calls");
        assertThat(withTools.choices().get(0).message().toolCalls()).hasValueSatisfying(calls ->
                assertThat(calls.get(0).asFunction().function().name()).isEqualTo("get_weather"));

        List<ChatCompletionChunk> streamed = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client(KEY).chat().completions().createStreaming(chat("sim-model").addTool(tool).build())) {
            stream.stream().forEach(c -> streamed.add(c.validate()));
        }
        assertThat(streamed.get(0).choices().get(0).delta().toolCalls()).hasValueSatisfying(calls ->
                assertThat(calls.get(0).index()).isZero());

        ChatCompletion json = client(KEY).chat().completions()
                .create(chat("sim-model").responseFormat(ResponseFormatJsonObject.builder().build()).build()).validate();
        assertThat(json.choices().get(0).message().content().orElseThrow()).startsWith("{").endsWith("}");
    }

    @Test
    void completionsEmbeddingsAndModels() {
        Completion completion = client(KEY).completions().create(CompletionCreateParams.builder()
                .model("sim-model").prompt("Once upon a time").maxTokens(5).build()).validate();
        assertThat(completion.choices().get(0).text()).isNotBlank();

        CreateEmbeddingResponse floats = client(KEY).embeddings().create(EmbeddingCreateParams.builder()
                .model("sim-model").input("hello").encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build()).validate();
        assertThat(floats.data().get(0).embedding()).hasSize(256);
        CreateEmbeddingResponse base64 = client(KEY).embeddings().create(EmbeddingCreateParams.builder()
                .model("sim-model").input("hello").dimensions(8).encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64).build());
        assertThat(base64.data().get(0).embeddingValue().asBase64()).hasSize(44); // 8 float32 = 32 bytes

        List<String> ids = client(KEY).models().list().data().stream().map(m -> m.validate().id()).toList();
        assertThat(ids).contains("gpt-4o-mini", "sim-model");
        assertThat(client(LIMITED_KEY).models().list().data()).extracting(Model::id).containsExactly("sim-model");
        assertThat(client(KEY).models().retrieve("sim-model").validate().ownedBy()).isEqualTo("tollgate");
    }

    @Test
    void errorsBecomeTheSdksErrorClasses() {
        assertThatThrownBy(() -> client("tg-unknown-key").chat().completions().create(chat("sim-model").build()))
                .isInstanceOf(UnauthorizedException.class).hasMessageContaining("Incorrect API key");
        assertThatThrownBy(() -> client(KEY).chat().completions().create(chat("no-such-model").build()))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> client(LIMITED_KEY).chat().completions().create(chat("gpt-4o-mini").build()))
                .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("not allowed to use model 'gpt-4o-mini'");
        assertThatThrownBy(() -> client(KEY).chat().completions().create(chat("sim-model").temperature(7.0).build()))
                .isInstanceOf(BadRequestException.class)
                .satisfies(e -> assertThat(((BadRequestException) e).param()).hasValue("temperature"));
        assertThatThrownBy(() -> client(KEY).models().retrieve("nope")).isInstanceOf(NotFoundException.class);

        PRIMARY.stubFor(post("/v1/chat/completions").willReturn(aResponse().withStatus(429).withHeader("retry-after", "20")
                .withBody(Transcripts.error("Rate limit reached for requests", "requests", "rate_limit_exceeded"))));
        assertThatThrownBy(() -> client(KEY).chat().completions().create(chat("sdk-429").build()))
                .isInstanceOf(RateLimitException.class)
                .satisfies(e -> assertThat(((RateLimitException) e).headers().values("retry-after")).containsExactly("20"));
    }

    @Test
    void midStreamFailureIsRaisedBySdk() {
        assertThatThrownBy(() -> {
            try (StreamResponse<ChatCompletionChunk> stream = client(KEY).chat().completions().createStreaming(chat("broken").build())) {
                stream.stream().forEach(c -> { });
            }
        }).isInstanceOf(SseException.class);
    }

    @Test
    void everySdkCallIsMetered() {
        long before = (Long) TestPostgres.query("SELECT count(*) AS n FROM usage_events WHERE key_name = 'limited'").get(0).get("n");
        client(LIMITED_KEY).chat().completions().create(chat("sim-model").build());
        long deadline = System.currentTimeMillis() + 5000;
        long after = before;
        while (after == before && System.currentTimeMillis() < deadline) {
            TestPostgres.sleep(50);
            after = (Long) TestPostgres.query("SELECT count(*) AS n FROM usage_events WHERE key_name = 'limited'").get(0).get("n");
        }
        assertThat(after).isEqualTo(before + 1);
    }
}
