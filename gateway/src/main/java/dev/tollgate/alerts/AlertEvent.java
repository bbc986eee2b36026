package dev.tollgate.alerts;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** A budget crossing one of its alert thresholds, once per budget instance and period. */
public record AlertEvent(
        UUID id,
        Instant createdAt,
        String kind,
        String budget,
        String instance,
        String period,
        int thresholdPercent,
        BigDecimal spentUsd,
        BigDecimal amountUsd,
        boolean hard,
        String message) {}
