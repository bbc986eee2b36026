package dev.tollgate.pipeline;

import dev.tollgate.api.GatewayException;
import dev.tollgate.api.RequestIdFilter;
import dev.tollgate.auth.VirtualKey;
import dev.tollgate.auth.VirtualKeyStore;
import dev.tollgate.routing.RoutingTable;
import dev.tollgate.support.KeyHash;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Step 2: who is calling. Accepts {@code Authorization: Bearer tg-...} (what the OpenAI SDKs send),
 * {@code x-api-key} (what the Anthropic SDKs and Claude Code send) or {@code api-key} (Azure-style
 * clients); the key is hashed at once and only the hash is looked up.
 */
public class AuthenticationFilter implements GlobalFilter, Ordered {

    private static final String[] KEY_HEADERS = {"x-api-key", "api-key"};

    private final RoutingTable routing;
    private final VirtualKeyStore storedKeys;

    /**
     * @param storedKeys keys made through the admin API; the config file's keys come from the
     *     routing snapshot, so a request's key and its routes always belong to one config
     */
    public AuthenticationFilter(RoutingTable routing, VirtualKeyStore storedKeys) {
        this.routing = routing;
        this.storedKeys = storedKeys;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        LlmExchange llm = LlmExchange.start(exchange, RequestIdFilter.of(exchange));
        String presented = presentedKey(exchange.getRequest().getHeaders());
        if (presented == null) {
            return Mono.error(GatewayException.unauthorized(
                    "You didn't provide an API key. Send your Tollgate key as 'Authorization: Bearer tg-...' or 'x-api-key: tg-...'."));
        }
        RoutingTable.Snapshot routes = routing.snapshot();
        llm.routes(routes);
        String hash = KeyHash.sha256(presented);
        // Config keys first: a name in the file cannot be shadowed through the admin API.
        VirtualKey fileKey = routes.fileKey(hash);
        return (fileKey != null ? Mono.just(fileKey) : storedKeys.findByHash(hash))
                .switchIfEmpty(Mono.error(() -> GatewayException.unauthorized(
                        "Incorrect API key provided: " + mask(presented) + ". Tollgate keys start with 'tg-'; ask your admin for one.")))
                .flatMap(key -> {
                    llm.authenticated(key);
                    return chain.filter(exchange);
                });
    }

    static String presentedKey(HttpHeaders headers) {
        String auth = headers.getFirst(HttpHeaders.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = auth.substring(7).trim();
            return token.isEmpty() ? null : token;
        }
        for (String header : KEY_HEADERS) {
            String apiKey = headers.getFirst(header);
            if (apiKey != null && !apiKey.isBlank()) {
                return apiKey.trim();
            }
        }
        return null;
    }

    /** Shows enough of a wrong key to recognise it, never enough to use it. */
    static String mask(String key) {
        if (key.length() <= 8) {
            return "****";
        }
        return key.substring(0, 5) + "****" + key.substring(key.length() - 4);
    }

    @Override
    public int getOrder() {
        return FilterOrder.AUTHENTICATE;
    }
}
