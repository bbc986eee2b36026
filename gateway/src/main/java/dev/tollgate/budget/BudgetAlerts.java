package dev.tollgate.budget;

import dev.tollgate.alerts.AlertEvent;
import dev.tollgate.alerts.AlertLog;
import dev.tollgate.alerts.WebhookNotifier;
import dev.tollgate.usage.UsageEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * After each settlement: budget utilisation as a metric, and alerts when a budget crosses one of
 * its thresholds (default 50/75/90/100 %). Each threshold fires once per budget instance and
 * period, across all replicas (claimed in the ledger), also when one call crosses several at
 * once. Alerts go to the configured webhooks and into {@code alert_events}.
 */
public class BudgetAlerts {

    private static final Logger log = LoggerFactory.getLogger(BudgetAlerts.class);
    private static final int MAX_GAUGES = 1000;

    private final BudgetLedger ledger;
    private final WebhookNotifier notifier;
    private final AlertLog alertLog;
    private final MeterRegistry meters;
    private final Map<String, AtomicLong> utilization = new ConcurrentHashMap<>();

    public BudgetAlerts(BudgetLedger ledger, WebhookNotifier notifier, AlertLog alertLog, MeterRegistry meters) {
        this.ledger = ledger;
        this.notifier = notifier;
        this.alertLog = alertLog;
        this.meters = meters;
    }

    /** Checks the budgets a settled call touched; runs in the background, never on the response path. */
    public Mono<Void> afterSettle(List<BudgetBook.Applied> applied) {
        List<String> ids = applied.stream().map(a -> a.account().id()).toList();
        return ledger.balances(ids).flatMapMany(balances -> {
            List<Mono<Void>> checks = new ArrayList<>();
            for (int i = 0; i < applied.size(); i++) {
                checks.add(check(applied.get(i), balances.get(i)));
            }
            return Flux.merge(checks);
        }).then();
    }

    private Mono<Void> check(BudgetBook.Applied a, LedgerBalance balance) {
        long amount = BudgetBook.micros(a.budget().amountUsd());
        long percent = amount == 0 ? 100 : balance.spentMicros() * 100 / amount;
        gauge(a).set(percent);
        List<Integer> crossed = a.budget().alertThresholds().stream().filter(t -> percent >= t)
                .sorted((x, y) -> Integer.compare(y, x)).toList();
        if (crossed.isEmpty()) {
            return Mono.empty();
        }
        Instant keep = a.window().end().plusSeconds(86_400);
        // Every threshold crossed is claimed in the ledger; the replica that wins a claim sends that
        // alert, so each threshold fires exactly once per period however many calls and replicas race.
        return Flux.fromIterable(crossed)
                .concatMap(t -> ledger.claimOnce("alert|" + a.account().id() + "|" + t, keep).map(won -> won ? t : -1))
                .filter(t -> t > 0)
                .concatMap(t -> fire(a, balance, t))
                .then();
    }

    private Mono<Void> fire(BudgetBook.Applied a, LedgerBalance balance, int threshold) {
        String scope = a.instance().equals("all") ? "" : " (" + a.instance() + ")";
        AlertEvent alert = new AlertEvent(UsageEvent.newId(), Instant.now(), "budget_threshold", a.budget().name(), a.instance(),
                a.window().id(), threshold, BudgetBook.usd(balance.spentMicros()), a.budget().amountUsd(), a.budget().hard(),
                "Budget '" + a.budget().name() + "'" + scope + " reached " + threshold + "% for " + a.window().id() + ": $"
                        + BudgetBook.usd(balance.spentMicros()).toPlainString() + " of $" + a.budget().amountUsd().toPlainString()
                        + (a.budget().hard() ? " (hard: calls are refused at 100%)" : " (soft: calls continue)") + ".");
        Counter.builder("tollgate.budget.alerts").tag("budget", a.budget().name()).tag("threshold", Integer.toString(threshold))
                .register(meters).increment();
        log.warn(alert.message());
        return notifier.deliver(alert).flatMap(deliveries -> alertLog.record(alert, deliveries));
    }

    private AtomicLong gauge(BudgetBook.Applied a) {
        String id = a.budget().name() + "|" + a.instance();
        AtomicLong value = utilization.get(id);
        if (value == null) {
            if (utilization.size() >= MAX_GAUGES) {
                return new AtomicLong(); // per-user budgets can be countless; metrics are capped
            }
            value = utilization.computeIfAbsent(id, k -> {
                AtomicLong v = new AtomicLong();
                Gauge.builder("tollgate.budget.utilization", v, AtomicLong::get).baseUnit("percent")
                        .tag("budget", a.budget().name()).tag("instance", a.instance()).register(meters);
                return v;
            });
        }
        return value;
    }
}
