package dev.tollgate.analytics;

import dev.tollgate.api.GatewayException;
import dev.tollgate.usage.UsageRollups;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** Query parameters of the cost endpoints, validated into a {@link CostQuery} with messages that say what to send instead. */
public final class ReportParams {

    static final Duration MAX_SPAN = Duration.ofDays(400);
    static final Duration MAX_HOURLY_SPAN = Duration.ofDays(31);

    private ReportParams() {}

    /**
     * @param param the request's query parameters
     * @param teamScope the only team the caller may read, or null
     */
    public static CostQuery costQuery(Function<String, String> param, String teamScope, Instant now) {
        ZoneId zone = zone(param.apply("tz"));
        Instant to = param.apply("to") == null ? now : time("to", param.apply("to"), zone);
        Instant from = param.apply("from") == null
                ? now.atZone(zone).truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1).toInstant()
                : time("from", param.apply("from"), zone);
        if (!from.isBefore(to)) {
            throw GatewayException.invalidRequest("from", "from (" + from + ") must be before to (" + to + ").");
        }
        if (Duration.between(from, to).compareTo(MAX_SPAN) > 0) {
            throw GatewayException.invalidRequest("from", "The span from " + from + " to " + to + " is longer than 400 days; ask for less.");
        }
        CostQuery.Interval interval = interval(param.apply("interval"));
        if (interval == CostQuery.Interval.HOUR && Duration.between(from, to).compareTo(MAX_HOURLY_SPAN) > 0) {
            throw GatewayException.invalidRequest("interval", "interval=hour covers at most 31 days; use interval=day for longer spans.");
        }
        if (interval != null) {
            ZoneOffset odd = RollupPlan.partHourOffset(zone, from, to);
            if (odd != null) {
                throw GatewayException.invalidRequest("tz", "tz=" + zone + " has the offset " + odd + " in this span; buckets follow "
                        + "whole-hour offsets only (the rollups are hourly). Ask without interval, or in a whole-hour zone.");
            }
        }
        List<UsageRollups.Dimension> groupBy = new ArrayList<>();
        String g = param.apply("group_by");
        if (g != null && !g.isBlank()) {
            for (String name : g.split(",")) {
                UsageRollups.Dimension d = dimension("group_by", name.trim());
                if (!groupBy.contains(d)) {
                    groupBy.add(d);
                }
            }
        }
        Map<UsageRollups.Dimension, String> filters = filters(param);
        if (teamScope != null) {
            filters.put(UsageRollups.dimension("team"), teamScope);
        }
        return new CostQuery(from, to, zone, interval, List.copyOf(groupBy), filters);
    }

    /** {@code team=…&model=…}: one value per dimension; an empty value matches calls without it. */
    static Map<UsageRollups.Dimension, String> filters(Function<String, String> param) {
        Map<UsageRollups.Dimension, String> filters = new LinkedHashMap<>();
        for (UsageRollups.Dimension d : UsageRollups.DIMENSIONS) {
            String v = param.apply(d.name());
            if (v != null) {
                filters.put(d, v);
            }
        }
        return filters;
    }

    static UsageRollups.Dimension dimension(String param, String name) {
        UsageRollups.Dimension d = UsageRollups.dimension(name);
        if (d == null) {
            throw GatewayException.invalidRequest(param, param + ": unknown dimension '" + name + "'; expected any of "
                    + String.join(", ", UsageRollups.DIMENSIONS.stream().map(UsageRollups.Dimension::name).toList()) + ".");
        }
        return d;
    }

    static CostQuery.Interval interval(String s) {
        if (s == null || s.isBlank() || s.equals("none")) {
            return null;
        }
        try {
            return CostQuery.Interval.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalidRequest("interval", "interval: expected hour, day or month, was '" + s + "'.");
        }
    }

    static ZoneId zone(String tz) {
        if (tz == null || tz.isBlank()) {
            return ZoneOffset.UTC;
        }
        try {
            return ZoneId.of(tz);
        } catch (DateTimeException e) {
            throw GatewayException.invalidRequest("tz", "tz: unknown time zone '" + tz + "'; use an IANA name such as "
                    + "Europe/Berlin, or an offset such as +02:00.");
        }
    }

    /** An instant ({@code 2026-11-01T00:00:00Z}, with an offset), or a date or local time read in the report's zone. */
    static Instant time(String param, String value, ZoneId zone) {
        try {
            if (value.length() == 10) {
                return LocalDate.parse(value).atStartOfDay(zone).toInstant();
            }
            if (value.endsWith("Z") || value.matches(".*[+-]\\d\\d:\\d\\d$")) {
                return OffsetDateTime.parse(value).toInstant();
            }
            return LocalDateTime.parse(value).atZone(zone).toInstant();
        } catch (DateTimeException e) {
            throw GatewayException.invalidRequest(param, param + ": expected a date (2026-11-01) or a time "
                    + "(2026-11-01T08:00:00Z, 2026-11-01T08:00:00+01:00, or local to tz), was '" + value + "'.");
        }
    }
}
