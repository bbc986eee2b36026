package dev.tollgate.api;

import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Turns every exception that reaches the web layer into the OpenAI error envelope (or, below a
 * path given another API's error shape, that one: Anthropic's on {@code /v1/messages}), so clients
 * never see Spring's whitelabel JSON. Unknown failures become a 500 that names the request id
 * and is logged with its stack trace; they never carry internal detail to the client.
 */
@Order(-2)
public class ErrorEnvelopeHandler implements WebExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ErrorEnvelopeHandler.class);

    private static final ErrorShape OPENAI = ErrorEnvelope::json;

    private final Map<String, ErrorShape> shapesByPath;

    public ErrorEnvelopeHandler() {
        this(Map.of());
    }

    /** @param shapesByPath error body writers for a path and everything below it; OpenAI's envelope elsewhere */
    public ErrorEnvelopeHandler(Map<String, Function<GatewayException, byte[]>> shapesByPath) {
        this.shapesByPath = new java.util.HashMap<>();
        shapesByPath.forEach((path, body) -> this.shapesByPath.put(path, body::apply));
    }

    /** Error shapes (body and wire status) for a path and everything below it; OpenAI's envelope elsewhere. */
    public static ErrorEnvelopeHandler withShapes(Map<String, ErrorShape> shapesByPath) {
        ErrorEnvelopeHandler handler = new ErrorEnvelopeHandler();
        handler.shapesByPath.putAll(shapesByPath);
        return handler;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.error(ex);
        }
        GatewayException error = toGatewayException(exchange, ex);
        ErrorShape shape = shape(exchange.getRequest().getPath().value());
        response.setStatusCode(HttpStatusCode.valueOf(shape.status(error)));
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.remove(HttpHeaders.CONTENT_LENGTH);
        headers.remove(HttpHeaders.TRANSFER_ENCODING);
        String requestId = RequestIdFilter.of(exchange);
        if (requestId != null) {
            headers.set(RequestIdFilter.HEADER, requestId);
        }
        if (error.retryAfter() != null) {
            headers.set(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, (error.retryAfter().toMillis() + 999) / 1000)));
            headers.set("retry-after-ms", Long.toString(Math.max(1, error.retryAfter().toMillis())));
        }
        if (error.shouldRetry() != null) {
            headers.set("x-should-retry", error.shouldRetry().toString());
        } else if (error.status() == HttpStatus.TOO_MANY_REQUESTS || error.status().is5xxServerError()) {
            headers.set("x-should-retry", "true");
        }
        byte[] body = shape.body(error);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }

    private ErrorShape shape(String path) {
        for (Map.Entry<String, ErrorShape> e : shapesByPath.entrySet()) {
            String prefix = e.getKey();
            if (path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/')) {
                return e.getValue();
            }
        }
        return OPENAI;
    }

    static GatewayException toGatewayException(ServerWebExchange exchange, Throwable ex) {
        if (ex instanceof GatewayException ge) {
            return ge;
        }
        if (ex instanceof ResponseStatusException rse) {
            HttpStatusCode code = rse.getStatusCode();
            String path = exchange.getRequest().getPath().value();
            if (code.value() == 404) {
                return new GatewayException(HttpStatus.NOT_FOUND, "invalid_request_error", "unknown_url", null,
                        "Unknown request URL: " + exchange.getRequest().getMethod() + " " + path
                                + ". Tollgate serves the OpenAI API under /v1 (chat/completions, responses, completions, embeddings, models)"
                                + " and Anthropic's (messages, messages/count_tokens).");
            }
            if (code.value() == 405) {
                return new GatewayException(HttpStatus.METHOD_NOT_ALLOWED, "invalid_request_error", "method_not_allowed", null,
                        "Method " + exchange.getRequest().getMethod() + " is not allowed on " + path + ".");
            }
            if (code.value() == 413) {
                return new GatewayException(HttpStatus.PAYLOAD_TOO_LARGE, "invalid_request_error", "request_too_large", null,
                        "Request body is too large.");
            }
            HttpStatus status = HttpStatus.resolve(code.value());
            return new GatewayException(status != null ? status : HttpStatus.BAD_REQUEST,
                    code.is5xxServerError() ? "server_error" : "invalid_request_error", null, null,
                    rse.getReason() != null ? rse.getReason() : "Request failed with status " + code.value());
        }
        if (ex instanceof io.netty.handler.timeout.ReadTimeoutException) {
            // A client that sends its body too slowly (tollgate.server.body-*-timeout): counted, not logged per connection.
            return new GatewayException(HttpStatus.REQUEST_TIMEOUT, "invalid_request_error", "request_timeout", null,
                    "The request body did not arrive in time; the connection is closed.");
        }
        String requestId = RequestIdFilter.of(exchange);
        log.error("Unexpected failure on request {}", requestId, ex);
        return new GatewayException(HttpStatus.INTERNAL_SERVER_ERROR, "server_error", "internal_error", null,
                "The gateway failed unexpectedly while handling request " + requestId + "; the failure is logged.");
    }
}
