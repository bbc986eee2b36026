package dev.tollgate.pipeline;

import dev.tollgate.api.GatewayException;
import dev.tollgate.auth.VirtualKey;
import dev.tollgate.config.ConfigWatcher;
import dev.tollgate.config.TollgateConfig;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import dev.tollgate.support.Json;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Terminal filter for {@code catalog:}: {@code GET /v1/models} and {@code GET /v1/models/{id}}
 * from the config, showing only the models the calling key may use.
 */
public class ModelCatalogFilter implements GlobalFilter, Ordered {

    private static final JsonMapper JSON = Json.MAPPER;

    private final ConfigWatcher config;

    public ModelCatalogFilter(ConfigWatcher config) {
        this.config = config;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (!GatewayRoutes.isCatalogRoute(exchange)) {
            return chain.filter(exchange);
        }
        if (exchange.getRequest().getMethod() != HttpMethod.GET) {
            return Mono.error(new GatewayException(HttpStatus.METHOD_NOT_ALLOWED, "invalid_request_error",
                    "method_not_allowed", null, "The models endpoints accept GET only."));
        }
        VirtualKey key = LlmExchange.of(exchange).key();
        ConfigWatcher.Loaded loaded = config.current();
        long created = loaded.loadedAt().getEpochSecond();
        String path = exchange.getRequest().getPath().value();
        ObjectNode body;
        if (path.equals("/v1/models") || path.equals("/v1/models/")) {
            body = JSON.createObjectNode().put("object", "list");
            ArrayNode data = body.putArray("data");
            for (TollgateConfig.Model m : loaded.config().models().values()) {
                if (key.allows(m.name())) {
                    data.add(model(m, created));
                }
            }
            for (String alias : loaded.config().routing().aliases().keySet()) {
                if (key.allows(alias)) {
                    data.add(alias(alias, created));
                }
            }
        } else {
            String id = path.substring("/v1/models/".length());
            TollgateConfig.Model m = loaded.config().models().get(id);
            boolean alias = loaded.config().routing().aliases().containsKey(id);
            if (m == null && !alias || !key.allows(id)) {
                return Mono.error(GatewayException.modelNotFound(id));
            }
            body = m != null ? model(m, created) : alias(id, created);
        }
        byte[] bytes = JSON.writeValueAsBytes(body);
        ServerHttpResponse response = exchange.getResponse();
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        response.getHeaders().setContentLength(bytes.length);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(bytes)));
    }

    private static ObjectNode model(TollgateConfig.Model m, long created) {
        return JSON.createObjectNode().put("id", m.name()).put("object", "model").put("created", created)
                .put("owned_by", m.ownedBy());
    }

    /** A routing alias (docs/routing.md): listed like a model, owned by the gateway's router. */
    private static ObjectNode alias(String name, long created) {
        return JSON.createObjectNode().put("id", name).put("object", "model").put("created", created)
                .put("owned_by", "tollgate-router");
    }

    @Override
    public int getOrder() {
        return FilterOrder.TERMINAL;
    }
}
