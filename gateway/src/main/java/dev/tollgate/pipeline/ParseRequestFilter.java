package dev.tollgate.pipeline;

import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.JsonBody;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.api.RequestValidator;
import dev.tollgate.frontdoor.FrontDoor;
import dev.tollgate.frontdoor.OpenAiFrontDoor;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.util.unit.DataSize;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Step 3: read the body once, bounded in size, parse and validate it. Also picks up the request
 * metadata that the usage event carries: end user (body {@code user} or {@code x-tollgate-user}),
 * feature ({@code x-tollgate-feature}) and free tags ({@code x-tollgate-tag-<name>}). A body sent
 * to another vendor's API (Anthropic's {@code /v1/messages}) is translated by its
 * {@link FrontDoor} into the canonical chat completions request first, so every later step sees
 * one shape.
 */
public class ParseRequestFilter implements GlobalFilter, Ordered {

    public static final String FEATURE_HEADER = "x-tollgate-feature";
    public static final String USER_HEADER = "x-tollgate-user";
    public static final String TAG_PREFIX = "x-tollgate-tag-";

    private final int maxBytes;
    private final Map<Endpoint, FrontDoor> frontDoors;

    public ParseRequestFilter(DataSize maxRequestSize) {
        this(maxRequestSize, Map.of());
    }

    /** @param frontDoors the front door of each endpoint that does not speak OpenAI's API */
    public ParseRequestFilter(DataSize maxRequestSize, Map<Endpoint, FrontDoor> frontDoors) {
        this.maxBytes = (int) Math.min(Integer.MAX_VALUE, maxRequestSize.toBytes());
        this.frontDoors = Map.copyOf(frontDoors);
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (!GatewayRoutes.isLlmRoute(exchange)) {
            return chain.filter(exchange);
        }
        Endpoint endpoint = Endpoint.fromPath(exchange.getRequest().getPath().value());
        if (endpoint == null) {
            return Mono.error(new GatewayException(HttpStatus.NOT_FOUND, "invalid_request_error", "unknown_url", null,
                    "Unknown request URL: " + exchange.getRequest().getPath().value()));
        }
        if (exchange.getRequest().getMethod() != HttpMethod.POST) {
            return Mono.error(new GatewayException(HttpStatus.METHOD_NOT_ALLOWED, "invalid_request_error",
                    "method_not_allowed", null, endpoint.path() + " accepts POST only."));
        }
        FrontDoor frontDoor = frontDoors.getOrDefault(endpoint, OpenAiFrontDoor.INSTANCE);
        return body(exchange, maxBytes)
                .flatMap(bytes -> {
                    JsonBody clientBody = JsonBody.parse(bytes);
                    FrontDoor door = frontDoor.forRequest(clientBody, exchange.getResponse().getHeaders());
                    JsonBody body = door.canonicalRequest(clientBody);
                    LlmRequest request = RequestValidator.validate(endpoint.canonical(), body);
                    HttpHeaders headers = exchange.getRequest().getHeaders();
                    String endUser = request.user() != null ? request.user() : headers.getFirst(USER_HEADER);
                    LlmExchange llm = LlmExchange.of(exchange);
                    llm.frontDoor(door);
                    llm.parsed(request, endUser, headers.getFirst(FEATURE_HEADER), tags(headers));
                    return chain.filter(exchange);
                });
    }

    /** The request body, read once and bounded: a 413 past {@code maxBytes}, empty bytes for no body. */
    public static Mono<byte[]> body(ServerWebExchange exchange, int maxBytes) {
        long declared = exchange.getRequest().getHeaders().getContentLength();
        if (declared > maxBytes) {
            return Mono.error(GatewayException.tooLarge(maxBytes));
        }
        return DataBufferUtils.join(exchange.getRequest().getBody(), maxBytes)
                .onErrorMap(DataBufferLimitException.class, e -> GatewayException.tooLarge(maxBytes))
                .map(ParseRequestFilter::drain)
                .defaultIfEmpty(new byte[0]);
    }

    private static byte[] drain(DataBuffer buffer) {
        try {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            return bytes;
        } finally {
            DataBufferUtils.release(buffer);
        }
    }

    static Map<String, String> tags(HttpHeaders headers) {
        Map<String, String> tags = null;
        for (String name : headers.headerNames()) {
            if (name.length() > TAG_PREFIX.length() && name.regionMatches(true, 0, TAG_PREFIX, 0, TAG_PREFIX.length())) {
                if (tags == null) {
                    tags = new HashMap<>();
                }
                tags.put(name.substring(TAG_PREFIX.length()).toLowerCase(Locale.ROOT), headers.getFirst(name));
            }
        }
        return tags == null ? Map.of() : Map.copyOf(tags);
    }

    @Override
    public int getOrder() {
        return FilterOrder.PARSE;
    }
}
