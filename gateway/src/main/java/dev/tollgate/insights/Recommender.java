package dev.tollgate.insights;

import dev.tollgate.config.TollgateConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Computes the recommendations every {@code insights.recommendations.every} (6 h by default) on
 * a thread of its own, never an event loop, and stores them. Every replica computes them; the
 * result is the same rows written by id, so N replicas only do the work N times (turn it off on
 * all but one with {@code enabled: false} when that matters).
 */
public class Recommender implements InitializingBean, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(Recommender.class);
    private static final Duration TICK = Duration.ofMinutes(1);

    private final RecommendationEngine engine;
    private final RecommendationStore store;
    private final Supplier<TollgateConfig> config;
    private final Clock clock;
    private final Scheduler scheduler = Schedulers.newSingle("tollgate-recommendations", true);
    private volatile Instant lastRun = Instant.EPOCH;
    private Disposable ticks;

    public Recommender(RecommendationEngine engine, RecommendationStore store, Supplier<TollgateConfig> config, Clock clock) {
        this.engine = engine;
        this.store = store;
        this.config = config;
        this.clock = clock;
    }

    /** Computes and stores now; emits what was found. */
    public Mono<List<Recommendation>> runOnce(Instant now) {
        TollgateConfig c = config.get();
        return engine.compute(c, now).flatMap(found -> store.replace(found).thenReturn(found))
                .doOnNext(found -> {
                    lastRun = now;
                    log.info("Recommendations computed over {}: {} found", c.insights().recommendations().window(), found.size());
                });
    }

    @Override
    public void afterPropertiesSet() {
        ticks = Flux.interval(Duration.ofSeconds(30), TICK, scheduler)
                .concatMap(t -> {
                    var s = config.get().insights().recommendations();
                    Instant now = clock.instant();
                    if (!s.enabled() || Duration.between(lastRun, now).compareTo(s.every()) < 0) {
                        return Mono.empty();
                    }
                    return runOnce(now).then().onErrorResume(e -> {
                        log.warn("Computing recommendations failed (next try in {}): {}", TICK, e.toString());
                        lastRun = now.minus(s.every()).plus(TICK);
                        return Mono.empty();
                    });
                })
                .subscribe();
    }

    @Override
    public void destroy() {
        if (ticks != null) {
            ticks.dispose();
        }
        scheduler.dispose();
    }
}
