package dev.tollgate.budget;

import dev.tollgate.config.ConfigListener;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.config.TollgateConfig.Budget;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The configured budgets, and which of them (as ledger accounts) apply to a call. */
public class BudgetBook implements ConfigListener {

    /** A budget that applies to a call: its ledger account in the current period. */
    public record Applied(Budget budget, String instance, BudgetPeriods.Window window, LedgerAccount account) {}

    private record State(List<Budget> budgets, ZoneId zone) {}

    private volatile State state = new State(List.of(), java.time.ZoneOffset.UTC);
    private volatile List<Budget> fromFile = List.of();
    private volatile List<Budget> stored = List.of();

    @Override
    public Runnable prepare(TollgateConfig config) {
        List<Budget> file = config.budgets();
        java.time.ZoneId zone = config.budgetTimeZone();
        return () -> {
            fromFile = file;
            state = new State(merge(file, stored), zone);
        };
    }

    /** Budgets created through the admin API; a name that the file also uses is ignored (the file wins). */
    public synchronized void stored(List<Budget> budgets) {
        stored = List.copyOf(budgets);
        state = new State(merge(fromFile, stored), state.zone());
    }

    private static List<Budget> merge(List<Budget> file, List<Budget> stored) {
        List<Budget> all = new ArrayList<>(file);
        for (Budget b : stored) {
            if (file.stream().noneMatch(f -> f.name().equals(b.name()))) {
                all.add(b);
            }
        }
        return List.copyOf(all);
    }

    public boolean definedInFile(String name) {
        return fromFile.stream().anyMatch(b -> b.name().equals(name));
    }

    public List<Budget> budgets() {
        return state.budgets();
    }

    public ZoneId zone() {
        return state.zone();
    }

    public boolean isEmpty() {
        return state.budgets().isEmpty();
    }

    public List<Applied> applicable(Map<String, String> attributes, Instant at) {
        State s = state;
        List<Applied> out = new ArrayList<>(2);
        for (Budget b : s.budgets()) {
            String instance = instance(b, attributes);
            if (instance != null) {
                BudgetPeriods.Window window = BudgetPeriods.of(b.period(), at, s.zone());
                String id = b.name() + "|" + instance + "|" + window.id();
                long limit = b.hard() ? micros(b.amountUsd()) : Long.MAX_VALUE;
                out.add(new Applied(b, instance, window, new LedgerAccount(id, limit, window.end())));
            }
        }
        return out;
    }

    /**
     * The budget instance a call falls into, or null if the budget does not apply. Every scope
     * entry must match; a {@code *} value makes one instance per distinct value (per-user budgets).
     */
    static String instance(Budget budget, Map<String, String> attributes) {
        if (budget.scope().isEmpty()) {
            return "all";
        }
        StringBuilder instance = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(budget.scope()).entrySet()) {
            String have = attributes.get(e.getKey());
            if (have == null) {
                return null;
            }
            if (e.getValue().equals("*")) {
                // Separators of ledger records are replaced so a value cannot forge another account.
                instance.append(instance.isEmpty() ? "" : ",").append(e.getKey()).append('=')
                        .append(have.replace('\t', ' ').replace('|', '/').replace(',', ';'));
            } else if (!e.getValue().equals(have)) {
                return null;
            }
        }
        return instance.isEmpty() ? "all" : instance.toString();
    }

    public static long micros(BigDecimal usd) {
        return usd.movePointRight(6).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    public static BigDecimal usd(long micros) {
        return BigDecimal.valueOf(micros, 6);
    }
}
