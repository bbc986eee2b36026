package dev.tollgate.health;

import dev.tollgate.api.Endpoint;
import dev.tollgate.api.JsonBody;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.config.ConfigListener;
import dev.tollgate.config.ProviderType;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.provider.ProviderAdapter;
import dev.tollgate.provider.ProviderRequest;
import dev.tollgate.provider.UpstreamException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Active health checks, for providers whose config has a {@code health-check} (off by default).
 * Every {@code interval} a probe is sent: with a {@code model}, a one-token chat to it through
 * the provider's own adapter (so it works for every provider type); without, {@code GET
 * {base-url}/models}, which OpenAI-compatible and Anthropic APIs answer without generating
 * anything. Probes run on a Reactor timer and non-blocking I/O, never on a request's event loop
 * turn, and one probe of a provider finishes (or times out) before the next starts.
 *
 * <p>A failing probe does not open the provider's circuit breakers: the breaker judges real
 * traffic, and one synthetic request every 30 s is weak evidence against it ({@code /models} can
 * be missing behind a proxy while chat works, and a probe model can be down while others serve).
 * A failing probe marks the provider's deployments {@code degraded} in the health view and the
 * {@code tollgate.deployment.health} gauge, for humans and alerts to act on.
 */
public class ProviderProbes implements ConfigListener, AutoCloseable {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ProviderProbes.class);

    /** The last result of a provider's probe; {@code pending} until the first one finished. */
    public record Status(String state, Instant checkedAt, Long latencyMillis, String error, Instant lastSuccessAt,
            int consecutiveFailures) {
        static final Status PENDING = new Status("pending", null, null, null, null, 0);

        public boolean down() {
            return "down".equals(state);
        }
    }

    private final Function<TollgateConfig.Provider, ProviderAdapter> adapters;
    private final HttpClient http;
    private final Scheduler timer;
    private final Map<String, Status> statuses = new ConcurrentHashMap<>();
    private Map<String, Disposable> running = Map.of();

    public ProviderProbes(Function<TollgateConfig.Provider, ProviderAdapter> adapters, ConnectionProvider connections) {
        this(adapters, HttpClient.create(connections), Schedulers.parallel());
    }

    ProviderProbes(Function<TollgateConfig.Provider, ProviderAdapter> adapters, HttpClient http, Scheduler timer) {
        this.adapters = adapters;
        this.http = http;
        this.timer = timer;
    }

    /** The provider's probe status, or null when it has no health check. */
    public Status status(String provider) {
        return statuses.get(provider);
    }

    @Override
    public Runnable prepare(TollgateConfig config) {
        Map<String, TollgateConfig.Provider> probed = new HashMap<>();
        config.providers().forEach((name, p) -> {
            if (p.healthCheck() != null) {
                probed.put(name, p);
            }
        });
        return () -> restart(probed);
    }

    private synchronized void restart(Map<String, TollgateConfig.Provider> probed) {
        running.values().forEach(Disposable::dispose);
        statuses.keySet().retainAll(probed.keySet());
        Map<String, Disposable> next = new HashMap<>();
        probed.forEach((name, p) -> {
            statuses.putIfAbsent(name, Status.PENDING);
            Mono<Void> probe = probe(p, adapters.apply(p));
            next.put(name, Flux.interval(Duration.ZERO, p.healthCheck().interval(), timer)
                    .onBackpressureDrop()
                    .concatMap(tick -> probe, 0)
                    .subscribe(null, e -> log.error("Health check of provider {} stopped", name, e)));
        });
        running = next;
    }

    /** One probe; never fails, its outcome goes into the provider's status. */
    Mono<Void> probe(TollgateConfig.Provider p, ProviderAdapter adapter) {
        TollgateConfig.HealthCheck hc = p.healthCheck();
        return Mono.defer(() -> {
            long start = System.nanoTime();
            Mono<?> call = hc.model() != null || p.type().protocol() == ProviderType.Protocol.SIMULATED
                    ? oneTokenChat(p, adapter, hc.model() != null ? hc.model() : "health-check")
                    : listModels(p);
            return call.then(Mono.just(true))
                    .timeout(hc.timeout())
                    .map(ok -> record(p.name(), start, null))
                    .onErrorResume(e -> Mono.just(record(p.name(), start, describe(e, hc.timeout()))))
                    .then();
        });
    }

    private Status record(String provider, long startNanos, String error) {
        long millis = Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
        Instant now = Instant.now();
        return statuses.compute(provider, (name, prev) -> {
            Status before = prev != null ? prev : Status.PENDING;
            if (error == null) {
                return new Status("up", now, millis, null, now, 0);
            }
            if (!before.down()) {
                log.warn("Health check of provider {} failed: {}", provider, error);
            }
            return new Status("down", now, millis, error, before.lastSuccessAt(), before.consecutiveFailures() + 1);
        });
    }

    private static String describe(Throwable e, Duration timeout) {
        if (e instanceof TimeoutException) {
            return "no answer within " + timeout.toMillis() + " ms";
        }
        if (e instanceof UpstreamException u) {
            return u.label() + ": " + u.getMessage();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static Mono<?> oneTokenChat(TollgateConfig.Provider p, ProviderAdapter adapter, String model) {
        String body = "{\"model\":" + JsonBody.quote(model)
                + ",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}";
        LlmRequest request = new LlmRequest(Endpoint.CHAT_COMPLETIONS, JsonBody.parse(body.getBytes(StandardCharsets.UTF_8)),
                model, false, false, 1, 1, null);
        return adapter.call(new ProviderRequest(request, model, "health-check-" + p.name(), p.timeouts().connect()));
    }

    private Mono<Integer> listModels(TollgateConfig.Provider p) {
        return http.responseTimeout(p.healthCheck().timeout())
                .headers(h -> {
                    p.headers().forEach(h::set);
                    if (p.apiKey() != null) {
                        if (p.type().protocol() == ProviderType.Protocol.ANTHROPIC) {
                            h.set("x-api-key", p.apiKey());
                            h.set("anthropic-version", "2023-06-01");
                        } else {
                            h.set("authorization", "Bearer " + p.apiKey());
                        }
                    }
                })
                .get()
                .uri(p.baseUrl() + "/models")
                .responseSingle((response, content) -> content.asString().defaultIfEmpty("").map(text -> {
                    int code = response.status().code();
                    if (code / 100 != 2) {
                        throw new IllegalStateException("GET /models answered HTTP " + code);
                    }
                    return code;
                }));
    }

    @Override
    public synchronized void close() {
        running.values().forEach(Disposable::dispose);
        running = Map.of();
    }
}
