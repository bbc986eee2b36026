package dev.tollgate.analytics;

import dev.tollgate.usage.UsageRollups;
import java.math.BigDecimal;
import java.time.ZonedDateTime;
import java.util.List;

/**
 * One line of a cost report: its bucket (null without an interval), the values of the grouped
 * dimensions in {@link CostQuery#groupBy()} order ({@code ""} = none) and the sums of
 * {@link UsageRollups#MEASURES}, in that order.
 */
public record CostRow(ZonedDateTime bucket, List<String> dimensions, BigDecimal[] measures) {

    public BigDecimal measure(String column) {
        for (int i = 0; i < UsageRollups.MEASURES.size(); i++) {
            if (UsageRollups.MEASURES.get(i).column().equals(column)) {
                return measures[i];
            }
        }
        throw new IllegalArgumentException("no measure " + column);
    }
}
