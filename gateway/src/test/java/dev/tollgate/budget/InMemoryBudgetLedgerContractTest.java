package dev.tollgate.budget;

import java.util.function.LongSupplier;

class InMemoryBudgetLedgerContractTest extends BudgetLedgerContract {

    @Override
    BudgetLedger ledger(LongSupplier clock) {
        return new InMemoryBudgetLedger(clock);
    }
}
