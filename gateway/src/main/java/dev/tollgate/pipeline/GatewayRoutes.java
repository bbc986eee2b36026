package dev.tollgate.pipeline;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.web.server.ServerWebExchange;

/**
 * The gateway's routes. Each terminal filter claims one URI scheme, as Spring Cloud Gateway's own
 * {@code forward:} and {@code lb:} do: {@code llm:} for calls that go to providers,
 * {@code catalog:} for what Tollgate answers itself (the model list), {@code count-tokens:} for
 * Anthropic's token counting, answered by Tollgate's tokenizer.
 */
public final class GatewayRoutes {

    public static final String LLM_SCHEME = "llm";
    public static final String CATALOG_SCHEME = "catalog";
    public static final String COUNT_TOKENS_SCHEME = "count-tokens";
    /** What Tollgate answers itself around the Responses API: stored responses and input token counts. */
    public static final String STORED_RESPONSES_SCHEME = "responses-store";

    private GatewayRoutes() {}

    public static RouteLocator routes(RouteLocatorBuilder builder) {
        return builder.routes()
                .route("openai-models", r -> r.path("/v1/models", "/v1/models/**").uri(CATALOG_SCHEME + "://models"))
                .route("anthropic-count-tokens", r -> r.path("/v1/messages/count_tokens").uri(COUNT_TOKENS_SCHEME + "://tokenizer"))
                .route("openai-llm", r -> r.path("/v1/chat/completions", "/v1/completions", "/v1/embeddings")
                        .uri(LLM_SCHEME + "://providers"))
                .route("anthropic-llm", r -> r.path("/v1/messages").uri(LLM_SCHEME + "://providers"))
                .route("openai-responses", r -> r.path("/v1/responses").uri(LLM_SCHEME + "://providers"))
                .route("openai-responses-stored", r -> r.path("/v1/responses/**").uri(STORED_RESPONSES_SCHEME + "://stored"))
                .build();
    }

    public static boolean isLlmRoute(ServerWebExchange exchange) {
        return hasScheme(exchange, LLM_SCHEME);
    }

    public static boolean isCatalogRoute(ServerWebExchange exchange) {
        return hasScheme(exchange, CATALOG_SCHEME);
    }

    public static boolean isStoredResponsesRoute(ServerWebExchange exchange) {
        return hasScheme(exchange, STORED_RESPONSES_SCHEME);
    }

    public static boolean isCountTokensRoute(ServerWebExchange exchange) {
        return hasScheme(exchange, COUNT_TOKENS_SCHEME);
    }

    private static boolean hasScheme(ServerWebExchange exchange, String scheme) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        return route != null && scheme.equals(route.getUri().getScheme());
    }
}
