package dev.tollgate.budget;

import dev.tollgate.config.TollgateConfig.Period;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.time.temporal.TemporalAdjusters;

/** Calendar-aligned budget periods in the configured time zone: a day, an ISO week, a month. */
public final class BudgetPeriods {

    /** {@code id} names the period in ledger keys (2026-11, 2026-W48, 2026-11-25). */
    public record Window(String id, Instant start, Instant end) {}

    private BudgetPeriods() {}

    public static Window of(Period period, Instant at, ZoneId zone) {
        LocalDate day = at.atZone(zone).toLocalDate();
        return switch (period) {
            case DAILY -> new Window(day.toString(), start(day, zone), start(day.plusDays(1), zone));
            case WEEKLY -> {
                LocalDate monday = day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
                String id = monday.get(IsoFields.WEEK_BASED_YEAR) + "-W"
                        + String.format("%02d", monday.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
                yield new Window(id, start(monday, zone), start(monday.plusWeeks(1), zone));
            }
            case MONTHLY -> {
                LocalDate first = day.withDayOfMonth(1);
                yield new Window(first.toString().substring(0, 7), start(first, zone), start(first.plusMonths(1), zone));
            }
        };
    }

    private static Instant start(LocalDate day, ZoneId zone) {
        ZonedDateTime z = day.atStartOfDay(zone);
        return z.toInstant();
    }
}
