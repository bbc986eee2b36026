package dev.tollgate.budget;

import java.time.Duration;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.LongSupplier;
import reactor.core.publisher.Mono;

/**
 * The single-node ledger: all accounts under one lock, so a reservation over several budgets is
 * atomic. Rebuilt from the usage store at start (see {@link LedgerRebuild}). Expired reservations
 * are released lazily by the next operation, not by a background janitor.
 */
public class InMemoryBudgetLedger implements BudgetLedger {

    private record Held(String id, List<String> accounts, long amount, long expiresAtMillis) {}

    private static final class Account {
        long spent;
        long reserved;
        long periodEndMillis;
    }

    private final Map<String, Account> accounts = new HashMap<>();
    private final Map<String, Held> held = new HashMap<>();
    private final PriorityQueue<Held> byExpiry = new PriorityQueue<>((a, b) -> Long.compare(a.expiresAtMillis, b.expiresAtMillis));
    private final Map<String, Long> settled = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > 100_000; // settle-once memory; a settle replayed later than this is not expected
        }
    };
    private final LongSupplier clock;
    private final Map<String, Long> claims = new HashMap<>();

    public InMemoryBudgetLedger() {
        this(System::currentTimeMillis);
    }

    InMemoryBudgetLedger(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public Mono<ReserveResult> reserve(String reservationId, List<LedgerAccount> targets, long amountMicros, Duration ttl) {
        return Mono.fromSupplier(() -> {
            synchronized (this) {
                long now = clock.getAsLong();
                expire(now);
                for (LedgerAccount t : targets) {
                    Account a = account(t, now);
                    if (t.limitMicros() != Long.MAX_VALUE && a.spent + a.reserved + amountMicros > t.limitMicros()) {
                        return new ReserveResult(false, t.id(), snapshot(targets));
                    }
                }
                List<String> ids = new ArrayList<>(targets.size());
                for (LedgerAccount t : targets) {
                    accounts.get(t.id()).reserved += amountMicros;
                    ids.add(t.id());
                }
                Held h = new Held(reservationId, ids, amountMicros, now + ttl.toMillis());
                held.put(reservationId, h);
                byExpiry.add(h);
                return new ReserveResult(true, null, snapshot(targets));
            }
        });
    }

    @Override
    public Mono<Void> settle(String reservationId, List<LedgerAccount> targets, long actualMicros) {
        return Mono.fromRunnable(() -> {
            synchronized (this) {
                long now = clock.getAsLong();
                if (settled.containsKey(reservationId)) {
                    return;
                }
                settled.put(reservationId, now);
                Held h = held.remove(reservationId);
                if (h != null) {
                    byExpiry.remove(h);
                    for (String id : h.accounts()) {
                        Account a = accounts.get(id);
                        if (a != null) {
                            a.reserved -= h.amount();
                        }
                    }
                }
                for (LedgerAccount t : targets) {
                    account(t, now).spent += actualMicros;
                }
            }
        });
    }

    @Override
    public Mono<List<LedgerBalance>> balances(List<String> accountIds) {
        return Mono.fromSupplier(() -> {
            synchronized (this) {
                expire(clock.getAsLong());
                List<LedgerBalance> out = new ArrayList<>(accountIds.size());
                for (String id : accountIds) {
                    Account a = accounts.get(id);
                    out.add(a == null ? new LedgerBalance(id, 0, 0) : new LedgerBalance(id, a.spent, a.reserved));
                }
                return out;
            }
        });
    }

    @Override
    public Mono<Void> record(LedgerAccount account, long micros) {
        return Mono.fromRunnable(() -> {
            synchronized (this) {
                account(account, clock.getAsLong()).spent += micros;
            }
        });
    }

    @Override
    public Mono<Boolean> claimOnce(String key, java.time.Instant expiresAt) {
        return Mono.fromSupplier(() -> {
            synchronized (this) {
                long now = clock.getAsLong();
                if (claims.size() > 10_000) {
                    claims.values().removeIf(expiry -> expiry <= now);
                }
                Long expiry = claims.get(key);
                if (expiry != null && expiry > now) {
                    return false;
                }
                claims.put(key, expiresAt.toEpochMilli());
                return true;
            }
        });
    }

    private List<LedgerBalance> snapshot(List<LedgerAccount> targets) {
        List<LedgerBalance> out = new ArrayList<>(targets.size());
        for (LedgerAccount t : targets) {
            Account a = accounts.get(t.id());
            out.add(a == null ? new LedgerBalance(t.id(), 0, 0) : new LedgerBalance(t.id(), a.spent, a.reserved));
        }
        return out;
    }

    private Account account(LedgerAccount t, long now) {
        Account a = accounts.computeIfAbsent(t.id(), k -> new Account());
        a.periodEndMillis = t.periodEnd().toEpochMilli();
        return a;
    }

    /** Releases reservations whose gateway never settled them, and forgets finished periods. */
    private void expire(long now) {
        while (!byExpiry.isEmpty() && byExpiry.peek().expiresAtMillis() <= now) {
            Held h = byExpiry.poll();
            if (held.remove(h.id()) != null) {
                for (String id : h.accounts()) {
                    Account a = accounts.get(id);
                    if (a != null) {
                        a.reserved -= h.amount();
                    }
                }
            }
        }
        if (accounts.size() > 10_000) {
            accounts.values().removeIf(a -> a.periodEndMillis + Duration.ofDays(2).toMillis() < now && a.reserved == 0);
        }
    }

}
