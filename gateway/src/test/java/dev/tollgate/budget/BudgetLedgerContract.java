package dev.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * One scenario suite for every {@link BudgetLedger}: the single-node ledger and the Redis scripts
 * must reserve, refuse, settle and expire alike. Time is a clock the test steps.
 */
abstract class BudgetLedgerContract {

    final AtomicLong now = new AtomicLong(Instant.now().toEpochMilli());
    final String run = Long.toHexString(ThreadLocalRandom.current().nextLong());
    private static final Duration TTL = Duration.ofMinutes(1);

    abstract BudgetLedger ledger(LongSupplier clock);

    private final BudgetLedger ledger = ledger(now::get);

    private LedgerAccount account(String name, long limitMicros) {
        return new LedgerAccount("contract-" + run + "-" + name, limitMicros, Instant.now().plus(Duration.ofDays(30)));
    }

    private BudgetLedger.ReserveResult reserve(String id, long amount, LedgerAccount... accounts) {
        return ledger.reserve(run + id, List.of(accounts), amount, TTL).block();
    }

    private void settle(String id, long actual, LedgerAccount... accounts) {
        ledger.settle(run + id, List.of(accounts), actual).block();
    }

    private LedgerBalance balance(LedgerAccount account) {
        return ledger.balances(List.of(account.id())).block().get(0);
    }

    @Test
    void reservesUpToTheLimitAndRefusesBeyondIt() {
        LedgerAccount team = account("team", 100);
        BudgetLedger.ReserveResult first = reserve("r1", 60, team);
        assertThat(first.granted()).isTrue();
        assertThat(first.balances()).containsExactly(new LedgerBalance(team.id(), 0, 60));

        BudgetLedger.ReserveResult second = reserve("r2", 41, team);
        assertThat(second.granted()).isFalse();
        assertThat(second.rejected()).isEqualTo(team.id());
        assertThat(second.balances()).containsExactly(new LedgerBalance(team.id(), 0, 60));
        assertThat(reserve("r3", 40, team).granted()).as("exactly the limit fits").isTrue();
    }

    @Test
    void aReservationOverSeveralBudgetsIsAllOrNothing() {
        LedgerAccount team = account("team", 100);
        LedgerAccount user = account("user", 50);
        assertThat(reserve("r1", 40, team, user).granted()).isTrue();
        BudgetLedger.ReserveResult refused = reserve("r2", 40, team, user);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.rejected()).isEqualTo(user.id());
        assertThat(balance(team)).as("nothing taken from the budget that had room").isEqualTo(new LedgerBalance(team.id(), 0, 40));
    }

    @Test
    void softBudgetsTrackButNeverRefuse() {
        LedgerAccount soft = account("soft", Long.MAX_VALUE);
        assertThat(reserve("r1", 1_000_000_000L, soft).granted()).isTrue();
        assertThat(balance(soft)).isEqualTo(new LedgerBalance(soft.id(), 0, 1_000_000_000L));
    }

    @Test
    void settlingTurnsTheReservationIntoSpendOnce() {
        LedgerAccount team = account("team", 100);
        reserve("r1", 60, team);
        settle("r1", 25, team);
        assertThat(balance(team)).isEqualTo(new LedgerBalance(team.id(), 25, 0));
        settle("r1", 25, team);
        assertThat(balance(team)).as("a settlement retried after a lost reply counts once").isEqualTo(new LedgerBalance(team.id(), 25, 0));
    }

    @Test
    void anUnsettledReservationExpiresAndALateSettlementStillBooksTheSpend() {
        LedgerAccount team = account("team", 100);
        assertThat(reserve("dead", 80, team).granted()).isTrue();
        now.addAndGet(TTL.toMillis() - 1);
        assertThat(reserve("early", 80, team).granted()).as("still held one ms before its expiry").isFalse();
        now.addAndGet(1);
        assertThat(reserve("next", 80, team).granted()).as("the dead gateway's reservation lapsed").isTrue();
        assertThat(balance(team)).isEqualTo(new LedgerBalance(team.id(), 0, 80));

        settle("dead", 30, team);
        assertThat(balance(team)).as("the late settlement books its spend, releasing nothing twice")
                .isEqualTo(new LedgerBalance(team.id(), 30, 80));
    }

    @Test
    void claimOnceIsTrueForTheFirstCallerOnly() {
        String key = "contract-" + run + "-alert";
        Instant until = Instant.now().plus(Duration.ofMinutes(5));
        assertThat(ledger.claimOnce(key, until).block()).isTrue();
        assertThat(ledger.claimOnce(key, until).block()).isFalse();
    }
}
