package dev.tollgate.admin;

import dev.tollgate.config.ConfigWatcher;
import dev.tollgate.config.RuntimeOverrides;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.support.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;

/**
 * Reads the runtime overrides from the store every {@code refresh} (and at once after a change on
 * this replica) and applies them on top of the config file, so every replica drains a deployment
 * within that interval. A row that cannot be read is logged and skipped, never applied halfway.
 */
public class OverrideState implements SmartInitializingSingleton, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(OverrideState.class);
    static final String DEPLOYMENT = "deployment";
    static final String LIMITS = "limits";

    private final OverrideStore store;
    private final ConfigWatcher config;
    private final StoredState storedKeys;
    private final Duration refresh;
    private Disposable poller;

    public OverrideState(OverrideStore store, ConfigWatcher config, StoredState storedKeys, Duration refresh) {
        this.store = store;
        this.config = config;
        this.storedKeys = storedKeys;
        this.refresh = refresh;
    }

    /** Reads the store and applies what it holds. Rebuilding routes creates HTTP clients: not on an event loop. */
    public Mono<Void> reload() {
        return store.all().collectList()
                .publishOn(Schedulers.boundedElastic())
                .doOnNext(rows -> {
                    RuntimeOverrides next = parse(rows);
                    List<String> refused = config.applyOverrides(next);
                    if (refused.isEmpty()) {
                        storedKeys.limitOverrides(next::keyLimits);
                    }
                })
                .then();
    }

    static RuntimeOverrides parse(List<OverrideStore.StoredOverride> rows) {
        List<RuntimeOverrides.DeploymentOverride> deployments = new ArrayList<>();
        List<RuntimeOverrides.LimitOverride> limits = new ArrayList<>();
        for (OverrideStore.StoredOverride row : rows) {
            try {
                JsonNode d = Json.MAPPER.readTree(row.definition());
                RuntimeOverrides.Change change = new RuntimeOverrides.Change(row.updatedBy(), row.updatedAt());
                int bar = row.target().indexOf('|');
                String first = row.target().substring(0, bar);
                String second = row.target().substring(bar + 1);
                switch (row.kind()) {
                    case DEPLOYMENT -> deployments.add(new RuntimeOverrides.DeploymentOverride(first, second,
                            d.has("enabled") ? d.get("enabled").asBoolean() : null,
                            d.has("weight") ? d.get("weight").asInt() : null,
                            d.has("priority") ? d.get("priority").asInt() : null, change));
                    case LIMITS -> limits.add(new RuntimeOverrides.LimitOverride(first, second, new TollgateConfig.Limits(
                            d.has("requests-per-minute") ? d.get("requests-per-minute").asLong() : null,
                            d.has("tokens-per-minute") ? d.get("tokens-per-minute").asLong() : null,
                            d.has("concurrent") ? d.get("concurrent").asInt() : null), change));
                    default -> log.warn("Unknown runtime override kind '{}' for {} is ignored", row.kind(), row.target());
                }
            } catch (RuntimeException e) {
                log.error("Runtime override {} {} cannot be read and is ignored: {}", row.kind(), row.target(), e.toString());
            }
        }
        return new RuntimeOverrides(List.copyOf(deployments), List.copyOf(limits));
    }

    @Override
    public void afterSingletonsInstantiated() {
        reload().onErrorResume(e -> {
            log.warn("Reading runtime overrides at start failed (the file's config runs; retried every {}): {}", refresh, e.toString());
            return Mono.empty();
        }).block(Duration.ofSeconds(30));
        poller = Flux.interval(refresh, refresh)
                .onBackpressureDrop()
                .concatMap(tick -> reload().onErrorResume(e -> {
                    log.warn("Refreshing runtime overrides failed (keeping the last ones): {}", e.toString());
                    return Mono.empty();
                }))
                .subscribe();
    }

    @Override
    public void destroy() {
        if (poller != null) {
            poller.dispose();
        }
    }
}
