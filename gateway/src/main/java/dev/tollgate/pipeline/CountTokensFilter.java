package dev.tollgate.pipeline;

import dev.tollgate.api.GatewayException;
import dev.tollgate.api.JsonBody;
import dev.tollgate.auth.VirtualKey;
import dev.tollgate.frontdoor.anthropic.MessagesRequest;
import dev.tollgate.routing.RoutingTable;
import dev.tollgate.support.Json;
import dev.tollgate.support.TokenCounter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.util.unit.DataSize;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * Terminal filter for {@code count-tokens:}, Anthropic's {@code POST /v1/messages/count_tokens}:
 * {@code {"input_tokens": N}} for system, messages and tools, counted by Tollgate's tokenizer
 * (o200k) over the request as it would reach an OpenAI-family provider. Exact for OpenAI's current
 * models, an estimate for every other vendor's (Claude's tokenizer is not public). The model must
 * exist and be allowed for the key, as for a real call; nothing is metered or rate-limited, as
 * nothing reaches a provider.
 */
public class CountTokensFilter implements GlobalFilter, Ordered {

    private final RoutingTable routing;
    private final int maxBytes;

    public CountTokensFilter(RoutingTable routing, DataSize maxRequestSize) {
        this.routing = routing;
        this.maxBytes = (int) Math.min(Integer.MAX_VALUE, maxRequestSize.toBytes());
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (!GatewayRoutes.isCountTokensRoute(exchange)) {
            return chain.filter(exchange);
        }
        if (exchange.getRequest().getMethod() != HttpMethod.POST) {
            return Mono.error(new GatewayException(HttpStatus.METHOD_NOT_ALLOWED, "invalid_request_error",
                    "method_not_allowed", null, "/v1/messages/count_tokens accepts POST only."));
        }
        VirtualKey key = LlmExchange.of(exchange).key();
        return ParseRequestFilter.body(exchange, maxBytes).flatMap(bytes -> {
            ObjectNode chat = MessagesRequest.toChatForCounting(JsonBody.parse(bytes).tree());
            String model = chat.get("model").asString();
            if (routing.route(model) == null) {
                return Mono.error(GatewayException.modelNotFound(model));
            }
            if (!key.allows(model)) {
                return Mono.error(GatewayException.modelNotAllowed(model, key.name()));
            }
            byte[] body = Json.MAPPER.writeValueAsBytes(
                    Json.MAPPER.createObjectNode().put("input_tokens", TokenCounter.countInput(chat)));
            ServerHttpResponse response = exchange.getResponse();
            response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
            response.getHeaders().setContentLength(body.length);
            return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
        });
    }

    @Override
    public int getOrder() {
        return FilterOrder.TERMINAL;
    }
}
