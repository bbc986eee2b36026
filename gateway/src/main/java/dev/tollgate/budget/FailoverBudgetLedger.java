package dev.tollgate.budget;

import dev.tollgate.support.StateFailurePolicy;
import java.time.Duration;
import java.util.List;
import reactor.core.publisher.Mono;

/** The Redis ledger, with the configured {@link StateFailurePolicy} when Redis is unreachable. */
public class FailoverBudgetLedger implements BudgetLedger {

    private final BudgetLedger shared;
    private final BudgetLedger local;
    private final StateFailurePolicy policy;

    public FailoverBudgetLedger(BudgetLedger shared, BudgetLedger local, StateFailurePolicy policy) {
        this.shared = shared;
        this.local = local;
        this.policy = policy;
    }

    @Override
    public Mono<ReserveResult> reserve(String reservationId, List<LedgerAccount> accounts, long amountMicros, Duration ttl) {
        return shared.reserve(reservationId, accounts, amountMicros, ttl)
                .onErrorResume(e -> policy.onFailure(e, () -> local.reserve(reservationId, accounts, amountMicros, ttl)));
    }

    @Override
    public Mono<Void> settle(String reservationId, List<LedgerAccount> accounts, long actualMicros) {
        // The spend must reach the shared ledger however long Redis is away: under fail-open the
        // local ledger (which may hold this reservation) is settled too, and the error still
        // propagates so the after-call queue retries the shared settlement once Redis is back.
        return shared.settle(reservationId, accounts, actualMicros)
                .onErrorResume(e -> policy.onFailure(e, () -> local.settle(reservationId, accounts, actualMicros))
                        .then(Mono.error(e)));
    }

    @Override
    public Mono<List<LedgerBalance>> balances(List<String> accountIds) {
        return shared.balances(accountIds).onErrorResume(e -> policy.onFailure(e, () -> local.balances(accountIds)));
    }

    @Override
    public Mono<Boolean> claimOnce(String key, java.time.Instant expiresAt) {
        return shared.claimOnce(key, expiresAt).onErrorResume(e -> policy.onFailure(e, () -> local.claimOnce(key, expiresAt)));
    }

    @Override
    public Mono<Void> record(LedgerAccount account, long micros) {
        return shared.record(account, micros).onErrorResume(e -> policy.onFailure(e, () -> local.record(account, micros)));
    }
}
