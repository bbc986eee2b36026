package dev.tollgate.budget;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;

/**
 * Where a budget's period will end at the rate it has been spent so far: spent × period length /
 * time elapsed. Null during the first hour of a period, when one early call would project absurdly.
 */
public final class BudgetForecast {

    static final Duration MIN_ELAPSED = Duration.ofHours(1);

    private BudgetForecast() {}

    public static BigDecimal endOfPeriodUsd(long spentMicros, Instant start, Instant end, Instant now) {
        Duration elapsed = Duration.between(start, now.isAfter(end) ? end : now);
        if (elapsed.compareTo(MIN_ELAPSED) < 0) {
            return null;
        }
        Duration length = Duration.between(start, end);
        return BigDecimal.valueOf(spentMicros).multiply(BigDecimal.valueOf(length.toSeconds()))
                .divide(BigDecimal.valueOf(elapsed.toSeconds()), 0, RoundingMode.HALF_UP).movePointLeft(6);
    }
}
