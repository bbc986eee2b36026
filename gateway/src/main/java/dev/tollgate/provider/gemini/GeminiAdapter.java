package dev.tollgate.provider.gemini;

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
import java.time.Duration;
import java.util.Locale;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Google's Gemini API behind the OpenAI chat completions surface. The client's OpenAI body is
 * translated by {@link GeminiMapper} and sent to {@code POST {base-url}/models/{model}:generateContent}
 * or {@code :streamGenerateContent?alt=sse} with the key in {@code x-goog-api-key}; the answer,
 * whole or streamed, is translated back into OpenAI's shapes. Only chat completions: legacy
 * completions and embeddings are refused with a 400 that is not retried.
 */
public class GeminiAdapter implements ProviderAdapter {

    public static final String DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/v1beta";

    private final TollgateConfig.Provider provider;
    private final HttpClient client;
    private final String base;

    public GeminiAdapter(TollgateConfig.Provider provider, ConnectionProvider connections) {
        this.provider = provider;
        String url = provider.baseUrl() != null ? provider.baseUrl().toString() : DEFAULT_BASE_URL;
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        this.base = url;
        this.client = HttpClient.create(connections)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) provider.timeouts().connect().toMillis())
                .headers(h -> {
                    h.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
                    h.set(HttpHeaderNames.USER_AGENT, "tollgate");
                    if (provider.apiKey() != null && !provider.apiKey().isEmpty()) {
                        h.set("x-goog-api-key", provider.apiKey());
                    }
                    if (provider.headers() != null) {
                        provider.headers().forEach(h::set);
                    }
                });
    }

    /**
     * {@code {base}/models/{model}:generateContent}, or {@code :streamGenerateContent?alt=sse}; a
     * model named with its collection ({@code models/...}, {@code tunedModels/...}) keeps it.
     */
    URI uri(String model, boolean stream) {
        String resource = model.contains("/") ? model : "models/" + model;
        return URI.create(base + "/" + resource + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent"));
    }

    @Override
    public Mono<ProviderResponse> call(ProviderRequest request) {
        return Mono.<ProviderResponse>defer(() -> {
                    ObjectNode chat = request.request().json();
                    byte[] body = body(request);
                    return Transport.answer(send(request, body, false), this::httpError, b -> answer(request, chat, b));
                })
                .onErrorMap(this::classify);
    }

    @Override
    public Flux<StreamChunk> stream(ProviderRequest request) {
        return Flux.<StreamChunk>defer(() -> Transport.events(provider.name(), send(request, body(request), true), this::httpError,
                        () -> new GeminiMapper.StreamTranslator(provider.name(), request.upstreamModel(), System.currentTimeMillis() / 1000)))
                .onErrorMap(this::classify);
    }

    /** The generateContent body, or the refusal of a request Gemini cannot serve. */
    private byte[] body(ProviderRequest request) {
        return ChatRequests.vendorBody(request, provider.name(), "Gemini", GeminiMapper::toGeminiRequest);
    }

    private ProviderResponse answer(ProviderRequest request, ObjectNode chat, byte[] body) {
        JsonNode response = Transport.jsonAnswer(body, provider.name(), "a GenerateContentResponse");
        String blocked = GeminiMapper.promptBlockReason(response);
        if (blocked != null) {
            throw promptBlocked(provider.name(), blocked);
        }
        ObjectNode completion = GeminiMapper.toChatCompletion(response, request.upstreamModel(), System.currentTimeMillis() / 1000);
        TokenUsage usage = GeminiMapper.usage(response.get("usageMetadata"));
        if (usage == null) {
            StringBuilder text = new StringBuilder();
            completion.path("choices").forEach(c -> text.append(c.path("message").path("content").asString("")));
            usage = new TokenUsage(TokenCounter.countInput(chat), TokenCounter.count(text.toString()), 0, true);
        }
        return new ProviderResponse(Json.MAPPER.writeValueAsBytes(completion), usage);
    }

    private HttpClient.ResponseReceiver<?> send(ProviderRequest request, byte[] body, boolean stream) {
        return Transport.post(client, provider.timeouts().connect(), request, uri(request.upstreamModel(), stream), body, stream);
    }

    // ---------------------------------------------------------------- errors

    /**
     * Gemini's error answers as {@link UpstreamException}s. The body is Google's
     * {@code {"error":{"code":429,"message":"...","status":"RESOURCE_EXHAUSTED","details":[...]}}}
     * (sometimes inside a one-element array); the message is kept word for word, {@code errorType}
     * is the nearest OpenAI type and {@code errorCode} Google's status in lower case
     * ({@code context_length_exceeded} when the prompt has too many tokens).
     *
     * <pre>
     * status  Google status        retryable  OpenAI type            note
     * 400     INVALID_ARGUMENT     no         invalid_request_error  incl. "exceeds the maximum number of tokens"
     * 400     FAILED_PRECONDITION  no         invalid_request_error  e.g. free tier not available, billing
     * 400     (API_KEY_INVALID)    no         authentication_error   reported as 401: the gateway's key is wrong
     * 401     UNAUTHENTICATED      no         authentication_error
     * 403     PERMISSION_DENIED    no         permission_error
     * 404     NOT_FOUND            no         invalid_request_error  usually an unknown model
     * 429     RESOURCE_EXHAUSTED   yes        rate_limit_exceeded    retry-after header, else RetryInfo.retryDelay
     * 500     INTERNAL             yes        server_error
     * 503     UNAVAILABLE          yes        server_error           model overloaded
     * 504     DEADLINE_EXCEEDED    yes        server_error
     * </pre>
     *
     * Retryability itself is {@link UpstreamException#retryable()}'s, from the status.
     */
    public static UpstreamException httpError(String provider, int status, byte[] body, Duration retryAfter) {
        JsonNode error = null;
        String text = null;
        try {
            JsonNode root = Json.MAPPER.readTree(body);
            if (root != null && root.isArray() && !root.isEmpty()) {
                root = root.get(0);
            }
            if (root != null && root.get("error") != null && root.get("error").isObject()) {
                error = root.get("error");
            }
        } catch (JacksonException notJson) {
            text = Transport.snippet(body);
        }
        return error(provider, status, error, text, retryAfter);
    }

    /** An error object inside a 200 stream, as the HTTP error its code (or status) stands for. */
    public static UpstreamException streamError(String provider, JsonNode error) {
        int status = error.path("code").asInt(0);
        if (status < 400) {
            status = statusOf(GeminiMapper.str(error.get("status")));
        }
        return error(provider, status, error, null, null);
    }

    /**
     * Gemini refused the prompt itself ({@code promptFeedback.blockReason}, no candidates): a 400
     * with OpenAI's {@code content_filter} code, not retried.
     */
    public static UpstreamException promptBlocked(String provider, String reason) {
        return new UpstreamException(UpstreamException.Kind.HTTP_STATUS, 400,
                "provider '" + provider + "' refused the prompt: Gemini blocked it (blockReason: " + reason
                        + "); no answer was generated.", null, "invalid_request_error", "content_filter", "messages", null);
    }

    private static UpstreamException error(String provider, int status, JsonNode error, String text, Duration retryAfter) {
        String message = text;
        String googleStatus = null;
        if (error != null) {
            message = GeminiMapper.str(error.get("message"));
            googleStatus = GeminiMapper.str(error.get("status"));
            for (JsonNode detail : error.path("details")) {
                String type = detail.path("@type").asString("");
                if (status == 400 && type.endsWith("google.rpc.ErrorInfo") && "API_KEY_INVALID".equals(GeminiMapper.str(detail.get("reason")))) {
                    status = 401; // Google says 400; it is the gateway's credentials that are wrong
                } else if (retryAfter == null && type.endsWith("google.rpc.RetryInfo")) {
                    String delay = GeminiMapper.str(detail.get("retryDelay")); // a protobuf Duration: "22s", "0.5s"
                    retryAfter = delay != null && delay.endsWith("s") ? Transport.retryAfter(delay.substring(0, delay.length() - 1)) : null;
                }
            }
        }
        if (message == null || message.isEmpty()) {
            message = googleStatus != null ? googleStatus : "HTTP " + status;
        }
        String code = googleStatus == null ? null : googleStatus.toLowerCase(Locale.ROOT);
        String lower = message.toLowerCase(Locale.ROOT);
        if (status == 400 && (lower.contains("exceeds the maximum number of tokens") || lower.contains("input token count"))) {
            code = "context_length_exceeded";
        }
        return new UpstreamException(UpstreamException.Kind.HTTP_STATUS, status,
                "provider '" + provider + "' answered " + status + ": " + message, retryAfter, openAiType(status), code, null, null);
    }

    /** The HTTP status of a Google status name; 500 for names this adapter does not know. */
    static int statusOf(String status) {
        if (status == null) {
            return 500;
        }
        return switch (status) {
            case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE" -> 400;
            case "UNAUTHENTICATED" -> 401;
            case "PERMISSION_DENIED" -> 403;
            case "NOT_FOUND" -> 404;
            case "ABORTED", "ALREADY_EXISTS" -> 409;
            case "RESOURCE_EXHAUSTED" -> 429;
            case "CANCELLED" -> 499;
            case "UNAVAILABLE" -> 503;
            case "DEADLINE_EXCEEDED" -> 504;
            default -> 500; // INTERNAL, UNKNOWN, DATA_LOSS and anything new
        };
    }

    static String openAiType(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 429 -> "rate_limit_exceeded";
            default -> status >= 500 || status == 408 ? "server_error" : "invalid_request_error";
        };
    }

    private UpstreamException httpError(int status, byte[] body, HttpHeaders headers) {
        return httpError(provider.name(), status, body, Transport.retryAfter(headers));
    }

    private Throwable classify(Throwable e) {
        return Transport.classify(e, provider.name());
    }
}
