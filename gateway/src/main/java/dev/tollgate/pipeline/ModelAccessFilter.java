package dev.tollgate.pipeline;

import dev.tollgate.api.GatewayException;
import dev.tollgate.routing.ModelRoute;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/** Unknown model → 404; a model the key may not use → 403. Before anything costs money. */
public class ModelAccessFilter implements GlobalFilter, Ordered {

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (!GatewayRoutes.isLlmRoute(exchange)) {
            return chain.filter(exchange);
        }
        LlmExchange llm = LlmExchange.of(exchange);
        String model = llm.request().model();
        ModelRoute route = llm.routes().route(model);
        if (route == null) {
            return Mono.error(GatewayException.modelNotFound(model));
        }
        if (!llm.key().allows(model)) {
            return Mono.error(GatewayException.modelNotAllowed(model, llm.key().name()));
        }
        llm.route(route);
        return chain.filter(exchange);
    }

    @Override
    public int getOrder() {
        return FilterOrder.AUTHORIZE_MODEL;
    }
}
