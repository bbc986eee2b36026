package dev.tollgate.insights;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

/**
 * One recommendation: its id is {@code kind:subject}, so computing it again updates it in place and
 * a dismissal sticks. {@code evidence} holds the numbers it was derived from.
 */
public record Recommendation(String id, String kind, String subject, String priority, String title, String description,
        Map<String, Object> evidence, long affectedCalls, BigDecimal monthlySavingsUsd, Instant windowStart, Instant windowEnd,
        Instant computedAt, String status, Instant statusChangedAt, String statusChangedBy) {

    public static final String OPEN = "open";
    public static final String DISMISSED = "dismissed";
    public static final String APPLIED = "applied";
}
