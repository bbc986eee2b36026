package dev.tollgate.insights;

import dev.tollgate.alerts.AlertEvent;
import dev.tollgate.alerts.WebhookNotifier;
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
 * Looks for anomalies every {@code insights.anomalies.every} (10 min) on a thread of its own, records
 * each new one in {@code alert_events} and sends it to the alert webhooks (Slack-compatible or
 * signed JSON, like budget alerts). An anomaly is keyed by kind, subject and hour, so replicas
 * watching the same data alert once.
 */
public class AnomalyWatcher implements InitializingBean, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(AnomalyWatcher.class);
    private static final Duration TICK = Duration.ofMinutes(1);

    private final AnomalyDetector detector;
    private final AnomalyLog anomalies;
    private final WebhookNotifier webhooks;
    private final Supplier<TollgateConfig> config;
    private final Clock clock;
    private final Scheduler scheduler = Schedulers.newSingle("tollgate-anomalies", true);
    private volatile Instant lastRun = Instant.EPOCH;
    private Disposable ticks;

    public AnomalyWatcher(AnomalyDetector detector, AnomalyLog anomalies, WebhookNotifier webhooks, Supplier<TollgateConfig> config,
            Clock clock) {
        this.detector = detector;
        this.anomalies = anomalies;
        this.webhooks = webhooks;
        this.config = config;
        this.clock = clock;
    }

    /** Detects, records and delivers; emits the anomalies that were new. */
    public Mono<List<Anomaly>> runOnce(Instant now) {
        return detector.detect(config.get().insights().anomalies(), now)
                .flatMapMany(Flux::fromIterable)
                .concatMap(a -> anomalies.recordNew(a, now).filter(isNew -> isNew)
                        .flatMap(x -> webhooks.deliver(alert(a, now))
                                .flatMap(d -> anomalies.deliveries(AnomalyLog.id(a), d))
                                .thenReturn(a)))
                .collectList()
                .doOnNext(found -> {
                    lastRun = now;
                    found.forEach(a -> log.warn("Anomaly ({}): {}", a.severity(), a.message()));
                });
    }

    static AlertEvent alert(Anomaly a, Instant now) {
        return new AlertEvent(AnomalyLog.id(a), now, a.kind(), null, a.subject(), a.hour().toString(), 0, a.value(), a.baseline(),
                false, "[" + a.severity() + "] " + a.message());
    }

    @Override
    public void afterPropertiesSet() {
        ticks = Flux.interval(Duration.ofSeconds(45), TICK, scheduler)
                .concatMap(t -> {
                    var s = config.get().insights().anomalies();
                    Instant now = clock.instant();
                    if (!s.enabled() || Duration.between(lastRun, now).compareTo(s.every()) < 0) {
                        return Mono.empty();
                    }
                    return runOnce(now).then().onErrorResume(e -> {
                        log.warn("Anomaly detection failed (next try in {}): {}", TICK, e.toString());
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
