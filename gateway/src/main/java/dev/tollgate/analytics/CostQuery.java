package dev.tollgate.analytics;

import dev.tollgate.usage.UsageRollups;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * A cost report asked for: the half-open span {@code [from, to)}, the zone whose hours, days and
 * months the buckets follow, the bucket size ({@code null}: one total per group), the dimensions
 * to group by and the dimension values to keep ({@code ""} matches calls without that dimension).
 */
public record CostQuery(Instant from, Instant to, ZoneId zone, Interval interval, List<UsageRollups.Dimension> groupBy,
        Map<UsageRollups.Dimension, String> filters) {

    public enum Interval { HOUR, DAY, MONTH }
}
