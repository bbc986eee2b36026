package dev.tollgate.edge;

import io.netty.handler.timeout.ReadTimeoutException;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Counts requests whose body arrived too slowly (Reactor Netty's read timeouts,
 * {@code tollgate.server.body-*-timeout}) as dropped connections; the error itself goes on to
 * the error handler, which answers 408.
 */
final class SlowBodyCounter implements WebFilter, Ordered {

    private final EdgeStats stats;

    SlowBodyCounter(EdgeStats stats) {
        this.stats = stats;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        return chain.filter(exchange).doOnError(ReadTimeoutException.class,
                e -> stats.dropped("body_timeout", exchange.getRequest().getRemoteAddress()));
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
