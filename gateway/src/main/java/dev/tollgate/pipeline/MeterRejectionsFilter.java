package dev.tollgate.pipeline;

import dev.tollgate.api.GatewayException;
import dev.tollgate.metrics.GatewayMetrics;
import dev.tollgate.routing.CallTrace;
import dev.tollgate.usage.UsageSink;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * Every authenticated call gets its usage event, also when a later step rejects it (invalid body,
 * unknown or forbidden model, too large): a team's error waste shows up in the same table as its
 * spend. Calls that reach a provider are metered by the call filter; this one only catches the
 * rest.
 */
public class MeterRejectionsFilter implements GlobalFilter, Ordered {

    private final UsageSink usage;
    private final GatewayMetrics metrics;

    public MeterRejectionsFilter(UsageSink usage, GatewayMetrics metrics) {
        this.usage = usage;
        this.metrics = metrics;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (!GatewayRoutes.isLlmRoute(exchange)) {
            return chain.filter(exchange);
        }
        return chain.filter(exchange).doOnError(error -> {
            CallRecorder recorder = new CallRecorder(LlmExchange.of(exchange), new CallTrace(), usage, metrics);
            recorder.failed(error instanceof GatewayException ge ? ge
                    : new GatewayException(HttpStatus.INTERNAL_SERVER_ERROR, "server_error", "internal_error", null, error.toString()));
            recorder.finish(SignalType.ON_ERROR);
        });
    }

    @Override
    public int getOrder() {
        return FilterOrder.METER_REJECTIONS;
    }
}
