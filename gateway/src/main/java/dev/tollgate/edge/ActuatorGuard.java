package dev.tollgate.edge;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The management endpoints on the API port. Anyone may ask {@code /actuator/health} (and its
 * liveness and readiness groups) for the bare status a load balancer needs; the details
 * ({@code /actuator/health/details}: disk paths, database errors),
 * {@code /actuator/prometheus} (team, budget and deployment names) and the rest need the
 * management token as a bearer token. With no token configured they stay closed on this port.
 * A separate management port ({@code management.server.port}) is the operator's own network and
 * is not guarded here.
 */
public final class ActuatorGuard implements WebFilter, Ordered {

    public static final String PREFIX = "/actuator";

    private final byte[] token;
    private final Integer managementPort;

    public ActuatorGuard(String token, Integer managementPort) {
        this.token = token == null || token.isBlank() ? null : token.getBytes(StandardCharsets.UTF_8);
        this.managementPort = managementPort;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        if (!path.equals(PREFIX) && !path.startsWith(PREFIX + "/")) {
            return chain.filter(exchange);
        }
        InetSocketAddress local = exchange.getRequest().getLocalAddress();
        if (managementPort != null && local != null && local.getPort() == managementPort) {
            return chain.filter(exchange);
        }
        if (authorized(exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION))) {
            return chain.filter(exchange);
        }
        if (path.equals(PREFIX + "/health") || path.equals(PREFIX + "/health/liveness") || path.equals(PREFIX + "/health/readiness")) {
            return chain.filter(exchange); // status only; the details are the "details" group
        }
        return refuse(exchange.getResponse(), path);
    }

    private boolean authorized(String header) {
        if (token == null || header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(token, header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }

    private Mono<Void> refuse(ServerHttpResponse response, String path) {
        response.setStatusCode(HttpStatus.UNAUTHORIZED);
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        String message = token == null
                ? path + " is closed on the API port: set TOLLGATE_MANAGEMENT_TOKEN and send it as a bearer token,"
                        + " or serve management endpoints on their own port (management.server.port)."
                : path + " needs the management token: send 'Authorization: Bearer <TOLLGATE_MANAGEMENT_TOKEN>'.";
        byte[] body = ("{\"error\":{\"message\":\"" + message + "\",\"type\":\"authentication_error\",\"param\":null,"
                + "\"code\":\"management_token_required\"}}").getBytes(StandardCharsets.UTF_8);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 10;
    }
}
