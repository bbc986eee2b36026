package dev.tollgate.budget;

import java.time.Instant;

/**
 * One budget instance in one period, as the ledger sees it: a name, its limit in micro-dollars
 * ({@link Long#MAX_VALUE} for soft budgets, which are tracked but never block) and when the
 * period ends (after which the account may be forgotten).
 */
public record LedgerAccount(String id, long limitMicros, Instant periodEnd) {}
