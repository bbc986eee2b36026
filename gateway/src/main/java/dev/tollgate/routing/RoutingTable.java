package dev.tollgate.routing;

import dev.tollgate.auth.VirtualKey;
import dev.tollgate.config.ConfigListener;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.provider.ProviderAdapter;
import dev.tollgate.provider.UpstreamException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * The compiled routing state: model name → route. Rebuilt on every config reload and swapped
 * whole. Circuit breakers outlive reloads (a provider that was failing a second ago still is),
 * unless the breaker settings of its provider changed.
 */
public class RoutingTable implements ConfigListener {

    private final Function<TollgateConfig.Provider, ProviderAdapter> adapters;
    private final CircuitBreakerRegistry breakers;
    private final Map<String, TollgateConfig.CircuitBreaker> breakerSettings = new ConcurrentHashMap<>();
    private final Map<String, Cooldown> cooldowns = new ConcurrentHashMap<>();
    private final Map<String, DeploymentStats> stats = new ConcurrentHashMap<>();
    private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of());

    /**
     * Everything the request path derives from one config: the routes and the file's virtual keys,
     * swapped together in one write. A request takes the snapshot once, when it is authenticated,
     * and resolves its key, its model and every fallback in it, so a reload in the middle of a
     * call can never pair a new route with an old key (or drop a fallback model between the
     * budget's reservation and the call).
     */
    public record Snapshot(Map<String, ModelRoute> routes, Map<String, VirtualKey> fileKeys) {
        public ModelRoute route(String model) {
            return routes.get(model);
        }

        /** A key defined in the config file, by the SHA-256 of its secret; null when the file has none. */
        public VirtualKey fileKey(String keyHash) {
            return fileKeys.get(keyHash);
        }
    }

    public RoutingTable(Function<TollgateConfig.Provider, ProviderAdapter> adapters, CircuitBreakerRegistry breakers) {
        this.adapters = adapters;
        this.breakers = breakers;
    }

    /** The live snapshot; a request keeps the one it started with ({@code LlmExchange#routes()}). */
    public Snapshot snapshot() {
        return snapshot;
    }

    /** The route of a model in the live snapshot, for callers outside a request (catalog, health). */
    public ModelRoute route(String model) {
        return snapshot.route(model);
    }

    public Map<String, ModelRoute> routes() {
        return snapshot.routes();
    }

    @Override
    public Runnable prepare(TollgateConfig config) {
        Map<String, ProviderAdapter> byProvider = new HashMap<>();
        config.providers().forEach((name, p) -> byProvider.put(name, adapters.apply(p)));
        Map<String, ModelRoute> next = new LinkedHashMap<>();
        List<Runnable> breakerUpdates = new ArrayList<>();
        List<String> registeredHere = new ArrayList<>();
        for (TollgateConfig.Model m : config.models().values()) {
            List<DeploymentTarget> targets = new ArrayList<>();
            for (TollgateConfig.Deployment d : m.deployments()) {
                TollgateConfig.Provider p = config.providers().get(d.provider());
                if (breakers.find(d.id()).isEmpty()) {
                    registeredHere.add(d.id());
                }
                CircuitBreaker cb = breaker(d.id(), p.circuitBreaker(), breakerUpdates);
                targets.add(new DeploymentTarget(m.name(), d, p, byProvider.get(d.provider()), cb,
                        d.timeouts() != null ? d.timeouts() : p.timeouts(), d.price(),
                        cooldowns.computeIfAbsent(d.id(), id -> new Cooldown()),
                        stats.computeIfAbsent(d.id(), id -> new DeploymentStats())));
            }
            next.put(m.name(), new ModelRoute(m, List.copyOf(targets), m.fallbacks()));
        }
        Map<String, VirtualKey> keys = new HashMap<>();
        for (TollgateConfig.Key k : config.keys()) {
            keys.put(k.keyHash(), VirtualKey.of(k));
        }
        Snapshot prepared = new Snapshot(java.util.Collections.unmodifiableMap(next), Map.copyOf(keys));
        return new ConfigListener.Commit() {
            @Override
            public void run() {
                breakerUpdates.forEach(Runnable::run);
                snapshot = prepared;
            }

            @Override
            public void abort() {
                // Breakers created for deployments of the refused config must not linger in the
                // registry (and in /actuator/prometheus) as if those deployments existed.
                registeredHere.forEach(breakers::remove);
            }
        };
    }

    private CircuitBreaker breaker(String id, TollgateConfig.CircuitBreaker settings, List<Runnable> updates) {
        TollgateConfig.CircuitBreaker previous = breakerSettings.get(id);
        CircuitBreakerConfig cfg = CircuitBreakerConfig.custom()
                .failureRateThreshold(settings.failureRateThreshold())
                .slidingWindowSize(settings.slidingWindowSize())
                .minimumNumberOfCalls(settings.minimumCalls())
                .waitDurationInOpenState(settings.openDuration())
                .permittedNumberOfCallsInHalfOpenState(Math.max(1, Math.min(3, settings.minimumCalls())))
                // A long stream is not a slow failure: slowness is judged by the time limits instead.
                .slowCallRateThreshold(100)
                .slowCallDurationThreshold(Duration.ofDays(365))
                // Only failures another deployment could avoid count against a provider: a client's
                // malformed request (400) must not open the circuit for everyone.
                .recordException(e -> e instanceof UpstreamException u && u.retryable())
                .build();
        if (previous != null && !previous.equals(settings)) {
            CircuitBreaker replacement = CircuitBreaker.of(id, cfg);
            updates.add(() -> {
                breakers.replace(id, replacement);
                breakerSettings.put(id, settings);
            });
            return replacement;
        }
        if (previous == null) {
            updates.add(() -> breakerSettings.put(id, settings));
        }
        return breakers.circuitBreaker(id, cfg);
    }

    /**
     * The order to try deployments in: the model's own deployments in the order of its strategy
     * (by default weighted random choice, weight 0 = backup only, tried last), then each fallback
     * model's deployments in the order of its own.
     */
    public List<DeploymentTarget> plan(ModelRoute route) {
        return plan(snapshot, route, RequestNeeds.NOTHING).targets();
    }

    /** A deployment left out of a plan because it lacks what the request needs. */
    public record Skip(DeploymentTarget target, RequestNeeds.Capability missing) {}

    /** The deployments to try, in order, and those left out because they cannot serve the request. */
    public record Plan(List<DeploymentTarget> targets, List<Skip> skipped) {}

    /**
     * {@link #plan(ModelRoute)} without the deployments whose capabilities rule the request out:
     * an image skips text-only deployments, tools skip those without tool calling, and so on.
     */
    public Plan plan(Snapshot routes, ModelRoute route, RequestNeeds needs) {
        return plan(routes, route, needs, null);
    }

    /** With the model's own deployments ordered by {@code strategy} instead of the model's (an experiment's variant). */
    public Plan plan(Snapshot routes, ModelRoute route, RequestNeeds needs, dev.tollgate.config.RoutingStrategy strategy) {
        return filter(candidates(routes, route, needs, strategy), needs);
    }

    static Plan filter(List<DeploymentTarget> candidates, RequestNeeds needs) {
        List<DeploymentTarget> targets = new ArrayList<>(candidates.size());
        List<Skip> skipped = null;
        for (DeploymentTarget t : candidates) {
            RequestNeeds.Capability missing = needs.missing(t.capabilities());
            if (missing == null) {
                targets.add(t);
            } else {
                if (skipped == null) {
                    skipped = new ArrayList<>(2);
                }
                skipped.add(new Skip(t, missing));
            }
        }
        return new Plan(targets, skipped == null ? List.of() : skipped);
    }

    /** Each model's deployments in the order of its own strategy: the model's first, then each fallback's. */
    private static List<DeploymentTarget> candidates(Snapshot routes, ModelRoute route, RequestNeeds needs,
            dev.tollgate.config.RoutingStrategy strategy) {
        List<DeploymentTarget> plan = new ArrayList<>(DeploymentOrder.order(route, needs, strategy));
        for (String fallback : route.fallbacks()) {
            ModelRoute fb = routes.route(fallback);
            if (fb != null) {
                plan.addAll(DeploymentOrder.order(fb, needs));
            }
        }
        return plan;
    }

    static List<DeploymentTarget> weightedOrder(List<DeploymentTarget> deployments) {
        if (deployments.size() == 1) {
            return deployments;
        }
        List<DeploymentTarget> pool = new ArrayList<>(deployments);
        List<DeploymentTarget> order = new ArrayList<>(deployments.size());
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!pool.isEmpty()) {
            int total = 0;
            for (DeploymentTarget t : pool) {
                total += t.deployment().weight();
            }
            if (total == 0) {
                order.addAll(pool);
                break;
            }
            int pick = random.nextInt(total);
            for (int i = 0; i < pool.size(); i++) {
                pick -= pool.get(i).deployment().weight();
                if (pick < 0) {
                    order.add(pool.remove(i));
                    break;
                }
            }
        }
        return order;
    }
}
