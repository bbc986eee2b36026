package dev.tollgate.provider.gemini;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.JsonBody;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.api.RequestValidator;
import dev.tollgate.config.ProviderType;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.provider.ProviderRequest;
import dev.tollgate.provider.StreamChunk;
import dev.tollgate.provider.TokenUsage;
import dev.tollgate.provider.UpstreamException;
import dev.tollgate.support.Json;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.netty.resources.ConnectionProvider;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

class GeminiAdapterWireMockTest {

    private static final String KEY = "AIzaSyTest-gemini-key-0000";
    private static final String MODEL = "gemini-2.5-flash";
    private static final String JSON_PATH = "/v1beta/models/gemini-2.5-flash:generateContent";
    private static final String SSE_PATH = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
    private static final WireMockServer SERVER = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    private static ConnectionProvider connections;
    private static GeminiAdapter adapter;

    @BeforeAll
    static void start() {
        SERVER.start();
        connections = ConnectionProvider.create("test");
        adapter = new GeminiAdapter(provider("http://127.0.0.1:" + SERVER.port() + "/v1beta/"), connections);
    }

    @AfterAll
    static void stop() {
        connections.dispose();
        SERVER.stop();
    }

    @BeforeEach
    void reset() {
        SERVER.resetAll();
    }

    static TollgateConfig.Provider provider(String baseUrl) {
        return new TollgateConfig.Provider("gemini", ProviderType.GEMINI, URI.create(baseUrl), KEY, Map.of("x-goog-user-project", "proj-7"),
                TollgateConfig.Timeouts.DEFAULTS, TollgateConfig.Retry.DEFAULTS, TollgateConfig.CircuitBreaker.DEFAULTS, null, null);
    }

    static ProviderRequest request(Endpoint endpoint, String body) {
        LlmRequest llm = RequestValidator.validate(endpoint, JsonBody.parse(body.getBytes(StandardCharsets.UTF_8)));
        return new ProviderRequest(llm, MODEL, "req-gem-1", Duration.ofSeconds(2));
    }

    static ProviderRequest chat(String body) {
        return request(Endpoint.CHAT_COMPLETIONS, body);
    }

    static JsonNode json(String text) {
        return Json.MAPPER.readTree(text);
    }

    private static LoggedRequest onlyRequest() {
        List<LoggedRequest> requests = SERVER.findAll(anyRequestedFor(anyUrl()));
        assertThat(requests).hasSize(1);
        return requests.get(0);
    }

    private static void answer(String path, int status, String contentType, String body) {
        SERVER.stubFor(post(urlEqualTo(path))
                .willReturn(aResponse().withStatus(status).withHeader("Content-Type", contentType).withBody(body)));
    }

    private static final String HI = "{\"model\":\"gemini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    private static final String HI_STREAM = "{\"model\":\"gemini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    @Test
    void sendsGenerateContentWithTheKeyHeaderAndAnswersInOpenAiShape() {
        answer(JSON_PATH, 200, "application/json", GeminiMapperTest.TEXT_RESPONSE);

        StepVerifier.create(adapter.call(chat("""
                        {"model":"gemini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hello"}],
                         "max_tokens":256}""")))
                .assertNext(response -> {
                    assertThat(response.usage()).isEqualTo(new TokenUsage(1210, 44, 1024, false));
                    JsonNode body = Json.MAPPER.readTree(response.body());
                    assertThat(body.get("object").asString()).isEqualTo("chat.completion");
                    assertThat(body.get("model").asString()).isEqualTo("gemini-2.5-flash");
                    JsonNode choice = body.path("choices").get(0);
                    assertThat(choice.path("message").get("content").asString()).isEqualTo("Hello! How can I help?");
                    assertThat(choice.get("finish_reason").asString()).isEqualTo("stop");
                })
                .verifyComplete();

        LoggedRequest sent = onlyRequest();
        assertThat(sent.getUrl()).isEqualTo(JSON_PATH);
        assertThat(sent.getHeader("x-goog-api-key")).isEqualTo(KEY);
        assertThat(sent.getHeader("x-goog-user-project")).isEqualTo("proj-7");
        assertThat(sent.getHeader("Content-Type")).startsWith("application/json");
        assertThat(sent.getHeader("x-request-id")).isEqualTo("req-gem-1");
        assertThat(sent.containsHeader("Authorization")).isFalse();
        assertThat(json(sent.getBodyAsString())).isEqualTo(json("""
                {"systemInstruction":{"parts":[{"text":"Be brief."}]},
                 "contents":[{"role":"user","parts":[{"text":"Hello"}]}],
                 "generationConfig":{"maxOutputTokens":256}}"""));
    }

    @Test
    void streamsFunctionCallsOverSse() {
        answer(SSE_PATH, 200, "text/event-stream", GeminiMapperTest.TOOL_STREAM);

        StepVerifier.create(adapter.stream(chat("""
                        {"model":"gemini","stream":true,"messages":[{"role":"user","content":"Weather in Boston?"}],
                         "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},
                                  {"type":"function","function":{"name":"get_time"}}]}""")).collectList())
                .assertNext(chunks -> {
                    assertThat(chunks).hasSize(7);
                    JsonNode call = GeminiMapperTest.delta(chunks.get(2)).path("tool_calls").get(0);
                    assertThat(call.path("function").get("name").asString()).isEqualTo("get_weather");
                    assertThat(GeminiMapperTest.payload(chunks.get(4)).path("choices").get(0).get("finish_reason").asString())
                            .isEqualTo("tool_calls");
                    assertThat(chunks.get(5).usageOnly()).isTrue();
                    assertThat(chunks.get(5).usage()).isEqualTo(new TokenUsage(95, 85, 0, false));
                    assertThat(chunks.get(6).done()).isTrue();
                })
                .verifyComplete();

        LoggedRequest sent = onlyRequest();
        assertThat(sent.getUrl()).isEqualTo(SSE_PATH);
        assertThat(sent.getHeader("Accept")).isEqualTo("text/event-stream");
        assertThat(sent.getHeader("x-goog-api-key")).isEqualTo(KEY);
        JsonNode body = json(sent.getBodyAsString());
        assertThat(body.has("stream")).isFalse();
        assertThat(body.path("tools").get(0).path("functionDeclarations").get(1)).isEqualTo(json("{\"name\":\"get_time\"}"));
    }

    @Test
    void aModelNamedWithItsCollectionKeepsIt() {
        assertThat(adapter.uri("tunedModels/my-tune-42", false).getPath()).endsWith("/v1beta/tunedModels/my-tune-42:generateContent");
        assertThat(adapter.uri("models/gemini-2.0-flash", true).toString()).endsWith("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
    }

    @Test
    void rateLimitsAndOverloadAreRetryable() {
        SERVER.stubFor(post(urlEqualTo(JSON_PATH)).willReturn(aResponse().withStatus(429).withHeader("Content-Type", "application/json")
                .withBody("""
                        {"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED",
                          "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"}]}}""")));
        StepVerifier.create(adapter.call(chat(HI)))
                .expectErrorSatisfies(e -> {
                    UpstreamException u = (UpstreamException) e;
                    assertThat(u.kind()).isEqualTo(UpstreamException.Kind.HTTP_STATUS);
                    assertThat(u.status()).isEqualTo(429);
                    assertThat(u.retryable()).isTrue();
                    assertThat(u.retryAfter()).isEqualTo(Duration.ofSeconds(7));
                    assertThat(u.getMessage()).isEqualTo("provider 'gemini' answered 429: Resource has been exhausted (e.g. check quota).");
                })
                .verify();

        answer(SSE_PATH, 503, "application/json",
                "{\"error\":{\"code\":503,\"message\":\"The model is overloaded. Please try again later.\",\"status\":\"UNAVAILABLE\"}}");
        StepVerifier.create(adapter.stream(chat(HI_STREAM)))
                .expectErrorSatisfies(e -> {
                    UpstreamException u = (UpstreamException) e;
                    assertThat(u.status()).isEqualTo(503);
                    assertThat(u.retryable()).isTrue();
                    assertThat(u.errorType()).isEqualTo("server_error");
                })
                .verify();
    }

    @Test
    void aBadRequestPassesGooglesMessageThrough() {
        answer(JSON_PATH, 400, "application/json", """
                {
                  "error": {
                    "code": 400,
                    "message": "* GenerateContentRequest.contents: contents is not specified\\n",
                    "status": "INVALID_ARGUMENT"
                  }
                }""");
        StepVerifier.create(adapter.call(chat(HI)))
                .expectErrorSatisfies(e -> {
                    UpstreamException u = (UpstreamException) e;
                    assertThat(u.status()).isEqualTo(400);
                    assertThat(u.retryable()).isFalse();
                    assertThat(u.errorType()).isEqualTo("invalid_request_error");
                    assertThat(u.errorCode()).isEqualTo("invalid_argument");
                    assertThat(u.getMessage()).isEqualTo("provider 'gemini' answered 400: * GenerateContentRequest.contents: contents is not specified\n");
                })
                .verify();
    }

    @Test
    void aBlockedPromptIsAContentFilter400WholeOrStreamed() {
        String blocked = """
                {"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"HIGH"}]},
                 "usageMetadata":{"promptTokenCount":7,"totalTokenCount":7},"modelVersion":"gemini-2.5-flash"}""";
        answer(JSON_PATH, 200, "application/json", blocked);
        answer(SSE_PATH, 200, "text/event-stream", "data: " + blocked.replace("\n", "") + "\n\n");
        StepVerifier.create(adapter.call(chat(HI)))
                .expectErrorSatisfies(e -> {
                    UpstreamException u = (UpstreamException) e;
                    assertThat(u.status()).isEqualTo(400);
                    assertThat(u.errorCode()).isEqualTo("content_filter");
                    assertThat(u.retryable()).isFalse();
                })
                .verify();
        StepVerifier.create(adapter.stream(chat(HI_STREAM)))
                .expectErrorSatisfies(e -> assertThat(((UpstreamException) e).errorCode()).isEqualTo("content_filter"))
                .verify();
    }

    @Test
    void aStreamCutBeforeTheFinishReasonIsAnError() {
        String text = GeminiMapperTest.TEXT_STREAM;
        answer(SSE_PATH, 200, "text/event-stream", text.substring(0, text.lastIndexOf("data: ")));
        StepVerifier.create(adapter.stream(chat(HI_STREAM)))
                .expectNextCount(3) // role, "Hello", " there, friend"
                .expectErrorSatisfies(e -> assertThat(((UpstreamException) e).kind()).isEqualTo(UpstreamException.Kind.CONNECTION_CLOSED))
                .verify();
    }

    @Test
    void embeddingsAndUnsupportedPartsAreRefusedWithoutCallingGemini() {
        StepVerifier.create(adapter.call(request(Endpoint.EMBEDDINGS, "{\"model\":\"gemini\",\"input\":\"hello\"}")))
                .expectErrorSatisfies(e -> {
                    UpstreamException u = (UpstreamException) e;
                    assertThat(u.status()).isEqualTo(400);
                    assertThat(u.retryable()).isFalse();
                    assertThat(u.getMessage()).contains("not supported by Gemini");
                })
                .verify();
        StepVerifier.create(adapter.stream(chat("""
                        {"model":"gemini","stream":true,"messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-1"}}]}]}""")))
                .expectErrorSatisfies(e -> {
                    UpstreamException u = (UpstreamException) e;
                    assertThat(u.status()).isEqualTo(400);
                    assertThat(u.errorParam()).isEqualTo("messages[0].content[0].file");
                })
                .verify();
        assertThat(SERVER.findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }
}
