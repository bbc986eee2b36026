package dev.tollgate.insights;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * An hour that stands out from its own history: {@code kind} spend_anomaly, error_rate_anomaly or
 * latency_anomaly; {@code subject} e.g. {@code team=growth}; the hour's value next to the median of
 * the same hour on comparable days and how far above it is, in robust deviations.
 */
public record Anomaly(String kind, String subject, Instant hour, BigDecimal value, BigDecimal baseline, double deviations,
        String severity, String message) {}
