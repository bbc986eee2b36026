package dev.tollgate.provider.anthropic;

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
 * Anthropic's Messages API behind the OpenAI chat completions surface. The client's OpenAI body is
 * translated by {@link AnthropicMapper} and sent to {@code POST {base-url}/messages}; the answer,
 * whole or streamed, is translated back into OpenAI's shapes (chat.completion, chat.completion.chunk
 * frames, a final usage chunk and {@code [DONE]}). Only chat completions: legacy completions and
 * embeddings are refused with a 400 that is not retried.
 */
public class AnthropicAdapter implements ProviderAdapter {

    public static final String DEFAULT_BASE_URL = "https://api.anthropic.com/v1";
    public static final String API_VERSION = "2023-06-01";

    private final TollgateConfig.Provider provider;
    private final HttpClient client;
    private final URI messagesUri;

    public AnthropicAdapter(TollgateConfig.Provider provider, ConnectionProvider connections) {
        this.provider = provider;
        String base = provider.baseUrl() != null ? provider.baseUrl().toString() : DEFAULT_BASE_URL;
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        this.messagesUri = URI.create(base + "/messages");
        this.client = HttpClient.create(connections)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) provider.timeouts().connect().toMillis())
                .headers(h -> {
                    h.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
                    h.set(HttpHeaderNames.USER_AGENT, "tollgate");
                    h.set("anthropic-version", API_VERSION);
                    if (provider.apiKey() != null && !provider.apiKey().isEmpty()) {
                        h.set("x-api-key", provider.apiKey());
                    }
                    if (provider.headers() != null) {
                        provider.headers().forEach(h::set); // e.g. anthropic-beta
                    }
                });
    }

    @Override
    public Mono<ProviderResponse> call(ProviderRequest request) {
        return Mono.<ProviderResponse>defer(() -> {
                    ObjectNode chat = request.request().json();
                    boolean jsonMode = AnthropicMapper.jsonMode(chat);
                    byte[] body = body(request, false);
                    return Transport.answer(send(request, body, false), this::httpError, b -> answer(request, chat, jsonMode, b));
                })
                .onErrorMap(this::classify);
    }

    @Override
    public Flux<StreamChunk> stream(ProviderRequest request) {
        return Flux.<StreamChunk>defer(() -> {
                    boolean jsonMode = AnthropicMapper.jsonMode(request.request().json());
                    byte[] body = body(request, true);
                    return Transport.events(provider.name(), send(request, body, true), this::httpError,
                            () -> new AnthropicMapper.StreamTranslator(provider.name(), request.upstreamModel(), jsonMode,
                                    System.currentTimeMillis() / 1000));
                })
                .onErrorMap(this::classify);
    }

    /** The Messages API body, or the refusal of a request Anthropic cannot serve. */
    private byte[] body(ProviderRequest request, boolean stream) {
        return ChatRequests.vendorBody(request, provider.name(), "Anthropic",
                chat -> AnthropicMapper.toAnthropicRequest(chat, request.upstreamModel(), stream));
    }

    private ProviderResponse answer(ProviderRequest request, ObjectNode chat, boolean jsonMode, byte[] body) {
        JsonNode message = Transport.jsonAnswer(body, provider.name(), "a message");
        if ("error".equals(AnthropicMapper.str(message.get("type")))) {
            throw streamError(provider.name(), message);
        }
        ObjectNode completion = AnthropicMapper.toChatCompletion(message, request.upstreamModel(), jsonMode,
                System.currentTimeMillis() / 1000);
        TokenUsage usage = AnthropicWire.usage(message.get("usage"));
        if (usage == null) {
            String text = completion.path("choices").path(0).path("message").path("content").asString("");
            usage = new TokenUsage(TokenCounter.countInput(chat), TokenCounter.count(text), 0, true);
        }
        return new ProviderResponse(Json.MAPPER.writeValueAsBytes(completion), usage);
    }

    private HttpClient.ResponseReceiver<?> send(ProviderRequest request, byte[] body, boolean stream) {
        return Transport.post(client, provider.timeouts().connect(), request, messagesUri, body, stream);
    }


    // ---------------------------------------------------------------- errors

    /**
     * Anthropic's error answers as {@link UpstreamException}s. The body is
     * {@code {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}}; the
     * message is kept word for word, {@code errorType} is the nearest OpenAI type, and
     * {@code errorCode} is Anthropic's own {@code error.type} (OpenAI's
     * {@code context_length_exceeded} when the prompt is too long).
     *
     * <pre>
     * status  error.type             retryable  OpenAI type            note
     * 400     invalid_request_error  no         invalid_request_error  incl. "prompt is too long"
     * 401     authentication_error   no         authentication_error   bad x-api-key
     * 402     billing_error          no         insufficient_quota
     * 403     permission_error       no         permission_error
     * 404     not_found_error        no         invalid_request_error  usually an unknown model
     * 408     (timeout)              yes        server_error
     * 413     request_too_large      no         invalid_request_error  from Cloudflare, body may be HTML
     * 429     rate_limit_error       yes        rate_limit_exceeded    retry-after kept
     * 500     api_error              yes        server_error
     * 504     timeout_error          yes        server_error
     * 529     overloaded_error       yes        server_error           Anthropic-wide load
     * other 5xx                      yes        server_error
     * </pre>
     *
     * Retryability itself is {@link UpstreamException#retryable()}'s, from the status.
     */
    public static UpstreamException httpError(String provider, int status, byte[] body, Duration retryAfter) {
        String type = null;
        String message = null;
        try {
            JsonNode root = Json.MAPPER.readTree(body);
            JsonNode error = root == null ? null : root.get("error");
            if (error != null && error.isObject()) {
                type = AnthropicMapper.str(error.get("type"));
                message = AnthropicMapper.str(error.get("message"));
            } else if (root != null && root.isObject()) {
                message = AnthropicMapper.str(root.get("message"));
            }
        } catch (JacksonException notJson) {
            message = Transport.snippet(body);
        }
        if (message == null || message.isEmpty()) {
            message = "HTTP " + status;
        }
        return new UpstreamException(UpstreamException.Kind.HTTP_STATUS, status,
                "provider '" + provider + "' answered " + status + ": " + message, retryAfter,
                openAiType(type, status), errorCode(type, status, message), null, null);
    }

    /**
     * An {@code error} event inside a 200 stream (or an error object where a message was due), as
     * the HTTP error its type stands for: an {@code overloaded_error} is a retryable 529, so a
     * stream that fails this way before its first chunk falls back like a 529 answer would.
     */
    public static UpstreamException streamError(String provider, JsonNode event) {
        JsonNode error = event.path("error");
        String type = AnthropicMapper.str(error.get("type"));
        String message = AnthropicMapper.str(error.get("message"));
        int status = AnthropicWire.errorStatus(type);
        if (message == null || message.isEmpty()) {
            message = type != null ? type : "unknown error";
        }
        return new UpstreamException(UpstreamException.Kind.HTTP_STATUS, status,
                "provider '" + provider + "' answered " + status + ": " + message, null,
                openAiType(type, status), errorCode(type, status, message), null, null);
    }

    /** The nearest OpenAI error type for an Anthropic one (by status when the type is missing or new). */
    static String openAiType(String type, int status) {
        if (type != null) {
            switch (type) {
                case "invalid_request_error", "not_found_error", "request_too_large" -> {
                    return "invalid_request_error";
                }
                case "authentication_error" -> {
                    return "authentication_error";
                }
                case "permission_error" -> {
                    return "permission_error";
                }
                case "billing_error" -> {
                    return "insufficient_quota";
                }
                case "rate_limit_error" -> {
                    return "rate_limit_exceeded";
                }
                case "api_error", "overloaded_error", "timeout_error" -> {
                    return "server_error";
                }
                default -> {
                    // by status below
                }
            }
        }
        if (status == 429) {
            return "rate_limit_exceeded";
        }
        return status >= 500 || status == 408 ? "server_error" : "invalid_request_error";
    }

    private static String errorCode(String type, int status, String message) {
        String lower = message.toLowerCase(Locale.ROOT);
        if (status == 400 && (lower.contains("prompt is too long") || lower.contains("exceed context limit")
                || lower.contains("context window"))) {
            return "context_length_exceeded";
        }
        return type;
    }


    private UpstreamException httpError(int status, byte[] body, HttpHeaders headers) {
        return httpError(provider.name(), status, body, Transport.retryAfter(headers));
    }

    private Throwable classify(Throwable e) {
        return Transport.classify(e, provider.name());
    }
}
