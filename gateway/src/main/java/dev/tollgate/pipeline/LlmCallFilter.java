package dev.tollgate.pipeline;

import dev.tollgate.api.GatewayException;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.frontdoor.FrontDoor;
import dev.tollgate.metrics.GatewayMetrics;
import dev.tollgate.provider.ProviderRequest;
import dev.tollgate.provider.ProviderResponse;
import dev.tollgate.provider.StreamChunk;
import dev.tollgate.routing.CallTrace;
import dev.tollgate.routing.DeploymentAdmission;
import dev.tollgate.routing.DeploymentTarget;
import dev.tollgate.routing.FallbackExecutor;
import dev.tollgate.routing.ModelRoute;
import dev.tollgate.routing.RequestNeeds;
import dev.tollgate.routing.RoutingTable;
import dev.tollgate.routing.UpstreamErrors;
import dev.tollgate.usage.UsageSink;
import java.util.List;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.netty.Connection;

/**
 * Terminal filter for {@code llm:}: calls the providers along the routing plan and writes the
 * answer. Complete answers are written as the provider sent them; streams are forwarded chunk by
 * chunk with a flush per event. A stream that fails before its first chunk reached the client is
 * still an ordinary HTTP error (and may fall back); after that it ends with an SSE error event
 * that the client's SDK raises, never with a silent clean end. Bodies, chunks and that error
 * event are written by the exchange's {@link FrontDoor}, in the API the client called.
 */
public class LlmCallFilter implements GlobalFilter, Ordered {

    public static final String DEPLOYMENT_HEADER = "x-tollgate-deployment";
    public static final String FALLBACKS_HEADER = "x-tollgate-fallbacks";

    private final RoutingTable routing;
    private final FallbackExecutor executor;
    private final UsageSink usage;
    private final GatewayMetrics metrics;
    private final DeploymentAdmission admission;

    public LlmCallFilter(RoutingTable routing, FallbackExecutor executor, UsageSink usage, GatewayMetrics metrics,
            DeploymentAdmission admission) {
        this.routing = routing;
        this.executor = executor;
        this.usage = usage;
        this.metrics = metrics;
        this.admission = admission;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (!GatewayRoutes.isLlmRoute(exchange)) {
            return chain.filter(exchange);
        }
        ServerWebExchangeUtils.setAlreadyRouted(exchange);
        LlmExchange llm = LlmExchange.of(exchange);
        LlmRequest request = llm.request();
        RoutingTable.Plan routed = routing.plan(llm.routes(), llm.route(), RequestNeeds.of(request, llm::inputTokenEstimate),
                llm.experiment() == null ? null : llm.experiment().strategy());
        List<DeploymentTarget> plan = routed.targets();
        CallTrace trace = new CallTrace();
        for (RoutingTable.Skip skip : routed.skipped()) {
            trace.skipped(skip.target(), skip.missing());
            metrics.deploymentSkipped(skip.missing().id());
        }
        CallRecorder recorder = new CallRecorder(llm, trace, usage, metrics);
        Mono<Void> call = plan.isEmpty()
                ? Mono.error(fail(UpstreamErrors.incapable(request.model(), routed.skipped()), trace, request, recorder))
                : request.stream() ? stream(exchange, llm, plan, trace, recorder) : complete(exchange, llm, plan, trace, recorder);
        return call
                // Nobody is left to tell about a failure once the client went away (e.g. the write
                // to its closed connection); the call is metered as 499.
                .onErrorResume(e -> recorder.isCancelled() ? Mono.empty() : Mono.error(e))
                // Metered before the error travels on, so the event keeps this call's trace.
                .doOnError(e -> recorder.finish(SignalType.ON_ERROR))
                .doFinally(recorder::finish);
    }

    private Mono<Void> complete(ServerWebExchange exchange, LlmExchange llm, List<DeploymentTarget> plan,
            CallTrace trace, CallRecorder recorder) {
        LlmRequest request = llm.request();
        ServerHttpResponse response = exchange.getResponse();
        return executor.execute(plan, t -> admitted(llm, t).flatMapMany(a -> t.adapter().call(providerRequest(llm, t))), false, trace)
                .takeUntilOther(clientGone(exchange, recorder))
                .next()
                .onErrorMap(e -> fail(e, trace, request, recorder))
                .flatMap(answer -> {
                    recorder.usage(answer.usage());
                    LlmExchange.AnswerTap tap = llm.answerTap();
                    if (tap != null) {
                        tap.completion(answer.body());
                    }
                    byte[] body;
                    try {
                        body = llm.frontDoor().completion(answer.body(), answer.usage());
                    } catch (GatewayException unreadable) {
                        recorder.failed(unreadable);
                        return Mono.error(unreadable);
                    }
                    HttpHeaders headers = response.getHeaders();
                    headers.setContentType(MediaType.APPLICATION_JSON);
                    headers.setContentLength(body.length);
                    routingHeaders(headers, trace);
                    return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
                });
    }

    private Mono<Void> stream(ServerWebExchange exchange, LlmExchange llm, List<DeploymentTarget> plan,
            CallTrace trace, CallRecorder recorder) {
        LlmRequest request = llm.request();
        ServerHttpResponse response = exchange.getResponse();
        DataBufferFactory buffers = response.bufferFactory();
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(MediaType.TEXT_EVENT_STREAM);
        headers.setCacheControl("no-cache");
        headers.set("x-accel-buffering", "no"); // tell proxies in front of us not to buffer either
        FrontDoor.StreamWriter writer = llm.frontDoor().streamWriter(request, llm::inputTokenEstimate);
        Flux<Flux<DataBuffer>> frames = executor
                .execute(plan, t -> admitted(llm, t).flatMapMany(a -> t.adapter().stream(providerRequest(llm, t))), true, trace)
                .takeUntilOther(clientGone(exchange, recorder))
                .doOnNext(chunk -> {
                    if (!recorder.committed()) {
                        routingHeaders(headers, trace);
                    }
                    recorder.chunk(chunk);
                    LlmExchange.AnswerTap tap = llm.answerTap();
                    if (tap != null) {
                        tap.chunk(chunk);
                    }
                })
                .map(chunk -> wrap(buffers, writer.frames(chunk)))
                .concatWith(Flux.defer(() -> {
                    List<byte[]> owed = writer.end();
                    return owed.isEmpty() ? Flux.empty() : Flux.just(wrap(buffers, owed));
                }))
                .onErrorResume(e -> {
                    if (!recorder.committed()) {
                        return Flux.error(fail(e, trace, request, recorder));
                    }
                    GatewayException error = UpstreamErrors.midStream(e, trace);
                    recorder.failed(error);
                    return Flux.just(Flux.just(buffers.wrap(writer.error(error))));
                })
                .doOnCancel(recorder::cancelled);
        return response.writeAndFlushWith(frames);
    }

    private static Flux<DataBuffer> wrap(DataBufferFactory buffers, List<byte[]> frames) {
        return switch (frames.size()) {
            case 0 -> Flux.empty();
            case 1 -> Flux.just(buffers.wrap(frames.get(0)));
            default -> Flux.fromIterable(frames).map(buffers::wrap);
        };
    }

    /**
     * Completes when the client's connection closes. A client that leaves before the first byte of
     * the answer would otherwise not cancel anything: nothing is being written yet, so the upstream
     * call would run on (into its timeouts, counted against a healthy provider's circuit breaker).
     */
    private static Mono<Void> clientGone(ServerWebExchange exchange, CallRecorder recorder) {
        Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
        if (nativeRequest instanceof Connection connection) {
            return connection.onDispose().doOnTerminate(recorder::cancelled);
        }
        return Mono.never();
    }

    /** Admission under the deployment's provider limits; released with what the call used once it ends. */
    private Mono<DeploymentAdmission.Admitted> admitted(LlmExchange llm, DeploymentTarget target) {
        String attemptId = llm.requestId() + ":" + target.id() + ":" + Long.toHexString(System.nanoTime());
        return admission.admit(target, attemptId, () -> llm.inputTokenEstimate() + (long) outputLimit(llm, target) * llm.request().choices())
                .doOnNext(admitted -> {
                    if (admitted != DeploymentAdmission.NOTHING) {
                        llm.onFinish(event -> admitted.release(target.id().equals(event.deployment())
                                ? event.inputTokens() + event.outputTokens() : 0));
                    }
                });
    }

    private int outputLimit(LlmExchange llm, DeploymentTarget target) {
        Integer max = llm.request().maxOutputTokens();
        ModelRoute route = llm.routes().route(target.model());
        return max != null ? max : route != null ? route.model().maxOutputTokens() : 0;
    }

    private static GatewayException fail(Throwable e, CallTrace trace, LlmRequest request, CallRecorder recorder) {
        GatewayException error = UpstreamErrors.toClient(e, trace, request.model());
        recorder.failed(error);
        return error;
    }

    private static ProviderRequest providerRequest(LlmExchange llm, DeploymentTarget target) {
        return new ProviderRequest(llm.request(), target.deployment().model(), llm.requestId(), target.timeouts().connect());
    }

    private static void routingHeaders(HttpHeaders headers, CallTrace trace) {
        DeploymentTarget served = trace.deployment();
        if (served != null) {
            headers.set(DEPLOYMENT_HEADER, served.id());
        }
        if (trace.fallbacks() > 0) {
            headers.set(FALLBACKS_HEADER, Integer.toString(trace.fallbacks()));
        }
    }

    @Override
    public int getOrder() {
        return FilterOrder.TERMINAL;
    }
}
