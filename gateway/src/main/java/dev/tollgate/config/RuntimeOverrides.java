package dev.tollgate.config;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Changes an operator made at run time (through the admin API) on top of the config file: a
 * deployment switched off (drained), its weight or its place in the model's order changed; rate
 * limits of a key or a team. The file stays the source of truth for everything else, and removing
 * an override brings back the file's value. Applied as a pure function of the file's config, so a
 * reload of the file keeps every override whose target still exists and reports the others.
 */
public record RuntimeOverrides(List<DeploymentOverride> deployments, List<LimitOverride> limits) {

    public static final RuntimeOverrides NONE = new RuntimeOverrides(List.of(), List.of());

    /** Who changed something, and when: shown next to the file value and the override. */
    public record Change(String by, Instant at) {}

    /**
     * One deployment of one model. Null fields keep the file's value. {@code priority}: its place
     * in the model's order (lower first; deployments without one keep their file order after those
     * with one), which is the chain of the {@code priority} strategy and the order of backups.
     */
    public record DeploymentOverride(String model, String deployment, Boolean enabled, Integer weight, Integer priority,
            Change change) {}

    /** Rate limits of a key ({@code scope} key) or of a team ({@code scope} team), replacing the file's. */
    public record LimitOverride(String scope, String name, TollgateConfig.Limits limits, Change change) {}

    /** The config with the overrides applied, and the overrides whose target the file no longer has. */
    public record Applied(TollgateConfig config, List<String> vanished) {}

    /** Name of the rate-limit rule a team override becomes (a team has no limits of its own in the file). */
    public static String teamRuleName(String team) {
        return "override:team:" + team;
    }

    public boolean isEmpty() {
        return deployments.isEmpty() && limits.isEmpty();
    }

    public Applied apply(TollgateConfig file) {
        List<String> vanished = new ArrayList<>();
        Map<String, TollgateConfig.Model> models = new LinkedHashMap<>(file.models());
        for (DeploymentOverride o : deployments) {
            TollgateConfig.Model m = models.get(o.model());
            if (m == null || m.deployments().stream().noneMatch(d -> d.id().equals(o.deployment()))) {
                vanished.add("deployment " + o.model() + ":" + o.deployment());
            }
        }
        for (TollgateConfig.Model m : file.models().values()) {
            List<DeploymentOverride> mine = deployments.stream().filter(o -> o.model().equals(m.name())).toList();
            if (!mine.isEmpty()) {
                models.put(m.name(), withDeployments(m, mine));
            }
        }

        List<TollgateConfig.Key> keys = new ArrayList<>(file.keys());
        List<TollgateConfig.RateLimit> rateLimits = new ArrayList<>(file.rateLimits());
        for (LimitOverride o : limits) {
            if (o.scope().equals("team")) {
                // Team limits apply whether or not the team exists yet: a team is just a label on keys.
                rateLimits.removeIf(r -> r.name().equals(teamRuleName(o.name())));
                rateLimits.add(new TollgateConfig.RateLimit(teamRuleName(o.name()), "team", Map.of("team", o.name()), o.limits()));
            } else {
                for (int i = 0; i < keys.size(); i++) {
                    TollgateConfig.Key k = keys.get(i);
                    if (k.name().equals(o.name())) {
                        keys.set(i, new TollgateConfig.Key(k.name(), k.keyHash(), k.team(), k.project(), k.user(), k.models(),
                                k.metadata(), o.limits()));
                    }
                }
                // A key override may also target a key made through the admin API: applied where those
                // keys are loaded, so it never "vanishes" here.
            }
        }
        TollgateConfig effective = file.withOverrides(java.util.Collections.unmodifiableMap(models), List.copyOf(keys),
                List.copyOf(rateLimits));
        return new Applied(effective, List.copyOf(vanished));
    }

    /** The limits an override sets on a key, or null when there is none. */
    public TollgateConfig.Limits keyLimits(String keyName) {
        for (LimitOverride o : limits) {
            if (o.scope().equals("key") && o.name().equals(keyName)) {
                return o.limits();
            }
        }
        return null;
    }

    private static TollgateConfig.Model withDeployments(TollgateConfig.Model m, List<DeploymentOverride> overrides) {
        record Placed(TollgateConfig.Deployment deployment, int priority, int fileOrder) {}
        List<Placed> placed = new ArrayList<>();
        for (int i = 0; i < m.deployments().size(); i++) {
            TollgateConfig.Deployment file = m.deployments().get(i);
            DeploymentOverride o = overrides.stream().filter(x -> x.deployment().equals(file.id())).findFirst().orElse(null);
            TollgateConfig.Deployment d = file;
            if (o != null && Boolean.FALSE.equals(o.enabled())) {
                continue; // drained: no new calls; calls already routed to it finish
            }
            if (o != null && o.weight() != null) {
                d = new TollgateConfig.Deployment(d.provider(), d.model(), o.weight(), d.timeouts(), d.limits(), d.capabilities(),
                        d.price());
            }
            placed.add(new Placed(d, o != null && o.priority() != null ? o.priority() : Integer.MAX_VALUE, i));
        }
        placed.sort(Comparator.comparingInt(Placed::priority).thenComparingInt(Placed::fileOrder));
        return new TollgateConfig.Model(m.name(), placed.stream().map(Placed::deployment).toList(), m.price(), m.fallbacks(),
                m.ownedBy(), m.maxOutputTokens(), m.capabilities(), m.strategy());
    }
}
