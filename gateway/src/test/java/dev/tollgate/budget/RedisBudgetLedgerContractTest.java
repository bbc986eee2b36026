package dev.tollgate.budget;

import dev.tollgate.support.RedisConnector;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;

/**
 * The same scenarios against the Lua scripts in the real Redis, with now passed into the script;
 * each test's ledger lives in a namespace of its own, so stepping its clock expires no one
 * else's reservations.
 */
class RedisBudgetLedgerContractTest extends BudgetLedgerContract {

    private static final RedisConnector REDIS = new RedisConnector("redis://127.0.0.1:6379", Duration.ofSeconds(5));

    @Override
    BudgetLedger ledger(LongSupplier clock) {
        return new RedisBudgetLedger(REDIS, "contract-" + run, clock);
    }

    @AfterAll
    static void close() {
        REDIS.close();
    }
}
