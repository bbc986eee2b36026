package dev.tollgate.pipeline;

import dev.tollgate.routing.DeploymentTarget;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WARN per deployment without a price, the first time a call on it is metered with an
 * unknown cost; not one per call. Bounded: only configured deployments reach here.
 */
final class UnpricedModels {

    private static final Logger log = LoggerFactory.getLogger(UnpricedModels.class);
    private static final Set<String> warned = ConcurrentHashMap.newKeySet();

    private UnpricedModels() {}

    static void warnOnce(DeploymentTarget target) {
        if (warned.add(target.model() + "|" + target.id())) {
            log.warn("Model '{}' on deployment {} (provider type {}) has no price: neither a price: in the config nor an entry "
                    + "in the price catalog. Its calls are allowed and recorded with cost NULL and cost_unknown = true; "
                    + "give the model a price: { input, output } to meter its spend.",
                    target.model(), target.id(), target.provider().type().id());
        }
    }
}
