package dev.tollgate.routing;

import dev.tollgate.config.TollgateConfig;
import java.util.List;

/** A model clients can ask for: its weighted deployments and ordered fallback models. */
public record ModelRoute(TollgateConfig.Model model, List<DeploymentTarget> deployments, List<String> fallbacks) {

    public String name() {
        return model.name();
    }
}
