package dev.tollgate.experiment;

import dev.tollgate.config.ConfigListener;
import dev.tollgate.config.Experiment;
import dev.tollgate.config.ExperimentReader;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.support.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The experiments in force: those of the config file, then those created through the admin API
 * (refreshed from the store every {@code refresh}, and at once after a change on this replica). A
 * name in the file cannot be shadowed through the API.
 */
public class ExperimentBook implements ConfigListener, SmartInitializingSingleton, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ExperimentBook.class);

    private final ExperimentStore store;
    private final Duration refresh;
    private volatile List<Experiment> fromFile = List.of();
    private volatile Set<String> models = Set.of();
    private volatile List<ExperimentStore.StoredExperiment> stored = List.of();
    private volatile Map<String, Experiment> all = Map.of();
    private Disposable poller;

    public ExperimentBook(ExperimentStore store, Duration refresh) {
        this.store = store;
        this.refresh = refresh;
    }

    @Override
    public Runnable prepare(TollgateConfig config) {
        List<Experiment> experiments = config.experiments();
        Set<String> names = Set.copyOf(config.models().keySet());
        return () -> {
            fromFile = experiments;
            models = names;
            rebuild();
        };
    }

    /** The experiments in force, by name, file first. */
    public Map<String, Experiment> experiments() {
        return all;
    }

    public boolean definedInFile(String name) {
        return fromFile.stream().anyMatch(e -> e.name().equals(name));
    }

    /** What an experiment may route to: the configured models. */
    public Set<String> models() {
        return models;
    }

    public Mono<Void> reload() {
        return store.experiments().collectList().doOnNext(list -> {
            stored = List.copyOf(list);
            rebuild();
        }).then();
    }

    private synchronized void rebuild() {
        Map<String, Experiment> next = new LinkedHashMap<>();
        fromFile.forEach(e -> next.put(e.name(), e));
        for (ExperimentStore.StoredExperiment s : stored) {
            // Before the config file is first loaded no model is known: stored ones are read at that load.
            if (next.containsKey(s.name()) || models.isEmpty()) {
                continue;
            }
            List<String> problems = new ArrayList<>();
            Experiment e = ExperimentReader.read(Json.MAPPER.readTree(s.definition()), s.name(), models, problems);
            if (e == null) {
                // E.g. a model it names was removed from the file since: the experiment stops, loudly.
                log.error("Stored experiment '{}' is not valid and is not applied: {}", s.name(), String.join("; ", problems));
            } else {
                next.put(e.name(), e);
            }
        }
        all = java.util.Collections.unmodifiableMap(next);
    }

    @Override
    public void afterSingletonsInstantiated() {
        reload().block(Duration.ofSeconds(30));
        poller = Flux.interval(refresh, refresh)
                .onBackpressureDrop()
                .concatMap(tick -> reload().onErrorResume(e -> {
                    log.warn("Refreshing admin-managed experiments failed (keeping the last ones): {}", e.toString());
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

    /** Names of every experiment in force (for a duplicate check). */
    Set<String> names() {
        return new HashSet<>(all.keySet());
    }
}
