package dev.tollgate.pipeline;

import dev.tollgate.api.GatewayException;
import dev.tollgate.config.ConfigWatcher;
import dev.tollgate.routing.ModelRoute;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Unknown model → 404; a model the key may not use → 403. Before anything costs money. A routing
 * alias counts as a model: a key allowed the alias may be routed to any of its tiers (the CLASSIFY
 * step sets the route once it has chosen one).
 */
public class ModelAccessFilter implements GlobalFilter, Ordered {

    private final ConfigWatcher config;

    public ModelAccessFilter(ConfigWatcher config) {
        this.config = config;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (!GatewayRoutes.isLlmRoute(exchange)) {
            return chain.filter(exchange);
        }
        LlmExchange llm = LlmExchange.of(exchange);
        String model = llm.request().model();
        ModelRoute route = llm.routes().route(model);
        if (route == null && !config.current().config().routing().aliases().containsKey(model)) {
            return Mono.error(GatewayException.modelNotFound(model));
        }
        if (!llm.key().allows(model)) {
            return Mono.error(GatewayException.modelNotAllowed(model, llm.key().name()));
        }
        if (route != null) {
            llm.route(route);
        }
        return chain.filter(exchange);
    }

    @Override
    public int getOrder() {
        return FilterOrder.AUTHORIZE_MODEL;
    }
}
