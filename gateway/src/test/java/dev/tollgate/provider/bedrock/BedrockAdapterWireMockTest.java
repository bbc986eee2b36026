package dev.tollgate.provider.bedrock;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
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

/** Bedrock's Converse and ConverseStream over HTTP: SigV4 headers, model ids in the path, event-stream bodies, errors. */
class BedrockAdapterWireMockTest {

    static final String MODEL = "anthropic.claude-3-haiku-20240307-v1:0";
    static final String MODEL_PATH = "/model/anthropic.claude-3-haiku-20240307-v1%3A0";
    private static final WireMockServer SERVER = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    private static ConnectionProvider connections;
    private static BedrockAdapter adapter;

    @BeforeAll
    static void start() {
        SERVER.start();
        connections = ConnectionProvider.create("bedrock-test");
        adapter = new BedrockAdapter(provider(null, "AKIDEXAMPLE", "token-123"), connections);
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

    static TollgateConfig.Provider provider(String apiKey, String accessKeyId, String sessionToken) {
        return new TollgateConfig.Provider("bedrock-us", ProviderType.BEDROCK, URI.create("http://127.0.0.1:" + SERVER.port()), apiKey,
                Map.of(), TollgateConfig.Timeouts.DEFAULTS, TollgateConfig.Retry.DEFAULTS, TollgateConfig.CircuitBreaker.DEFAULTS, null, null,
                new TollgateConfig.Cloud(null, "us-east-1", accessKeyId, accessKeyId == null ? null : "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                        sessionToken), null);
    }

    static ProviderRequest request(Endpoint endpoint, String body) {
        LlmRequest llm = RequestValidator.validate(endpoint, JsonBody.parse(body.getBytes(StandardCharsets.UTF_8)));
        return new ProviderRequest(llm, MODEL, "req-bedrock-1", Duration.ofSeconds(2));
    }

    static ProviderRequest chat(String body) {
        return request(Endpoint.CHAT_COMPLETIONS, body);
    }

    private static LoggedRequest onlyRequest() {
        List<LoggedRequest> requests = SERVER.findAll(anyRequestedFor(anyUrl()));
        assertThat(requests).hasSize(1);
        return requests.get(0);
    }

    @Test
    void signsAConverseCallAndAnswersInOpenAiShape() {
        SERVER.stubFor(post(urlPathMatching("/model/.*/converse")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withHeader("x-amzn-RequestId", "0c7e3b2a-aws-req")
                .withBody("""
                        {"output":{"message":{"role":"assistant","content":[{"text":"Hello from Bedrock"}]}},"stopReason":"end_turn",
                         "usage":{"inputTokens":14,"outputTokens":5,"totalTokens":19},"metrics":{"latencyMs":310}}""")));

        StepVerifier.create(adapter.call(chat("""
                        {"model":"haiku","max_tokens":100,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hello"}]}""")))
                .assertNext(response -> {
                    assertThat(response.usage()).isEqualTo(new TokenUsage(14, 5, 0, false));
                    JsonNode body = Json.MAPPER.readTree(response.body());
                    assertThat(body.get("id").asString()).isEqualTo("chatcmpl-0c7e3b2a-aws-req");
                    assertThat(body.get("model").asString()).isEqualTo(MODEL);
                    assertThat(body.path("choices").get(0).path("message").get("content").asString()).isEqualTo("Hello from Bedrock");
                })
                .verifyComplete();

        LoggedRequest sent = onlyRequest();
        assertThat(sent.getUrl()).isEqualTo(MODEL_PATH + "/converse");
        assertThat(sent.getHeader("Authorization"))
                .matches("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/us-east-1/bedrock/aws4_request, "
                        + "SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*x-amz-date[a-z0-9;-]*, Signature=[0-9a-f]{64}");
        assertThat(sent.getHeader("X-Amz-Date")).matches("\\d{8}T\\d{6}Z");
        assertThat(sent.getHeader("X-Amz-Security-Token")).isEqualTo("token-123");
        assertThat(sent.getHeader("Accept")).isEqualTo("application/json");
        assertThat(sent.getHeader("x-request-id")).isEqualTo("req-bedrock-1");
        assertThat(Json.MAPPER.readTree(sent.getBodyAsString())).isEqualTo(Json.MAPPER.readTree("""
                {"system":[{"text":"Be brief."}],"messages":[{"role":"user","content":[{"text":"Hello"}]}],"inferenceConfig":{"maxTokens":100}}"""));
    }

    @Test
    void whatArrivesIsWhatWasSigned() {
        SERVER.stubFor(post(urlPathMatching("/model/.*/converse")).willReturn(aResponse().withHeader("Content-Type", "application/json")
                .withBody("{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\"ok\"}]}},\"stopReason\":\"end_turn\","
                        + "\"usage\":{\"inputTokens\":3,\"outputTokens\":1,\"totalTokens\":4}}")));
        StepVerifier.create(adapter.call(chat("{\"model\":\"haiku\",\"messages\":[{\"role\":\"user\",\"content\":\"Say ok\"}]}")))
                .expectNextCount(1)
                .verifyComplete();

        // Re-sign the request as the server received it (signed headers, path, body) at the same
        // instant: AWS would compute this signature, so it must equal the one sent.
        LoggedRequest sent = onlyRequest();
        String authorization = sent.getHeader("Authorization");
        String signedHeaders = authorization.replaceAll(".*SignedHeaders=([^,]+),.*", "$1");
        var received = software.amazon.awssdk.http.SdkHttpRequest.builder()
                .method(software.amazon.awssdk.http.SdkHttpMethod.POST)
                .uri(URI.create("http://127.0.0.1:" + SERVER.port() + sent.getUrl()));
        for (String name : signedHeaders.split(";")) {
            if (!name.equals("x-amz-date") && !name.equals("x-amz-security-token")) {
                received.putHeader(name, sent.getHeader(name));
            }
        }
        java.time.Instant at = java.time.ZonedDateTime.parse(sent.getHeader("X-Amz-Date"),
                java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssX")).toInstant();
        var resigned = software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.create().sign(r -> r
                .identity(software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity.create(
                        "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "token-123"))
                .request(received.build())
                .payload(software.amazon.awssdk.http.ContentStreamProvider.fromByteArray(sent.getBody()))
                .putProperty(software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                .putProperty(software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(software.amazon.awssdk.http.auth.spi.signer.HttpSigner.SIGNING_CLOCK, java.time.Clock.fixed(at, java.time.ZoneOffset.UTC)));
        assertThat(resigned.request().firstMatchingHeader("Authorization")).hasValue(authorization);
    }

    @Test
    void theSignatureCoversTheBody() {
        var first = adapter.sign(URI.create("http://127.0.0.1/model/m/converse"), "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        var second = adapter.sign(URI.create("http://127.0.0.1/model/m/converse"), "{\"a\":2}".getBytes(StandardCharsets.UTF_8));
        assertThat(first.get("Authorization")).isNotEqualTo(second.get("Authorization"));
    }

    @Test
    void streamsConverseStreamEventsInDribbledChunks() {
        SERVER.stubFor(post(urlPathMatching("/model/.*/converse-stream")).willReturn(aResponse()
                .withHeader("Content-Type", BedrockAdapter.EVENT_STREAM)
                .withBody(EventStreams.textStream())
                .withChunkedDribbleDelay(9, 90))); // frames cut at arbitrary places on the way

        StepVerifier.create(adapter.stream(chat("{\"model\":\"haiku\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
                        .collectList())
                .assertNext(chunks -> {
                    assertThat(chunks).hasSize(6);
                    assertThat(chunks.get(1).text()).isEqualTo("Hello");
                    assertThat(chunks.get(2).text()).isEqualTo(" there");
                    assertThat(chunks.get(4).usage()).isEqualTo(new TokenUsage(25, 7, 4, false));
                    assertThat(chunks.get(5).done()).isTrue();
                })
                .verifyComplete();

        LoggedRequest sent = onlyRequest();
        assertThat(sent.getUrl()).isEqualTo(MODEL_PATH + "/converse-stream");
        assertThat(sent.getHeader("Accept")).isEqualTo(BedrockAdapter.EVENT_STREAM);
        assertThat(sent.getHeader("Authorization")).startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/");
    }

    @Test
    void throttlingIsRetryableWithAwsMessage() {
        SERVER.stubFor(post(urlPathMatching("/model/.*")).willReturn(aResponse().withStatus(429)
                .withHeader("x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/")
                .withHeader("Content-Type", "application/json")
                .withBody("{\"message\":\"Too many requests, please wait before trying again.\"}")));
        StepVerifier.create(adapter.call(chat("{\"model\":\"haiku\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")))
                .expectErrorSatisfies(e -> {
                    UpstreamException u = (UpstreamException) e;
                    assertThat(u.status()).isEqualTo(429);
                    assertThat(u.retryable()).isTrue();
                    assertThat(u.getMessage()).isEqualTo("provider 'bedrock-us' answered 429: Too many requests, please wait before trying again.");
                })
                .verify();
        StepVerifier.create(adapter.stream(chat("{\"model\":\"haiku\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")))
                .expectErrorSatisfies(e -> assertThat(((UpstreamException) e).retryable()).isTrue())
                .verify();
    }

    @Test
    void aValidationErrorAboutLengthIsContextLengthExceeded() {
        SERVER.stubFor(post(urlPathMatching("/model/.*/converse")).willReturn(aResponse().withStatus(400)
                .withHeader("x-amzn-ErrorType", "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/")
                .withBody("{\"message\":\"The model returned the following errors: prompt is too long: 210000 tokens > 200000 maximum\"}")));
        StepVerifier.create(adapter.call(chat("{\"model\":\"haiku\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")))
                .expectErrorSatisfies(e -> {
                    UpstreamException u = (UpstreamException) e;
                    assertThat(u.status()).isEqualTo(400);
                    assertThat(u.retryable()).isFalse();
                    assertThat(u.errorCode()).isEqualTo("context_length_exceeded");
                    assertThat(u.getMessage()).endsWith("prompt is too long: 210000 tokens > 200000 maximum");
                })
                .verify();
    }

    @Test
    void aStreamCutInsideAMessageIsAConnectionError() {
        byte[] stream = EventStreams.textStream();
        SERVER.stubFor(post(urlPathMatching("/model/.*/converse-stream")).willReturn(aResponse()
                .withHeader("Content-Type", BedrockAdapter.EVENT_STREAM)
                .withBody(java.util.Arrays.copyOf(stream, stream.length - 20))));
        StepVerifier.create(adapter.stream(chat("{\"model\":\"haiku\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")))
                .expectNextCount(4) // role, Hello, there, finish
                .expectErrorSatisfies(e -> assertThat(((UpstreamException) e).kind()).isEqualTo(UpstreamException.Kind.CONNECTION_CLOSED))
                .verify();
    }

    @Test
    void aBedrockApiKeyIsSentAsABearerTokenWithoutSigning() {
        SERVER.stubFor(post(urlPathMatching("/model/.*/converse")).willReturn(aResponse().withHeader("Content-Type", "application/json")
                .withBody("{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\"ok\"}]}},\"stopReason\":\"end_turn\","
                        + "\"usage\":{\"inputTokens\":3,\"outputTokens\":1,\"totalTokens\":4}}")));
        BedrockAdapter keyed = new BedrockAdapter(provider("bedrock-api-key-abc", null, null), connections);
        StepVerifier.create(keyed.call(chat("{\"model\":\"haiku\",\"messages\":[{\"role\":\"user\",\"content\":\"Say ok\"}]}")))
                .assertNext(response -> assertThat(response.usage()).isEqualTo(new TokenUsage(3, 1, 0, false)))
                .verifyComplete();
        LoggedRequest sent = onlyRequest();
        assertThat(sent.getHeader("Authorization")).isEqualTo("Bearer bedrock-api-key-abc");
        assertThat(sent.containsHeader("X-Amz-Date")).isFalse();
    }

    @Test
    void embeddingsAndUnsupportedRequestsAreRefusedWithoutACall() {
        StepVerifier.create(adapter.call(request(Endpoint.EMBEDDINGS, "{\"model\":\"titan\",\"input\":\"hello\"}")))
                .expectErrorSatisfies(e -> {
                    UpstreamException u = (UpstreamException) e;
                    assertThat(u.status()).isEqualTo(400);
                    assertThat(u.retryable()).isFalse();
                    assertThat(u.getMessage()).contains("not supported by Bedrock");
                })
                .verify();
        StepVerifier.create(adapter.call(chat("""
                        {"model":"haiku","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}""")))
                .expectErrorSatisfies(e -> {
                    UpstreamException u = (UpstreamException) e;
                    assertThat(u.status()).isEqualTo(400);
                    assertThat(u.errorCode()).isEqualTo("unsupported_by_provider");
                    assertThat(u.errorParam()).isEqualTo("messages[0].content[0].image_url.url");
                })
                .verify();
        assertThat(SERVER.findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }
}
