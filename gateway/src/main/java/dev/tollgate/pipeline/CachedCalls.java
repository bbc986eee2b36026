package dev.tollgate.pipeline;

import dev.tollgate.metrics.GatewayMetrics;
import dev.tollgate.routing.CallTrace;
import dev.tollgate.usage.UsageSink;
import reactor.core.publisher.SignalType;

/**
 * Meters a call the cache answered: one usage event like every other call's, with no provider,
 * cost 0 and the cache outcome set on the exchange beforehand.
 */
public final class CachedCalls {

    private CachedCalls() {}

    public static void meter(LlmExchange llm, SignalType signal, UsageSink usage, GatewayMetrics metrics) {
        new CallRecorder(llm, new CallTrace(), usage, metrics).finish(signal);
    }
}
