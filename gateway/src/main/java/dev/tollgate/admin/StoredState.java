package dev.tollgate.admin;

import dev.tollgate.auth.VirtualKey;
import dev.tollgate.auth.VirtualKeyStore;
import dev.tollgate.budget.BudgetBook;
import dev.tollgate.config.ConfigReader;
import dev.tollgate.config.TollgateConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import dev.tollgate.support.Json;
import tools.jackson.databind.json.JsonMapper;

/**
 * Keys and budgets created through the admin API, held in memory for the request path and
 * refreshed from the store every {@code refresh} (and at once after a change on this replica):
 * a key created or revoked on another replica takes effect here within that interval.
 */
public class StoredState implements VirtualKeyStore, SmartInitializingSingleton, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(StoredState.class);
    private static final JsonMapper JSON = Json.MAPPER;

    private final AdminStore store;
    private final BudgetBook budgets;
    private final Duration refresh;
    private volatile Map<String, VirtualKey> keysByHash = Map.of();
    private Disposable poller;

    public StoredState(AdminStore store, BudgetBook budgets, Duration refresh) {
        this.store = store;
        this.budgets = budgets;
        this.refresh = refresh;
    }

    private volatile java.util.function.Function<String, TollgateConfig.Limits> limitOverrides = name -> null;

    @Override
    public Mono<VirtualKey> findByHash(String keyHash) {
        VirtualKey k = keysByHash.get(keyHash);
        TollgateConfig.Limits override = k == null ? null : limitOverrides.apply(k.name());
        return Mono.justOrEmpty(override == null ? k
                : new VirtualKey(k.name(), k.keyHash(), k.team(), k.project(), k.user(), k.models(), k.metadata(), override));
    }

    /** Rate limits an operator set on keys at run time (see {@link OverrideState}); they replace the stored ones. */
    void limitOverrides(java.util.function.Function<String, TollgateConfig.Limits> byKeyName) {
        this.limitOverrides = byKeyName;
    }

    public Mono<Void> reload() {
        Mono<Map<String, VirtualKey>> keys = store.keys(false).collectMap(AdminStore.StoredKey::keyHash, StoredState::virtualKey);
        Mono<List<TollgateConfig.Budget>> stored = store.budgets().concatMap(b -> {
            try {
                return Mono.just(new ConfigReader(name -> null).readBudget(JSON.readTree(b.definition())));
            } catch (RuntimeException e) {
                log.error("Stored budget '{}' is not valid and is ignored: {}", b.name(), e.getMessage());
                return Mono.empty();
            }
        }).collectList();
        return Mono.zip(keys, stored).doOnNext(t -> {
            keysByHash = Map.copyOf(t.getT1());
            budgets.stored(t.getT2());
        }).then();
    }

    static VirtualKey virtualKey(AdminStore.StoredKey k) {
        return new VirtualKey(k.name(), k.keyHash(), k.team(), k.project(), k.user(), k.models(), k.metadata(), k.limits());
    }

    @Override
    public void afterSingletonsInstantiated() {
        reload().block(Duration.ofSeconds(30));
        poller = Flux.interval(refresh, refresh)
                .onBackpressureDrop()
                .concatMap(tick -> reload().onErrorResume(e -> {
                    log.warn("Refreshing admin-managed keys and budgets failed (keeping the last ones): {}", e.toString());
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

    /** Config keys first, then stored keys: a name in the file cannot be shadowed through the API. */
    public static VirtualKeyStore compose(VirtualKeyStore first, VirtualKeyStore second) {
        return hash -> first.findByHash(hash).switchIfEmpty(Mono.defer(() -> second.findByHash(hash)));
    }

}
