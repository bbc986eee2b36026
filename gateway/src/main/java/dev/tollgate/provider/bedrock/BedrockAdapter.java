package dev.tollgate.provider.bedrock;

import dev.tollgate.config.TollgateConfig;
import dev.tollgate.provider.ChatRequests;
import dev.tollgate.provider.ProviderAdapter;
import dev.tollgate.provider.ProviderRequest;
import dev.tollgate.provider.ProviderResponse;
import dev.tollgate.provider.StreamChunk;
import dev.tollgate.provider.TokenUsage;
import dev.tollgate.provider.Transport;
import dev.tollgate.provider.UpstreamException;
import dev.tollgate.support.Json;
import dev.tollgate.support.TokenCounter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * AWS Bedrock's Converse API behind the OpenAI chat completions surface: the client's body is
 * translated by {@link BedrockMapper} and sent to {@code POST {base-url}/model/{modelId}/converse}
 * (or {@code /converse-stream}, answered in the binary {@code application/vnd.amazon.eventstream}
 * framing), signed with SigV4 by the AWS SDK's signer, or with a Bedrock API key as a bearer token
 * when one is configured instead of access keys. The upstream model name of a deployment is the
 * model id (or inference profile id or ARN). Only chat completions; embeddings and legacy
 * completions are refused with a 400.
 *
 * <p>Signing is computation only (HMAC-SHA256 over the request and a SHA-256 of the body); the
 * constructor signs once so that class loading happens at configuration time, not on an event
 * loop. Credentials are static, from the configuration (or the standard environment variables
 * read when it loads): the SDK's default chain would read profile files and call the instance
 * metadata service, blocking I/O that has no place here.
 */
public class BedrockAdapter implements ProviderAdapter {

    static final String EVENT_STREAM = "application/vnd.amazon.eventstream";

    private final TollgateConfig.Provider provider;
    private final HttpClient client;
    private final String base;
    private final String region;
    private final AwsCredentialsIdentity credentials;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    /** Per model id, the converse and converse-stream URIs: the model ids are the configured ones, so this stays small. */
    private final Map<String, URI[]> uris = new ConcurrentHashMap<>();

    public BedrockAdapter(TollgateConfig.Provider provider, ConnectionProvider connections) {
        this.provider = provider;
        TollgateConfig.Cloud cloud = provider.cloud();
        if (cloud == null || cloud.region() == null) {
            throw new IllegalArgumentException("provider '" + provider.name() + "': type bedrock needs a region");
        }
        this.region = cloud.region();
        String url = provider.baseUrl() != null ? provider.baseUrl().toString()
                : "https://bedrock-runtime." + region + ".amazonaws.com";
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        this.base = url;
        if (cloud.accessKeyId() != null) {
            this.credentials = cloud.sessionToken() != null
                    ? AwsSessionCredentialsIdentity.create(cloud.accessKeyId(), cloud.secretAccessKey(), cloud.sessionToken())
                    : AwsCredentialsIdentity.create(cloud.accessKeyId(), cloud.secretAccessKey());
        } else if (provider.apiKey() != null && !provider.apiKey().isEmpty()) {
            this.credentials = null; // a Bedrock API key, sent as a bearer token
        } else {
            throw new IllegalArgumentException("provider '" + provider.name() + "': type bedrock needs access keys or an api-key");
        }
        this.client = HttpClient.create(connections)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) provider.timeouts().connect().toMillis())
                .headers(h -> {
                    h.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
                    h.set(HttpHeaderNames.USER_AGENT, "tollgate");
                    if (credentials == null) {
                        h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + provider.apiKey());
                    }
                    if (provider.headers() != null) {
                        provider.headers().forEach(h::set);
                    }
                });
        if (credentials != null) {
            sign(URI.create(base + "/model/warm-up/converse"), new byte[0]); // loads the signer's classes here, off the event loops
        }
    }

    @Override
    public Mono<ProviderResponse> call(ProviderRequest request) {
        return Mono.<ProviderResponse>defer(() -> {
                    byte[] body = body(request);
                    URI uri = uris(request.upstreamModel())[0];
                    return Transport.answer(send(request, uri, body, "application/json"), this::error,
                            (headers, b) -> answer(request, id(request, headers), b));
                })
                .onErrorMap(this::classify);
    }

    @Override
    public Flux<StreamChunk> stream(ProviderRequest request) {
        return Flux.<StreamChunk>defer(() -> {
                    byte[] body = body(request);
                    URI uri = uris(request.upstreamModel())[1];
                    return Transport.stream(provider.name(), send(request, uri, body, EVENT_STREAM), this::error,
                            () -> new EventStreamFramer(provider.name()),
                            headers -> new BedrockMapper.StreamTranslator(provider.name(), id(request, headers),
                                    request.upstreamModel(), System.currentTimeMillis() / 1000));
                })
                .onErrorMap(this::classify);
    }

    /** The Converse body, or the refusal of a request Bedrock cannot serve. */
    private byte[] body(ProviderRequest request) {
        return ChatRequests.vendorBody(request, provider.name(), "Bedrock's Converse API", BedrockMapper::toConverseRequest);
    }

    private ProviderResponse answer(ProviderRequest request, String id, byte[] body) {
        JsonNode converse = Transport.jsonAnswer(body, provider.name(), "a Converse response");
        if (!converse.path("output").isObject()) {
            throw Transport.notA(provider.name(), "a Converse response");
        }
        ObjectNode completion = BedrockMapper.toChatCompletion(converse, id, request.upstreamModel(), System.currentTimeMillis() / 1000);
        TokenUsage usage = BedrockMapper.usage(converse.get("usage"));
        if (usage == null) {
            String text = completion.path("choices").path(0).path("message").path("content").asString("");
            usage = new TokenUsage(TokenCounter.countInput(request.request().json()), TokenCounter.count(text), 0, true);
        }
        return new ProviderResponse(Json.MAPPER.writeValueAsBytes(completion), usage);
    }

    /** An OpenAI-style id from AWS's request id, which is what AWS support asks for. */
    private static String id(ProviderRequest request, HttpHeaders headers) {
        String awsId = headers.get("x-amzn-RequestId");
        return "chatcmpl-" + (awsId != null && !awsId.isEmpty() ? awsId : request.requestId());
    }

    private URI[] uris(String modelId) {
        return uris.computeIfAbsent(modelId, id -> {
            // Model ids hold ':' (anthropic.claude-3-haiku-20240307-v1:0) and ARNs '/': both are escaped in the path.
            String model = base + "/model/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
            return new URI[] {URI.create(model + "/converse"), URI.create(model + "/converse-stream")};
        });
    }

    private HttpClient.ResponseReceiver<?> send(ProviderRequest request, URI uri, byte[] body, String accept) {
        HttpClient http = client;
        if (credentials != null) {
            Map<String, List<String>> signed = sign(uri, body);
            http = client.headers(h -> signed.forEach(h::set));
        }
        return Transport.post(http, provider.timeouts().connect(), request, uri, body, accept);
    }

    /** The SigV4 headers (Authorization, X-Amz-Date, Host, X-Amz-Security-Token...) for one attempt. */
    Map<String, List<String>> sign(URI uri, byte[] body) {
        SdkHttpRequest unsigned = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(uri)
                .putHeader("Content-Type", "application/json")
                .build();
        SignedRequest signed = signer.sign(r -> r
                .identity(credentials)
                .request(unsigned)
                .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region));
        return signed.request().headers();
    }

    private UpstreamException error(int status, byte[] body, HttpHeaders headers) {
        return BedrockErrors.httpError(provider.name(), status, body, headers.get("x-amzn-ErrorType"), Transport.retryAfter(headers));
    }

    private Throwable classify(Throwable e) {
        return Transport.classify(e, provider.name());
    }

    // Visible for tests: the URI a model id is called at.
    URI converseUri(String modelId) {
        return uris(modelId)[0];
    }
}
