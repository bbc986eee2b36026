package dev.tollgate.auth;

import dev.tollgate.config.TollgateConfig;
import java.util.List;
import java.util.Map;

/**
 * Who is calling: a Tollgate virtual key, known only by its SHA-256 hash, and the tenant it
 * belongs to. {@code models} empty or containing {@code *} means every model.
 */
public record VirtualKey(
        String name,
        String keyHash,
        String team,
        String project,
        String user,
        List<String> models,
        Map<String, String> metadata,
        TollgateConfig.Limits limits) {

    /** A key of the config file. */
    public static VirtualKey of(TollgateConfig.Key k) {
        return new VirtualKey(k.name(), k.keyHash(), k.team(), k.project(), k.user(), k.models(), k.metadata(), k.limits());
    }

    public boolean allows(String model) {
        return models.isEmpty() || models.contains("*") || models.contains(model);
    }
}
