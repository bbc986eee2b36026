package dev.tollgate.budget;

import dev.tollgate.usage.UsageStore;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Spend survives a restart: a single-node (in-memory) ledger is refilled at start from the usage
 * store, which never loses an event, with the spend of each budget's current period. A Redis
 * ledger keeps its own state and is left alone.
 */
public class LedgerRebuild implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(LedgerRebuild.class);

    private final BudgetBook book;
    private final BudgetLedger ledger;
    private final UsageStore store;
    private final boolean enabled;

    public LedgerRebuild(BudgetBook book, BudgetLedger ledger, UsageStore store, boolean enabled) {
        this.book = book;
        this.ledger = ledger;
        this.store = store;
        this.enabled = enabled;
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (!enabled || book.isEmpty()) {
            return;
        }
        Instant now = Instant.now();
        // The longest period is a month; 32 days back covers every current period in any time zone.
        Instant from = now.minus(32, ChronoUnit.DAYS);
        Map<String, long[]> totals = new HashMap<>();
        Map<String, LedgerAccount> accounts = new HashMap<>();
        long rows = store.spendSince(from).doOnNext(row -> {
            Map<String, String> attributes = new HashMap<>(row.metadata());
            put(attributes, "team", row.team());
            put(attributes, "project", row.project());
            put(attributes, "key", row.keyName());
            put(attributes, "user", row.endUser());
            put(attributes, "model", row.model());
            put(attributes, "feature", row.feature());
            long micros = row.costUsd().movePointRight(6).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
            for (BudgetBook.Applied applied : book.applicable(attributes, row.createdAt())) {
                BudgetPeriods.Window current = BudgetPeriods.of(applied.budget().period(), now, book.zone());
                if (applied.window().id().equals(current.id())) {
                    accounts.putIfAbsent(applied.account().id(), applied.account());
                    totals.computeIfAbsent(applied.account().id(), k -> new long[1])[0] += micros;
                }
            }
        }).count().block(Duration.ofMinutes(5));
        totals.forEach((id, total) -> ledger.record(accounts.get(id), total[0]).block(Duration.ofSeconds(10)));
        log.info("Budget ledger rebuilt from {} usage events: {} budget accounts in their current period", rows, totals.size());
    }

    private static void put(Map<String, String> map, String name, String value) {
        if (value != null) {
            map.put(name, value);
        }
    }
}
