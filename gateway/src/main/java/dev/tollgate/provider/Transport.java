package dev.tollgate.provider;

import dev.tollgate.streaming.SseSplitter;
import dev.tollgate.support.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.http.client.PrematureCloseException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * What every HTTP provider adapter needs alike: the POST, transport failures classified,
 * retry-after read, error statuses and success bodies read, SSE answers cut into events.
 */
public final class Transport {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Transport.class);

    private Transport() {}

    /** Connect errors, timeouts and cut connections as retryable {@link UpstreamException}s; anything else as it is. */
    public static Throwable classify(Throwable e, String provider) {
        if (e instanceof UpstreamException) {
            return e;
        }
        if (e instanceof ConnectTimeoutException) {
            return UpstreamException.of(UpstreamException.Kind.CONNECT_TIMEOUT, "connecting to provider '" + provider + "' timed out", e);
        }
        if (e instanceof ConnectException || e instanceof UnknownHostException) {
            return UpstreamException.of(UpstreamException.Kind.CONNECT_FAILED,
                    "cannot connect to provider '" + provider + "': " + e.getMessage(), e);
        }
        if (e instanceof PrematureCloseException) {
            return UpstreamException.of(UpstreamException.Kind.CONNECTION_CLOSED,
                    "provider '" + provider + "' closed the connection before the answer was complete", e);
        }
        if (e instanceof IOException) {
            return UpstreamException.of(UpstreamException.Kind.CONNECTION_CLOSED,
                    "I/O error talking to provider '" + provider + "': " + e.getMessage(), e);
        }
        return e;
    }

    /**
     * POSTs {@code body} to {@code uri} with the per-call headers every provider gets (request id,
     * accept), under the deployment's connect timeout when it differs from the provider's.
     */
    public static HttpClient.ResponseReceiver<?> post(HttpClient client, Duration providerConnect, ProviderRequest request,
            java.net.URI uri, byte[] body, boolean stream) {
        return post(client, providerConnect, request, uri, body, stream ? "text/event-stream" : "application/json");
    }

    /** As {@link #post(HttpClient, Duration, ProviderRequest, java.net.URI, byte[], boolean)}, with the accept header given. */
    public static HttpClient.ResponseReceiver<?> post(HttpClient client, Duration providerConnect, ProviderRequest request,
            java.net.URI uri, byte[] body, String accept) {
        HttpClient http = request.connectTimeout() == null || request.connectTimeout().equals(providerConnect)
                ? client
                : client.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) request.connectTimeout().toMillis());
        return http.headers(h -> {
                    h.set("x-request-id", request.requestId());
                    h.set(HttpHeaderNames.ACCEPT, accept);
                })
                .post()
                .uri(uri)
                .send(Mono.fromSupplier(() -> (ByteBuf) Unpooled.wrappedBuffer(body)));
    }

    /** {@code retry-after-ms} when present, else {@code retry-after} in (possibly fractional) seconds; null when absent. */
    public static Duration retryAfter(HttpHeaders headers) {
        String ms = headers.get("retry-after-ms");
        if (ms != null) {
            try {
                double millis = Double.parseDouble(ms.trim());
                if (millis >= 0) {
                    return Duration.ofMillis((long) millis);
                }
            } catch (NumberFormatException ignored) {
                // fall back to retry-after
            }
        }
        return retryAfter(headers.get("retry-after"));
    }

    public static Duration retryAfter(String seconds) {
        if (seconds == null || seconds.isBlank()) {
            return null;
        }
        try {
            double s = Double.parseDouble(seconds.trim());
            return s < 0 ? null : Duration.ofMillis((long) (s * 1000));
        } catch (NumberFormatException httpDate) {
            return null; // an HTTP date: rare from LLM providers, and then backoff applies
        }
    }

    /** A provider's error answer (status, body, headers such as retry-after) as its {@link UpstreamException}. */
    @FunctionalInterface
    public interface ErrorReader {
        UpstreamException read(int status, byte[] body, HttpHeaders headers);
    }

    /** One stream's framed events ({@code E}) to OpenAI chunks; {@link #end} when the upstream body ends. */
    public interface Translator<E> {
        List<StreamChunk> accept(List<E> events);

        /** The upstream body ended: the closing chunks, or a failure when the stream is not complete. */
        List<StreamChunk> end();
    }

    /** One stream's SSE events to OpenAI chunks. */
    public interface EventTranslator extends Translator<SseSplitter.Event> {}

    /** Cuts a stream's bytes into its events as they arrive; one instance per stream. */
    public interface Framer<E> {
        List<E> feed(byte[] bytes);

        /** What is left when the body ends: a last event, nothing, or a failure for a cut one. */
        List<E> end();
    }

    /** SSE framing, bounded per event by {@link SseSplitter#DEFAULT_MAX_EVENT_BYTES}. */
    public static Framer<SseSplitter.Event> sse() {
        SseSplitter splitter = new SseSplitter();
        return new Framer<>() {
            @Override
            public List<SseSplitter.Event> feed(byte[] bytes) {
                return splitter.feed(bytes);
            }

            @Override
            public List<SseSplitter.Event> end() {
                SseSplitter.Event last = splitter.flush();
                return last == null ? List.of() : List.of(last);
            }
        };
    }

    /**
     * The whole answer of a sent request: an error status through {@code errors}, a success body
     * through {@code answer}.
     */
    public static <T> Mono<T> answer(HttpClient.ResponseReceiver<?> sent, ErrorReader errors, Function<byte[], T> answer) {
        return answer(sent, errors, (headers, body) -> answer.apply(body));
    }

    /** As {@link #answer(HttpClient.ResponseReceiver, ErrorReader, Function)}, for an answer that needs the response headers. */
    public static <T> Mono<T> answer(HttpClient.ResponseReceiver<?> sent, ErrorReader errors,
            BiFunction<HttpHeaders, byte[], T> answer) {
        return sent.<T>responseConnection((response, connection) -> {
                    if (response.status().code() >= 400) {
                        return failure(response, connection, errors);
                    }
                    return connection.inbound().receive().aggregate().asByteArray().defaultIfEmpty(new byte[0])
                            .map(b -> answer.apply(response.responseHeaders(), b));
                })
                .next();
    }

    /** An error status's whole body read through {@code errors} into the failure of the call. */
    public static <T> Mono<T> failure(HttpClientResponse response, Connection connection, ErrorReader errors) {
        int status = response.status().code();
        return connection.inbound().receive().aggregate().asByteArray().defaultIfEmpty(new byte[0])
                .flatMap(b -> Mono.<T>error(errors.read(status, b, response.responseHeaders())));
    }

    /**
     * The SSE answer of a sent request, cut into events as the bytes arrive and translated by a
     * fresh translator per subscription; an error status is read whole through {@code errors}.
     */
    public static Flux<StreamChunk> events(String provider, HttpClient.ResponseReceiver<?> sent, ErrorReader errors,
            Supplier<? extends EventTranslator> translators) {
        return stream(provider, sent, errors, Transport::sse, headers -> translators.get());
    }

    /**
     * A streamed answer of any framing, checked the same way for every adapter: a success status
     * whose body is an HTML page, is empty, or holds no event at all is a retryable
     * {@link UpstreamException.Kind#BAD_RESPONSE}, found before anything reached the client; a
     * single event larger than the framer's bound is one too (logged), instead of a stall until
     * the idle timeout. Whether a stream that ended is complete is the translator's {@code end()}.
     */
    public static <E> Flux<StreamChunk> stream(String provider, HttpClient.ResponseReceiver<?> sent, ErrorReader errors,
            Supplier<? extends Framer<E>> framers, Function<HttpHeaders, ? extends Translator<E>> translators) {
        return sent.<StreamChunk>responseConnection((response, connection) -> {
            if (response.status().code() >= 400) {
                return failure(response, connection, errors);
            }
            if (isHtml(response.responseHeaders())) {
                return connection.inbound().receive().aggregate().asByteArray().defaultIfEmpty(new byte[0])
                        .flatMap(b -> Mono.<StreamChunk>error(badResponse(provider, response.status().code(),
                                "an HTML page instead of an event stream: " + snippet(b))));
            }
            Framer<E> framer = framers.get();
            Translator<E> translator = translators.apply(response.responseHeaders());
            StreamHead head = new StreamHead();
            return connection.inbound().receive().asByteArray()
                    .concatMapIterable(bytes -> {
                        head.saw(bytes);
                        List<E> events = framer.feed(bytes);
                        head.events += events.size();
                        return translator.accept(events);
                    })
                    .concatWith(Flux.defer(() -> {
                        List<E> last = framer.end();
                        head.events += last.size();
                        if (head.events == 0) {
                            return Flux.error(badResponse(provider, response.status().code(), head.bytes == 0
                                    ? "an empty body instead of an event stream"
                                    : "a body that is not an event stream: " + snippet(head.first.toByteArray())));
                        }
                        List<StreamChunk> out = new ArrayList<>(translator.accept(last));
                        out.addAll(translator.end());
                        return Flux.fromIterable(out);
                    }))
                    .onErrorMap(SseSplitter.EventTooLargeException.class, e -> {
                        log.warn("Provider '{}' streamed {}; the attempt fails (request {})", provider, e.getMessage(),
                                response.requestHeaders().get("x-request-id"));
                        return badResponse(provider, response.status().code(), e.getMessage());
                    });
        });
    }

    /** The first bytes of a stream and how many events it held, to tell an empty or foreign body from a stream. */
    private static final class StreamHead {
        final java.io.ByteArrayOutputStream first = new java.io.ByteArrayOutputStream();
        long bytes;
        long events;

        void saw(byte[] chunk) {
            bytes += chunk.length;
            if (events == 0 && first.size() < 300) {
                first.write(chunk, 0, Math.min(chunk.length, 300 - first.size()));
            }
        }
    }

    private static boolean isHtml(HttpHeaders headers) {
        String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
        return type != null && type.toLowerCase(java.util.Locale.ROOT).contains("html");
    }

    /** A success status whose body is no answer: retryable, so the next deployment is tried. */
    public static UpstreamException badResponse(String provider, int status, String what) {
        return UpstreamException.of(UpstreamException.Kind.BAD_RESPONSE,
                "provider '" + provider + "' answered " + status + " with " + what, null);
    }

    /**
     * A success body as a JSON object; a retryable {@code BAD_RESPONSE} when it is empty, not JSON
     * or not an object ({@code what} names what was expected).
     */
    public static JsonNode jsonAnswer(byte[] body, String provider, String what) {
        if (body.length == 0) {
            throw badResponse(provider, 200, "an empty body instead of " + what);
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw badResponse(provider, 200, "a body that is not JSON (" + e.getOriginalMessage() + "): " + snippet(body));
        }
        if (json == null || !json.isObject()) {
            throw notA(provider, what);
        }
        return json;
    }

    /** The {@code BAD_RESPONSE} failure of an answer that is JSON but not {@code what} the provider should send. */
    public static UpstreamException notA(String provider, String what) {
        return UpstreamException.of(UpstreamException.Kind.BAD_RESPONSE,
                "provider '" + provider + "' answered with something that is not " + what, null);
    }

    /** An error body that is not the provider's JSON (an HTML page from a proxy), shortened for a message. */
    public static String snippet(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).strip();
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }
}
