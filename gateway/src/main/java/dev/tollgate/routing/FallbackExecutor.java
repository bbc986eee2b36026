package dev.tollgate.routing;

import dev.tollgate.config.TollgateConfig;
import dev.tollgate.provider.UpstreamException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Runs one client call over an ordered plan of deployments. Per deployment: circuit breaker,
 * time limits, retries with exponential backoff and jitter that honour {@code retry-after}. A
 * retryable failure moves on to the next deployment as long as nothing has been emitted yet;
 * once the first element has gone downstream (towards the client) the call is committed to that
 * deployment and a later failure is passed on for the stream writer to report.
 */
public class FallbackExecutor {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FallbackExecutor.class);

    private final Consumer<DeploymentTarget> onFallback;

    public FallbackExecutor(Consumer<DeploymentTarget> onFallback) {
        this.onFallback = onFallback;
    }

    public <T> Flux<T> execute(List<DeploymentTarget> plan, Function<DeploymentTarget, Flux<T>> call,
            boolean stream, CallTrace trace) {
        return attempt(plan, 0, 1, call, stream, trace);
    }

    private <T> Flux<T> attempt(List<DeploymentTarget> plan, int index, int attemptNo,
            Function<DeploymentTarget, Flux<T>> call, boolean stream, CallTrace trace) {
        DeploymentTarget target = plan.get(index);
        AtomicBoolean emitted = new AtomicBoolean();
        long[] started = new long[1];
        return Flux.defer(() -> {
                    started[0] = System.nanoTime();
                    trace.attempt(target);
                    // A retry of the same deployment already waited for its retry-after.
                    long cooling = attemptNo == 1 ? target.cooldown().remainingMillis() : 0;
                    if (cooling > 0) {
                        return Flux.error(new UpstreamException(UpstreamException.Kind.UPSTREAM_LIMIT, 429,
                                target.id() + " is cooling down after a 429 for " + cooling + " ms more",
                                Duration.ofMillis(cooling), "rate_limit_exceeded", "cooling_down", null, null));
                    }
                    target.stats().started();
                    return guard(call.apply(target), target.timeouts(), stream).doFinally(s -> target.stats().ended());
                })
                .transformDeferred(CircuitBreakerOperator.of(target.circuitBreaker()))
                .doOnNext(item -> {
                    if (emitted.compareAndSet(false, true)) {
                        trace.served(target);
                        if (!stream) {
                            // The one item is the whole answer; the caller takes it and cancels, so no completion follows.
                            target.stats().record(System.nanoTime() - started[0], false);
                        }
                    }
                })
                .doOnComplete(() -> {
                    if (stream) {
                        target.stats().record(System.nanoTime() - started[0], false);
                    }
                })
                .onErrorResume(error -> {
                    UpstreamException failure = classify(error, target);
                    recordFailure(target, failure, started[0]);
                    if (failure.kind() == UpstreamException.Kind.HTTP_STATUS && failure.status() == 429) {
                        target.cooldown().coolFor(failure.retryAfter());
                    }
                    if (emitted.get()) {
                        return Flux.error(failure); // committed: bytes already went to the client
                    }
                    trace.failed(target, failure);
                    if (!failure.retryable()) {
                        return Flux.error(failure);
                    }
                    TollgateConfig.Retry retry = target.provider().retry();
                    Duration wait = retryDelay(failure, attemptNo, retry);
                    if (wait != null && attemptNo < retry.maxAttempts()) {
                        return attempt(plan, index, attemptNo + 1, call, stream, trace).delaySubscription(wait);
                    }
                    if (index + 1 < plan.size()) {
                        onFallback.accept(plan.get(index + 1));
                        return attempt(plan, index + 1, 1, call, stream, trace);
                    }
                    return Flux.error(failure);
                });
    }

    /**
     * A failed attempt in the deployment's recent stats. Not counted: calls that never reached the
     * provider (open circuit, cooling down, at its configured limit).
     */
    private static void recordFailure(DeploymentTarget target, UpstreamException failure, long startedNanos) {
        if (failure.kind() == UpstreamException.Kind.CIRCUIT_OPEN || failure.kind() == UpstreamException.Kind.UPSTREAM_LIMIT
                || startedNanos == 0) {
            return;
        }
        target.stats().record(System.nanoTime() - startedNanos, DeploymentStats.countsAsError(failure));
        target.stats().failed(failure.label());
    }

    /**
     * How long to wait before retrying the same deployment, or null to move on at once: an open
     * circuit or a timeout will not heal in milliseconds, and a {@code retry-after} longer than
     * allowed is better spent on another deployment.
     */
    static Duration retryDelay(UpstreamException failure, int attemptNo, TollgateConfig.Retry retry) {
        switch (failure.kind()) {
            case CIRCUIT_OPEN, FIRST_BYTE_TIMEOUT, IDLE_TIMEOUT, TOTAL_TIMEOUT, CONNECT_TIMEOUT, UPSTREAM_LIMIT -> {
                return null;
            }
            default -> { }
        }
        if (failure.retryAfter() != null) {
            return failure.retryAfter().compareTo(retry.maxRetryAfter()) <= 0 ? failure.retryAfter() : null;
        }
        long base = retry.initialBackoff().toMillis() << Math.min(attemptNo - 1, 20);
        long capped = Math.min(base, retry.maxBackoff().toMillis());
        // "Equal jitter": half fixed, half random, so retries from many clients do not align.
        long jittered = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
        return Duration.ofMillis(jittered);
    }

    /**
     * Time limits of one attempt. Streams: the first element within {@code first-byte}, each next
     * within {@code idle}, all within {@code total}. Complete answers: within {@code total}.
     */
    static <T> Flux<T> guard(Flux<T> source, TollgateConfig.Timeouts t, boolean stream) {
        long start = System.nanoTime();
        long deadline = start + t.total().toNanos();
        if (!stream) {
            return source.timeout(t.total()).onErrorMap(TimeoutException.class,
                    e -> UpstreamException.of(UpstreamException.Kind.TOTAL_TIMEOUT,
                            "no complete answer within " + t.total().toMillis() + " ms", null));
        }
        AtomicBoolean first = new AtomicBoolean();
        Duration firstWait = t.firstByte().compareTo(t.total()) < 0 ? t.firstByte() : t.total();
        return source
                .doOnNext(x -> first.set(true))
                .timeout(Mono.delay(firstWait), x -> Mono.delay(Duration.ofNanos(
                        Math.max(0, Math.min(t.idle().toNanos(), deadline - System.nanoTime())))))
                .onErrorMap(TimeoutException.class, e -> {
                    if (System.nanoTime() >= deadline) {
                        return UpstreamException.of(UpstreamException.Kind.TOTAL_TIMEOUT,
                                "stream not finished within " + t.total().toMillis() + " ms", null);
                    }
                    return first.get()
                            ? UpstreamException.of(UpstreamException.Kind.IDLE_TIMEOUT,
                                    "no stream data for " + t.idle().toMillis() + " ms", null)
                            : UpstreamException.of(UpstreamException.Kind.FIRST_BYTE_TIMEOUT,
                                    "no first token within " + firstWait.toMillis() + " ms", null);
                });
    }

    private static UpstreamException classify(Throwable error, DeploymentTarget target) {
        if (error instanceof UpstreamException u) {
            return u;
        }
        if (error instanceof CallNotPermittedException) {
            return UpstreamException.of(UpstreamException.Kind.CIRCUIT_OPEN,
                    "circuit breaker of " + target.id() + " is open after repeated failures", error);
        }
        // Not a provider failure but a bug on our side: keep the stack trace.
        log.error("Unexpected failure calling {}", target.id(), error);
        return UpstreamException.of(UpstreamException.Kind.PROTOCOL,
                "unexpected failure calling " + target.id() + ": " + error, error);
    }
}
