package dev.tollgate.api;

import java.util.concurrent.ThreadLocalRandom;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * First thing on every request (also 404s and errors): accept the client's {@code x-request-id}
 * when it is sane, otherwise generate one, and echo it on the response so a client, the access
 * log, the upstream call and the usage event can be tied together.
 */
public class RequestIdFilter implements WebFilter, Ordered {

    public static final String HEADER = "x-request-id";
    public static final String ATTRIBUTE = RequestIdFilter.class.getName() + ".id";
    private static final int MAX_LENGTH = 128;

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String id = accept(exchange.getRequest().getHeaders().getFirst(HEADER));
        exchange.getAttributes().put(ATTRIBUTE, id);
        exchange.getResponse().getHeaders().set(HEADER, id);
        return chain.filter(exchange);
    }

    public static String of(ServerWebExchange exchange) {
        return exchange.getAttribute(ATTRIBUTE);
    }

    static String accept(String candidate) {
        if (candidate == null || candidate.isEmpty() || candidate.length() > MAX_LENGTH) {
            return generate();
        }
        for (int i = 0; i < candidate.length(); i++) {
            char c = candidate.charAt(i);
            // Header injection and log forging: only visible ASCII is echoed back.
            if (c < 0x21 || c > 0x7e) {
                return generate();
            }
        }
        return candidate;
    }

    static String generate() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "req_" + Long.toHexString(r.nextLong() | Long.MIN_VALUE) + Long.toHexString(r.nextLong() | Long.MIN_VALUE);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
