package dev.tollgate.budget;

/** Settled spend and outstanding reservations of one account, in micro-dollars. */
public record LedgerBalance(String account, long spentMicros, long reservedMicros) {

    public long committedMicros() {
        return spentMicros + reservedMicros;
    }
}
