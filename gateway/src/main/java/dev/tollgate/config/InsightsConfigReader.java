package dev.tollgate.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.springframework.boot.convert.DurationStyle;
import tools.jackson.databind.JsonNode;

/**
 * Reads the {@code insights} section of tollgate.yaml; every problem is added to the config's list
 * with its path, like the rest of the file.
 *
 * <pre>
 * insights:
 *   recommendations:
 *     every: 6h
 *     window: 30d
 *     model-downgrade: { premium-input-price: 2.00, max-input-tokens: 500, max-output-tokens: 200, min-calls: 100, to: gpt-4o-mini }
 *     caching: { min-repeats: 10 }
 *     error-waste: { min-error-rate: 0.05, min-calls: 100 }
 *     long-prompts: { min-input-tokens: 2000, min-calls: 50, reduction: 0.30 }
 *   anomalies: { every: 10m, threshold: 6, min-spend-increase: 1.00, min-error-rate-increase: 0.10, min-calls: 20, history-days: 28 }
 * </pre>
 */
final class InsightsConfigReader {

    private final List<String> problems;

    InsightsConfigReader(List<String> problems) {
        this.problems = problems;
    }

    Insights read(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return Insights.DEFAULTS;
        }
        if (!node.isObject()) {
            problems.add("insights: expected { recommendations, anomalies }");
            return Insights.DEFAULTS;
        }
        allowOnly(node, "insights", Set.of("recommendations", "anomalies"));
        return new Insights(recommendations(node.path("recommendations")), anomalies(node.path("anomalies")));
    }

    private Insights.Recommendations recommendations(JsonNode n) {
        Insights.Recommendations d = Insights.Recommendations.DEFAULTS;
        if (n.isMissingNode() || n.isNull()) {
            return d;
        }
        String p = "insights.recommendations";
        allowOnly(n, p, Set.of("enabled", "every", "window", "model-downgrade", "caching", "error-waste", "long-prompts"));
        JsonNode down = n.path("model-downgrade");
        allowOnly(down, p + ".model-downgrade", Set.of("premium-input-price", "max-input-tokens", "max-output-tokens", "min-calls", "to"));
        JsonNode cache = n.path("caching");
        allowOnly(cache, p + ".caching", Set.of("min-repeats"));
        JsonNode err = n.path("error-waste");
        allowOnly(err, p + ".error-waste", Set.of("min-error-rate", "min-calls"));
        JsonNode lng = n.path("long-prompts");
        allowOnly(lng, p + ".long-prompts", Set.of("min-input-tokens", "min-calls", "reduction"));
        return new Insights.Recommendations(
                bool(n, "enabled", p, d.enabled()),
                duration(n, "every", p, d.every()),
                duration(n, "window", p, d.window()),
                decimal(down, "premium-input-price", p + ".model-downgrade", d.premiumInputPrice()),
                count(down, "max-input-tokens", p + ".model-downgrade", d.downgradeMaxInputTokens()),
                count(down, "max-output-tokens", p + ".model-downgrade", d.downgradeMaxOutputTokens()),
                count(down, "min-calls", p + ".model-downgrade", d.downgradeMinCalls()),
                down.path("to").isString() ? down.path("to").asString() : d.downgradeTo(),
                count(cache, "min-repeats", p + ".caching", d.cachingMinRepeats()),
                fraction(err, "min-error-rate", p + ".error-waste", d.errorRate()),
                count(err, "min-calls", p + ".error-waste", d.errorMinCalls()),
                count(lng, "min-input-tokens", p + ".long-prompts", d.longPromptMinInputTokens()),
                count(lng, "min-calls", p + ".long-prompts", d.longPromptMinCalls()),
                BigDecimal.valueOf(fraction(lng, "reduction", p + ".long-prompts", d.promptReduction().doubleValue())));
    }

    private Insights.Anomalies anomalies(JsonNode n) {
        Insights.Anomalies d = Insights.Anomalies.DEFAULTS;
        if (n.isMissingNode() || n.isNull()) {
            return d;
        }
        String p = "insights.anomalies";
        allowOnly(n, p, Set.of("enabled", "every", "threshold", "min-spend-increase", "min-error-rate-increase", "min-calls", "history-days"));
        double threshold = n.path("threshold").isNumber() ? n.path("threshold").asDouble() : d.threshold();
        if (threshold <= 0) {
            problems.add(p + ".threshold: expected a positive number of robust deviations, e.g. 6");
        }
        return new Insights.Anomalies(bool(n, "enabled", p, d.enabled()), duration(n, "every", p, d.every()), threshold,
                decimal(n, "min-spend-increase", p, d.minSpendIncreaseUsd()),
                fraction(n, "min-error-rate-increase", p, d.minErrorRateIncrease()),
                count(n, "min-calls", p, d.minCalls()),
                (int) Math.max(7, count(n, "history-days", p, d.historyDays())));
    }

    private void allowOnly(JsonNode node, String path, Set<String> allowed) {
        if (node.isMissingNode() || node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            problems.add(path + ": expected a mapping");
            return;
        }
        for (String name : node.propertyNames()) {
            if (!allowed.contains(name)) {
                problems.add(path + "." + name + ": unknown setting; expected one of " + String.join(", ", allowed.stream().sorted().toList()));
            }
        }
    }

    private boolean bool(JsonNode n, String field, String path, boolean fallback) {
        JsonNode v = n.path(field);
        if (v.isMissingNode()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            problems.add(path + "." + field + ": expected true or false");
            return fallback;
        }
        return v.asBoolean();
    }

    private Duration duration(JsonNode n, String field, String path, Duration fallback) {
        JsonNode v = n.path(field);
        if (v.isMissingNode()) {
            return fallback;
        }
        try {
            Duration d = DurationStyle.detectAndParse(v.asString().trim());
            if (d.isNegative() || d.isZero()) {
                problems.add(path + "." + field + ": expected a positive duration such as 10m, 6h or 30d");
                return fallback;
            }
            return d;
        } catch (IllegalArgumentException e) {
            problems.add(path + "." + field + ": expected a duration such as 10m, 6h or 30d, was '" + v.asString() + "'");
            return fallback;
        }
    }

    private long count(JsonNode n, String field, String path, long fallback) {
        JsonNode v = n.path(field);
        if (v.isMissingNode()) {
            return fallback;
        }
        if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 1) {
            problems.add(path + "." + field + ": expected a whole number ≥ 1");
            return fallback;
        }
        return v.asLong();
    }

    private double fraction(JsonNode n, String field, String path, double fallback) {
        JsonNode v = n.path(field);
        if (v.isMissingNode()) {
            return fallback;
        }
        if (!v.isNumber() || v.asDouble() <= 0 || v.asDouble() >= 1) {
            problems.add(path + "." + field + ": expected a fraction between 0 and 1, e.g. 0.05 for 5 %");
            return fallback;
        }
        return v.asDouble();
    }

    private BigDecimal decimal(JsonNode n, String field, String path, BigDecimal fallback) {
        JsonNode v = n.path(field);
        if (v.isMissingNode()) {
            return fallback;
        }
        if (!v.isNumber() || v.decimalValue().signum() < 0) {
            problems.add(path + "." + field + ": expected a dollar amount ≥ 0");
            return fallback;
        }
        return v.decimalValue();
    }
}
