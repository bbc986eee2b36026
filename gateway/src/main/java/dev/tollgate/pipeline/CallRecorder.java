package dev.tollgate.pipeline;

import dev.tollgate.api.GatewayException;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.auth.VirtualKey;
import dev.tollgate.metrics.GatewayMetrics;
import dev.tollgate.provider.StreamChunk;
import dev.tollgate.provider.TokenUsage;
import dev.tollgate.routing.CallTrace;
import dev.tollgate.routing.DeploymentTarget;
import dev.tollgate.support.TokenCounter;
import dev.tollgate.usage.CostCalculator;
import dev.tollgate.usage.RequestHash;
import dev.tollgate.usage.UsageEvent;
import dev.tollgate.usage.UsageSink;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.SignalType;

/**
 * Meters one client call while it runs and emits exactly one usage event when it ends, however it
 * ends: completed, failed, or cancelled by a client that went away. A cancelled stream is billed
 * with the provider's usage if it arrived, else with a tokenizer estimate of what was generated.
 */
final class CallRecorder {

    /** nginx's convention for "client closed the connection before the answer was complete". */
    static final int CLIENT_CLOSED = 499;

    private final LlmExchange llm;
    private final CallTrace trace;
    private final UsageSink sink;
    private final GatewayMetrics metrics;
    private volatile long firstChunkNanos;
    private volatile TokenUsage usage;
    private volatile GatewayException failure;
    private volatile boolean cancelled;
    private StringBuilder streamedText;

    CallRecorder(LlmExchange llm, CallTrace trace, UsageSink sink, GatewayMetrics metrics) {
        this.llm = llm;
        this.trace = trace;
        this.sink = sink;
        this.metrics = metrics;
    }

    void usage(TokenUsage usage) {
        this.usage = usage;
    }

    void chunk(StreamChunk chunk) {
        if (firstChunkNanos == 0) {
            firstChunkNanos = System.nanoTime();
        }
        if (chunk.usage() != null) {
            usage = chunk.usage();
        }
        if (chunk.text() != null && usage == null) {
            if (streamedText == null) {
                streamedText = new StringBuilder();
            }
            streamedText.append(chunk.text());
        }
    }

    boolean committed() {
        return firstChunkNanos != 0;
    }

    /** The client went away; the response write completes quietly, so this is the only signal. */
    void cancelled() {
        cancelled = true;
    }

    boolean isCancelled() {
        return cancelled;
    }

    void failed(GatewayException e) {
        this.failure = e;
    }

    /**
     * The same tokens on the alias's baseline model: what routing saved is baseline minus cost.
     * Equal to the cost when the call was served by the baseline itself (or cost nothing).
     */
    private static BigDecimal baselineCost(LlmExchange.AliasRoute route, TokenUsage billed, BigDecimal cost,
            LlmExchange.CacheOutcome cached) {
        if (cached != null && cached.hit() || route.model().equals(route.baselineModel())) {
            return cost;
        }
        return route.baselinePrice() == null ? null : CostCalculator.cost(route.baselinePrice(), billed);
    }

    void finish(SignalType signal) {
        if (!llm.claimMetering()) {
            return;
        }
        LlmRequest request = llm.request(); // null when the request was rejected before parsing
        long end = System.nanoTime();
        int status;
        String errorCode = null;
        if (failure != null) {
            status = failure.status().value();
            errorCode = failure.code() != null ? failure.code() : failure.type();
        } else if (signal == SignalType.CANCEL || cancelled) {
            status = CLIENT_CLOSED;
            errorCode = "client_closed";
        } else {
            status = 200;
        }
        DeploymentTarget target = trace.deployment();
        TokenUsage billed = usage;
        if (billed == null && trace.answered() && request != null) {
            // The provider did serve (part of) an answer but no usage arrived: estimate it.
            billed = new TokenUsage(TokenCounter.countInput(request.json()),
                    streamedText == null ? 0 : TokenCounter.count(streamedText.toString()), 0, true);
        }
        if (billed == null) {
            billed = TokenUsage.NONE;
        }
        BigDecimal cost = target == null ? null : CostCalculator.cost(target.price(), billed);
        LlmExchange.CacheOutcome cached = llm.cacheOutcome();
        if (cached != null && cached.hit()) {
            cost = BigDecimal.ZERO;
        }
        if (billed == TokenUsage.NONE && cost == null && target != null && target.price() != null) {
            cost = BigDecimal.ZERO;
        }
        // Served by a deployment nobody priced: allowed, the cost NULL and flagged as unknown.
        boolean costUnknown = cost == null && target != null && target.price() == null;
        if (costUnknown) {
            UnpricedModels.warnOnce(target);
        }
        boolean stream = request != null && request.stream();
        Integer ttftMs = firstChunkNanos == 0 || !stream ? null
                : (int) Duration.ofNanos(firstChunkNanos - llm.startNanos()).toMillis();
        VirtualKey key = llm.key();
        Map<String, String> metadata = llm.tags();
        if (!key.metadata().isEmpty()) {
            metadata = new HashMap<>(key.metadata());
            metadata.putAll(llm.tags());
        }
        Duration latency = Duration.ofNanos(end - llm.startNanos());
        LlmExchange.AliasRoute route = llm.aliasRoute();
        UsageEvent.Route routed = route == null ? null : new UsageEvent.Route(route.tier(), route.stage(), route.reason(),
                route.complexity(), baselineCost(route, billed, cost, cached));
        UsageEvent event = new UsageEvent(
                UsageEvent.newId(), llm.requestId(), Instant.ofEpochMilli(llm.startEpochMillis()),
                key.name(), key.team(), key.project(), llm.endUser() != null ? llm.endUser() : key.user(), llm.feature(),
                llm.operation(), llm.experiment() != null ? llm.experiment().requestedModel()
                        : route != null ? route.alias() : request != null ? request.model() : null,
                target == null ? null : target.model(),
                target == null ? null : target.provider().name(),
                target == null ? null : target.id(),
                stream, billed.inputTokens(), billed.outputTokens(), billed.cachedInputTokens(), billed.cacheWriteInputTokens(),
                billed.estimated(), cost, costUnknown, target == null || target.price() == null ? null : target.price().version(),
                (int) latency.toMillis(), ttftMs, status, errorCode, trace.path(), trace.attempts(),
                cached == null ? null : cached.outcome(), cached == null ? null : cached.costSaved(), llm.api(),
                llm.experiment() == null ? null : llm.experiment().name(), llm.experiment() == null ? null : llm.experiment().variant(),
                metadata, routed, request == null ? null : RequestHash.of(request.body().bytes()));
        sink.record(event);
        for (Consumer<UsageEvent> hook : llm.finishHooks()) {
            try {
                hook.accept(event);
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(CallRecorder.class).error("Finish hook failed for request {}", llm.requestId(), e);
            }
        }

        // A model name the client made up must not become a metric series: one per call would
        // let any key grow the registry without bound.
        String modelTag = request == null ? null
                : failure != null && "model_not_found".equals(failure.code()) ? "unknown" : request.model();
        GatewayMetrics.CallTags tags = GatewayMetrics.tags(llm.operation(), modelTag,
                target == null ? (cached != null && cached.hit() ? "cache" : null) : target.provider().name());
        metrics.call(tags, status, errorCode, latency);
        if (ttftMs != null) {
            metrics.timeToFirstToken(tags, Duration.ofNanos(firstChunkNanos - llm.startNanos()));
        }
        metrics.tokens(tags, "input", billed.plainInputTokens());
        metrics.tokens(tags, "cached_input", billed.cachedInputTokens());
        metrics.tokens(tags, "cache_write", billed.cacheWriteInputTokens());
        metrics.tokens(tags, "output", billed.outputTokens());
        if (target != null) {
            metrics.cost(tags, key.team(), cost);
        }
        if (cached != null && cached.hit()) {
            metrics.cacheSaved(tags, key.team(), cached.costSaved());
        }
    }
}
