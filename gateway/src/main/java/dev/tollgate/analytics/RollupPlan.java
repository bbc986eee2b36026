package dev.tollgate.analytics;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Which table answers which part of a report's span. Whole UTC days come from the daily rollup when
 * the buckets are UTC days or months (or there are none); whole hours from the hourly rollup,
 * which serves the days of any zone whose offset is a whole number of hours; the partial hours at
 * the ends of the span from the events themselves. The pieces never overlap, so their sums add up.
 */
public final class RollupPlan {

    public enum Source { DAILY, HOURLY, EVENTS }

    /** {@code [from, to)} read from {@code source}. */
    public record Segment(Source source, Instant from, Instant to) {}

    private RollupPlan() {}

    public static List<Segment> plan(Instant from, Instant to, ZoneId zone, CostQuery.Interval interval) {
        List<Segment> out = new ArrayList<>();
        if (!from.isBefore(to)) {
            return out;
        }
        Instant h0 = ceil(from, ChronoUnit.HOURS);
        Instant h1 = to.truncatedTo(ChronoUnit.HOURS);
        if (!h0.isBefore(h1)) {
            // No whole hour inside: the events, split at the hour boundary so each piece has one hour.
            if (h0.isAfter(from) && h0.isBefore(to)) {
                out.add(new Segment(Source.EVENTS, from, h0));
                out.add(new Segment(Source.EVENTS, h0, to));
            } else {
                out.add(new Segment(Source.EVENTS, from, to));
            }
            return out;
        }
        if (from.isBefore(h0)) {
            out.add(new Segment(Source.EVENTS, from, h0));
        }
        boolean daysServe = interval != CostQuery.Interval.HOUR && utc(zone);
        Instant d0 = ceil(h0, ChronoUnit.DAYS);
        Instant d1 = h1.truncatedTo(ChronoUnit.DAYS);
        if (daysServe && d0.isBefore(d1)) {
            if (h0.isBefore(d0)) {
                out.add(new Segment(Source.HOURLY, h0, d0));
            }
            out.add(new Segment(Source.DAILY, d0, d1));
            if (d1.isBefore(h1)) {
                out.add(new Segment(Source.HOURLY, d1, h1));
            }
        } else {
            out.add(new Segment(Source.HOURLY, h0, h1));
        }
        if (h1.isBefore(to)) {
            out.add(new Segment(Source.EVENTS, h1, to));
        }
        return out;
    }

    /** True when the zone's days are UTC days (offset 0, no daylight saving). */
    static boolean utc(ZoneId zone) {
        return zone.getRules().isFixedOffset() && zone.getRules().getOffset(Instant.EPOCH).equals(ZoneOffset.UTC);
    }

    /**
     * The first offset in {@code [from, to)} that is not a whole number of hours (e.g. +05:30), or
     * null: buckets of hourly rollups cannot be cut at such a zone's midnight.
     */
    public static ZoneOffset partHourOffset(ZoneId zone, Instant from, Instant to) {
        ZoneOffset at = zone.getRules().getOffset(from);
        if (at.getTotalSeconds() % 3600 != 0) {
            return at;
        }
        var next = zone.getRules().nextTransition(from);
        while (next != null && next.getInstant().isBefore(to)) {
            if (next.getOffsetAfter().getTotalSeconds() % 3600 != 0) {
                return next.getOffsetAfter();
            }
            next = zone.getRules().nextTransition(next.getInstant());
        }
        return null;
    }

    private static Instant ceil(Instant t, ChronoUnit unit) {
        Instant down = t.truncatedTo(unit);
        return down.equals(t) ? t : down.plus(Duration.of(1, unit));
    }
}
