package dev.tollgate.provider.anthropic;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
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
import java.net.ServerSocket;
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

class AnthropicAdapterWireMockTest {

    private static final String KEY = "sk-ant-api03-test-key";
    private static final WireMockServer SERVER = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    private static ConnectionProvider connections;
    private static AnthropicAdapter adapter;

    @BeforeAll
    static void start() {
        SERVER.start();
        connections = ConnectionProvider.create("test");
        adapter = new AnthropicAdapter(provider("http://127.0.0.1:" + SERVER.port() + "/v1"), connections);
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
        // The adapter does not read the type; "anthropic" once it is wired, a placeholder until then.
        ProviderType type = ProviderType.fromId("anthropic").orElse(ProviderType.OPENAI_COMPATIBLE);
        return new TollgateConfig.Provider("claude", type, URI.create(baseUrl), KEY, Map.of("anthropic-beta", "test-beta-2025"),
                TollgateConfig.Timeouts.DEFAULTS, TollgateConfig.Retry.DEFAULTS, TollgateConfig.CircuitBreaker.DEFAULTS, null, null);
    }

    static ProviderRequest request(Endpoint endpoint, String body) {
        LlmRequest llm = RequestValidator.validate(endpoint, JsonBody.parse(body.getBytes(StandardCharsets.UTF_8)));
        return new ProviderRequest(llm, "claude-sonnet-4-5-20250929", "req-abc-123", Duration.ofSeconds(2));
    }

    static ProviderRequest chat(String body) {
        return request(Endpoint.CHAT_COMPLETIONS, body);
    }

    static JsonNode json(String text) {
        return Json.MAPPER.readTree(text);
    }

    static JsonNode payload(StreamChunk chunk) {
        return Json.MAPPER.readTree(new String(chunk.frame(), StandardCharsets.UTF_8).substring(6).strip());
    }

    private static LoggedRequest onlyRequest() {
        List<LoggedRequest> requests = SERVER.findAll(postRequestedFor(urlEqualTo("/v1/messages")));
        assertThat(requests).hasSize(1);
        return requests.get(0);
    }

    private static void answer(int status, String contentType, String body) {
        SERVER.stubFor(post(urlEqualTo("/v1/messages"))
                .willReturn(aResponse().withStatus(status).withHeader("Content-Type", contentType).withBody(body)));
    }

    @Test
    void sendsAMessagesRequestAndAnswersInOpenAiShape() {
        answer(200, "application/json", """
                {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
                 "content":[{"type":"text","text":"Hello! How can I help you today?"}],
                 "stop_reason":"end_turn","stop_sequence":null,
                 "usage":{"input_tokens":21,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":12}}""");

        StepVerifier.create(adapter.call(chat("""
                        {"model":"claude","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hello"}],
                         "max_tokens":256,"user":"u-7"}""")))
                .assertNext(response -> {
                    assertThat(response.usage()).isEqualTo(new TokenUsage(21, 12, 0, false));
                    JsonNode body = Json.MAPPER.readTree(response.body());
                    assertThat(body.get("object").asString()).isEqualTo("chat.completion");
                    assertThat(body.get("id").asString()).isEqualTo("msg_01XFDUDYJgAACzvnptvVoYEL");
                    assertThat(body.get("model").asString()).isEqualTo("claude-sonnet-4-5-20250929");
                    JsonNode choice = body.path("choices").get(0);
                    assertThat(choice.path("message").get("content").asString()).isEqualTo("Hello! How can I help you today?");
                    assertThat(choice.get("finish_reason").asString()).isEqualTo("stop");
                    assertThat(body.path("usage").get("total_tokens").asLong()).isEqualTo(33);
                })
                .verifyComplete();

        LoggedRequest sent = onlyRequest();
        assertThat(sent.getHeader("x-api-key")).isEqualTo(KEY);
        assertThat(sent.getHeader("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(sent.getHeader("anthropic-beta")).isEqualTo("test-beta-2025");
        assertThat(sent.getHeader("Content-Type")).startsWith("application/json");
        assertThat(sent.getHeader("x-request-id")).isEqualTo("req-abc-123");
        assertThat(sent.containsHeader("Authorization")).isFalse();
        assertThat(json(sent.getBodyAsString())).isEqualTo(json("""
                {"model":"claude-sonnet-4-5-20250929","max_tokens":256,"system":"Be brief.",
                 "messages":[{"role":"user","content":"Hello"}],"metadata":{"user_id":"u-7"}}"""));
    }

    @Test
    void streamsAToolCallAsOpenAiChunks() {
        answer(200, "text/event-stream", AnthropicMapperTest.TOOL_STREAM);

        StepVerifier.create(adapter.stream(chat("""
                        {"model":"claude","stream":true,"messages":[{"role":"user","content":"Weather in SF?"}],
                         "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"location":{"type":"string"}}}}},
                                  {"type":"function","function":{"name":"now"}}]}""")).collectList())
                .assertNext(chunks -> {
                    assertThat(chunks).hasSize(10);
                    assertThat(payload(chunks.get(0)).path("choices").get(0).path("delta").get("role").asString()).isEqualTo("assistant");
                    JsonNode start = payload(chunks.get(2)).path("choices").get(0).path("delta").path("tool_calls").get(0);
                    assertThat(start.get("id").asString()).isEqualTo("toolu_01T1x1fJ34qAmk2tNTrN7Up6");
                    assertThat(start.path("function").get("name").asString()).isEqualTo("get_weather");
                    assertThat(payload(chunks.get(7)).path("choices").get(0).get("finish_reason").asString()).isEqualTo("tool_calls");
                    assertThat(chunks.get(8).usageOnly()).isTrue();
                    assertThat(chunks.get(8).usage()).isEqualTo(new TokenUsage(472, 89, 0, false));
                    assertThat(chunks.get(9).done()).isTrue();
                })
                .verifyComplete();

        LoggedRequest sent = onlyRequest();
        assertThat(sent.getHeader("Accept")).isEqualTo("text/event-stream");
        JsonNode body = json(sent.getBodyAsString());
        assertThat(body.get("stream").asBoolean()).isTrue();
        assertThat(body.get("max_tokens").asInt()).isEqualTo(4096);
        assertThat(body.path("tools").get(0).get("name").asString()).isEqualTo("get_weather");
        assertThat(body.get("tool_choice")).isEqualTo(json("{\"type\":\"auto\"}"));
    }

    @Test
    void jsonModeAnswerComesBackAsContent() {
        answer(200, "application/json", """
                {"id":"msg_9","type":"message","role":"assistant","model":"claude-haiku-4-5",
                 "content":[{"type":"tool_use","id":"toolu_9","name":"json_response","input":{"city":"Paris"}}],
                 "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":40,"output_tokens":15}}""");
        StepVerifier.create(adapter.call(chat("""
                        {"model":"claude","messages":[{"role":"user","content":"A city as JSON"}],"response_format":{"type":"json_object"}}""")))
                .assertNext(response -> {
                    JsonNode choice = Json.MAPPER.readTree(response.body()).path("choices").get(0);
                    assertThat(json(choice.path("message").get("content").asString())).isEqualTo(json("{\"city\":\"Paris\"}"));
                    assertThat(choice.get("finish_reason").asString()).isEqualTo("stop");
                })
                .verifyComplete();
        assertThat(json(onlyRequest().getBodyAsString()).get("tool_choice"))
                .isEqualTo(json("{\"type\":\"tool\",\"name\":\"json_response\"}"));
    }

    @Test
    void overloaded529IsRetryable() {
        SERVER.stubFor(post(urlEqualTo("/v1/messages")).willReturn(aResponse().withStatus(529)
                .withHeader("Content-Type", "application/json").withHeader("retry-after", "3")
                .withBody("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")));
        String body = "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        StepVerifier.create(adapter.call(chat(body)))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(UpstreamException.class);
                    UpstreamException u = (UpstreamException) e;
                    assertThat(u.kind()).isEqualTo(UpstreamException.Kind.HTTP_STATUS);
                    assertThat(u.status()).isEqualTo(529);
                    assertThat(u.retryable()).isTrue();
                    assertThat(u.retryAfter()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(u.getMessage()).isEqualTo("provider 'claude' answered 529: Overloaded");
                })
                .verify();
        StepVerifier.create(adapter.stream(chat(body.replace("{\"model\"", "{\"stream\":true,\"model\""))))
                .expectErrorSatisfies(e -> assertThat(((UpstreamException) e).retryable()).isTrue())
                .verify();
    }

    @Test
    void promptTooLongIsNotRetriedAndKeepsTheProvidersMessage() {
        answer(400, "application/json", """
                {"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 208310 tokens > 200000 maximum"},
                 "request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}""");
        StepVerifier.create(adapter.call(chat("{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")))
                .expectErrorSatisfies(e -> {
                    UpstreamException u = (UpstreamException) e;
                    assertThat(u.status()).isEqualTo(400);
                    assertThat(u.retryable()).isFalse();
                    assertThat(u.errorType()).isEqualTo("invalid_request_error");
                    assertThat(u.errorCode()).isEqualTo("context_length_exceeded");
                    assertThat(u.getMessage()).endsWith("prompt is too long: 208310 tokens > 200000 maximum");
                })
                .verify();
    }

    @Test
    void anOverloadErrorEventInsideA200StreamFailsBeforeTheFirstChunk() {
        answer(200, "text/event-stream", """
                event: message_start
                data: {"type":"message_start","message":{"id":"msg_x","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}}

                event: ping
                data: {"type": "ping"}

                event: error
                data: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}

                """);
        StepVerifier.create(adapter.stream(chat("{\"model\":\"claude\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")))
                .expectErrorSatisfies(e -> {
                    UpstreamException u = (UpstreamException) e;
                    assertThat(u.status()).isEqualTo(529);
                    assertThat(u.retryable()).isTrue();
                })
                .verify();
    }

    @Test
    void aStreamCutBeforeMessageStopIsAnError() {
        String text = AnthropicMapperTest.TEXT_STREAM;
        answer(200, "text/event-stream", text.substring(0, text.indexOf("event: message_delta")));
        StepVerifier.create(adapter.stream(chat("{\"model\":\"claude\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")))
                .expectNextCount(3) // role, "Hello", "!"
                .expectErrorSatisfies(e -> assertThat(((UpstreamException) e).kind()).isEqualTo(UpstreamException.Kind.CONNECTION_CLOSED))
                .verify();
    }

    @Test
    void embeddingsAndLegacyCompletionsAreRefusedWithoutCallingAnthropic() {
        StepVerifier.create(adapter.call(request(Endpoint.EMBEDDINGS, "{\"model\":\"claude\",\"input\":\"hello\"}")))
                .expectErrorSatisfies(e -> {
                    UpstreamException u = (UpstreamException) e;
                    assertThat(u.status()).isEqualTo(400);
                    assertThat(u.retryable()).isFalse();
                    assertThat(u.getMessage()).contains("not supported by Anthropic");
                })
                .verify();
        StepVerifier.create(adapter.stream(request(Endpoint.COMPLETIONS, "{\"model\":\"claude\",\"prompt\":\"hello\",\"stream\":true}")))
                .expectErrorSatisfies(e -> assertThat(((UpstreamException) e).retryable()).isFalse())
                .verify();
        StepVerifier.create(adapter.call(chat("{\"model\":\"claude\",\"n\":3,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")))
                .expectErrorSatisfies(e -> {
                    UpstreamException u = (UpstreamException) e;
                    assertThat(u.status()).isEqualTo(400);
                    assertThat(u.errorParam()).isEqualTo("n");
                })
                .verify();
        assertThat(SERVER.findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    @Test
    void aClosedPortIsAConnectFailure() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        AnthropicAdapter nowhere = new AnthropicAdapter(provider("http://127.0.0.1:" + port + "/v1"), connections);
        StepVerifier.create(nowhere.call(chat("{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")))
                .expectErrorSatisfies(e -> {
                    UpstreamException u = (UpstreamException) e;
                    assertThat(u.kind()).isEqualTo(UpstreamException.Kind.CONNECT_FAILED);
                    assertThat(u.retryable()).isTrue();
                })
                .verify(Duration.ofSeconds(10));
    }
}
