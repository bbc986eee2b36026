package dev.tollgate.budget;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * Spend per budget account, shared by every replica that uses the same ledger. Reserve before a
 * call, settle after it: concurrent calls each hold their worst case, so together they can never
 * commit more than the limit.
 */
public interface BudgetLedger {

    /**
     * Atomically reserves {@code amountMicros} on every account, or on none if that would take any
     * account past its limit. A reservation not settled within {@code ttl} (its gateway died) is
     * released by the ledger itself.
     */
    Mono<ReserveResult> reserve(String reservationId, List<LedgerAccount> accounts, long amountMicros, Duration ttl);

    /**
     * Turns a reservation into spend: {@code actualMicros} is added to every account and the
     * reservation released. Idempotent per reservation id; if the reservation had already expired
     * the spend is still recorded on {@code accounts}.
     */
    Mono<Void> settle(String reservationId, List<LedgerAccount> accounts, long actualMicros);

    Mono<List<LedgerBalance>> balances(List<String> accountIds);

    /** Adds spend without a reservation (rebuilding a ledger from the usage store). */
    Mono<Void> record(LedgerAccount account, long micros);

    /**
     * True for the first caller only, across replicas, until {@code expiresAt}: an alert threshold
     * fires once per budget period however many gateways see it crossed.
     */
    Mono<Boolean> claimOnce(String key, Instant expiresAt);

    /**
     * Outcome of a reservation. {@code rejected} is the first account that could not take it (null
     * when granted); {@code balances} are the accounts' state as of the decision, reservation
     * included when granted.
     */
    record ReserveResult(boolean granted, String rejected, List<LedgerBalance> balances) {}
}
