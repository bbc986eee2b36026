package dev.tollgate.provider;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.PrematureCloseException;

/** What every HTTP provider adapter needs alike: transport failures classified, retry-after read. */
public final class Transport {

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
}
