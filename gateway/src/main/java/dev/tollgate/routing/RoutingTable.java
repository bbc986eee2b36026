package dev.tollgate.routing;

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
    private volatile Map<String, ModelRoute> routes = Map.of();

    public RoutingTable(Function<TollgateConfig.Provider, ProviderAdapter> adapters, CircuitBreakerRegistry breakers) {
        this.adapters = adapters;
        this.breakers = breakers;
    }

    public ModelRoute route(String model) {
        return routes.get(model);
    }

    public Map<String, ModelRoute> routes() {
        return routes;
    }

    @Override
    public Runnable prepare(TollgateConfig config) {
        Map<String, ProviderAdapter> byProvider = new HashMap<>();
        config.providers().forEach((name, p) -> byProvider.put(name, adapters.apply(p)));
        Map<String, ModelRoute> next = new LinkedHashMap<>();
        List<Runnable> breakerUpdates = new ArrayList<>();
        for (TollgateConfig.Model m : config.models().values()) {
            List<DeploymentTarget> targets = new ArrayList<>();
            for (TollgateConfig.Deployment d : m.deployments()) {
                TollgateConfig.Provider p = config.providers().get(d.provider());
                CircuitBreaker cb = breaker(d.id(), p.circuitBreaker(), breakerUpdates);
                targets.add(new DeploymentTarget(m.name(), d, p, byProvider.get(d.provider()), cb,
                        d.timeouts() != null ? d.timeouts() : p.timeouts(), d.price(),
                        cooldowns.computeIfAbsent(d.id(), id -> new Cooldown())));
            }
            next.put(m.name(), new ModelRoute(m, List.copyOf(targets), m.fallbacks()));
        }
        Map<String, ModelRoute> frozen = java.util.Collections.unmodifiableMap(next);
        return () -> {
            breakerUpdates.forEach(Runnable::run);
            routes = frozen;
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
     * The order to try deployments in: the model's own deployments by weighted random choice
     * (weight 0 = backup only, tried last), then each fallback model's deployments the same way.
     */
    public List<DeploymentTarget> plan(ModelRoute route) {
        List<DeploymentTarget> plan = new ArrayList<>(weightedOrder(route.deployments()));
        for (String fallback : route.fallbacks()) {
            ModelRoute fb = routes.get(fallback);
            if (fb != null) {
                plan.addAll(weightedOrder(fb.deployments()));
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
