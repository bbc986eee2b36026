package dev.tollgate.pipeline;

import dev.tollgate.api.GatewayException;
import dev.tollgate.routing.RoutingTable;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/** Unknown model → 404; a model the key may not use → 403. Before anything costs money. */
public class ModelAccessFilter implements GlobalFilter, Ordered {

    private final RoutingTable routing;

    public ModelAccessFilter(RoutingTable routing) {
        this.routing = routing;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (!GatewayRoutes.isLlmRoute(exchange)) {
            return chain.filter(exchange);
        }
        LlmExchange llm = LlmExchange.of(exchange);
        String model = llm.request().model();
        if (routing.route(model) == null) {
            return Mono.error(GatewayException.modelNotFound(model));
        }
        if (!llm.key().allows(model)) {
            return Mono.error(GatewayException.modelNotAllowed(model, llm.key().name()));
        }
        return chain.filter(exchange);
    }

    @Override
    public int getOrder() {
        return FilterOrder.AUTHORIZE_MODEL;
    }
}
