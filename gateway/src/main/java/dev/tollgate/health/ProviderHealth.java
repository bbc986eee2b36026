package dev.tollgate.health;

import dev.tollgate.config.ConfigListener;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.routing.DeploymentStats;
import dev.tollgate.routing.DeploymentTarget;
import dev.tollgate.routing.ModelRoute;
import dev.tollgate.routing.RoutingTable;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The health of every provider and deployment, passive and active: circuit breaker state and
 * rates, recent error rate and latency percentiles from {@link DeploymentStats}, and the
 * provider's probe. Read by {@code GET /admin/v1/providers} and published as the gauge
 * {@code tollgate.deployment.health{deployment,state}} (1 for the current state, 0 for the others).
 *
 * <p>States: {@code down} while the circuit breaker is open; {@code degraded} while it is
 * half-open, while the provider's probe fails, or when at least {@value #DEGRADED_MIN_REQUESTS}
 * recent attempts had an error rate of {@value #DEGRADED_ERROR_PERCENT}% or more; else {@code healthy}.
 */
public class ProviderHealth implements ConfigListener {

    /** How far back the recent stats look. */
    public static final Duration WINDOW = Duration.ofMinutes(5);
    static final int DEGRADED_MIN_REQUESTS = 5;
    static final int DEGRADED_ERROR_PERCENT = 10;
    static final List<String> STATES = List.of("healthy", "degraded", "down");

    /** One deployment as the health view shows it. */
    public record DeploymentHealth(DeploymentTarget target, List<String> models, String state, CircuitBreaker.State circuit,
            CircuitBreaker.Metrics circuitMetrics, DeploymentStats.Snapshot recent, DeploymentStats.LastError lastError) {}

    /** One provider and its deployments. */
    public record ProviderView(TollgateConfig.Provider provider, ProviderProbes.Status probe, List<DeploymentHealth> deployments) {}

    private final RoutingTable routing;
    private final ProviderProbes probes;
    private final MeterRegistry meters;
    private final Map<String, List<Meter>> gauges = new HashMap<>();

    public ProviderHealth(RoutingTable routing, ProviderProbes probes, MeterRegistry meters) {
        this.routing = routing;
        this.probes = probes;
        this.meters = meters;
    }

    /** Every configured provider, with the deployments that use it, in config order. */
    public List<ProviderView> providers(TollgateConfig config) {
        Map<String, DeploymentTarget> byId = new LinkedHashMap<>();
        Map<String, List<String>> modelsById = new HashMap<>();
        for (ModelRoute route : routing.routes().values()) {
            for (DeploymentTarget t : route.deployments()) {
                byId.putIfAbsent(t.id(), t);
                modelsById.computeIfAbsent(t.id(), id -> new ArrayList<>()).add(t.model());
            }
        }
        List<ProviderView> out = new ArrayList<>();
        for (TollgateConfig.Provider p : config.providers().values()) {
            ProviderProbes.Status probe = probes.status(p.name());
            List<DeploymentHealth> deployments = new ArrayList<>();
            for (DeploymentTarget t : byId.values()) {
                if (t.provider().name().equals(p.name())) {
                    deployments.add(health(t, modelsById.get(t.id()), probe));
                }
            }
            out.add(new ProviderView(p, probe, deployments));
        }
        return out;
    }

    static DeploymentHealth health(DeploymentTarget t, List<String> models, ProviderProbes.Status probe) {
        CircuitBreaker cb = t.circuitBreaker();
        DeploymentStats.Snapshot recent = t.stats().snapshot(WINDOW);
        return new DeploymentHealth(t, models, state(cb.getState(), recent, probe), cb.getState(), cb.getMetrics(), recent,
                t.stats().lastError());
    }

    static String state(CircuitBreaker.State circuit, DeploymentStats.Snapshot recent, ProviderProbes.Status probe) {
        if (circuit == CircuitBreaker.State.OPEN || circuit == CircuitBreaker.State.FORCED_OPEN) {
            return "down";
        }
        if (circuit == CircuitBreaker.State.HALF_OPEN || (probe != null && probe.down())
                || (recent.requests() >= DEGRADED_MIN_REQUESTS && recent.errorRate() * 100 >= DEGRADED_ERROR_PERCENT)) {
            return "degraded";
        }
        return "healthy";
    }

    /** The state of one deployment now, for the gauge; null when it is no longer configured. */
    String state(String deploymentId) {
        for (ModelRoute route : routing.routes().values()) {
            for (DeploymentTarget t : route.deployments()) {
                if (t.id().equals(deploymentId)) {
                    CircuitBreaker cb = t.circuitBreaker();
                    return state(cb.getState(), t.stats().snapshot(WINDOW), probes.status(t.provider().name()));
                }
            }
        }
        return null;
    }

    /** Gauges for the deployments of the new config; those of removed deployments go. */
    @Override
    public Runnable prepare(TollgateConfig config) {
        List<String> ids = new ArrayList<>();
        config.models().values().forEach(m -> m.deployments().forEach(d -> {
            if (!ids.contains(d.id())) {
                ids.add(d.id());
            }
        }));
        return () -> updateGauges(ids);
    }

    private synchronized void updateGauges(List<String> ids) {
        gauges.entrySet().removeIf(e -> {
            if (ids.contains(e.getKey())) {
                return false;
            }
            e.getValue().forEach(meters::remove);
            return true;
        });
        for (String id : ids) {
            gauges.computeIfAbsent(id, d -> STATES.stream().<Meter>map(s -> Gauge.builder("tollgate.deployment.health",
                            this, h -> s.equals(h.state(d)) ? 1 : 0)
                    .description("Health of a deployment: 1 for its current state (healthy, degraded, down), 0 for the others")
                    .tags("deployment", d, "state", s.toLowerCase(Locale.ROOT))
                    .register(meters)).toList());
        }
    }
}
