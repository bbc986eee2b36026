package dev.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class BudgetForecastTest {

    static final Instant START = Instant.parse("2026-11-01T00:00:00Z");
    static final Instant END = Instant.parse("2026-12-01T00:00:00Z");

    @Test
    void projectsTheRateSoFarToTheEndOfThePeriod() {
        // $10.000001 spent in the first 10 of 30 days → $30.000003 by the end, to the micro-dollar
        assertThat(BudgetForecast.endOfPeriodUsd(10_000_001, START, END, Instant.parse("2026-11-11T00:00:00Z")))
                .isEqualByComparingTo("30.000003");
        assertThat(BudgetForecast.endOfPeriodUsd(7_500_000, START, END, END.plusSeconds(5))).isEqualByComparingTo("7.5");
    }

    @Test
    void saysNothingInTheFirstHour() {
        assertThat(BudgetForecast.endOfPeriodUsd(1_000_000, START, END, START.plusSeconds(600))).isNull();
    }
}
