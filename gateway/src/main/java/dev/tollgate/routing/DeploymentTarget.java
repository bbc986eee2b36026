package dev.tollgate.routing;

import dev.tollgate.config.TollgateConfig;
import dev.tollgate.provider.ProviderAdapter;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/** One place a model can be served: a provider, its model name there, and the guards around it. */
public record DeploymentTarget(
        String model,
        TollgateConfig.Deployment deployment,
        TollgateConfig.Provider provider,
        ProviderAdapter adapter,
        CircuitBreaker circuitBreaker,
        TollgateConfig.Timeouts timeouts,
        TollgateConfig.Price price,
        Cooldown cooldown,
        DeploymentStats stats) {

    public String id() {
        return deployment.id();
    }

    /** Effective capabilities (the model's, overridden by the deployment's own). */
    public TollgateConfig.Capabilities capabilities() {
        return deployment.capabilities();
    }
}
