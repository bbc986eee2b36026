package dev.tollgate.config;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * The {@code insights} section: recommendations (seed 003 §8, its thresholds as defaults) and
 * anomaly detection. Parsed by {@link InsightsConfigReader}.
 */
public record Insights(Recommendations recommendations, Anomalies anomalies) {

    public static final Insights DEFAULTS = new Insights(Recommendations.DEFAULTS, Anomalies.DEFAULTS);

    /**
     * @param premiumInputPrice a model whose input price (USD per 1M tokens) is at least this is "premium"
     * @param downgradeTo the model suggested instead; null: the cheapest priced model of the config
     * @param errorRate a provider's error rate above which its failed calls are reported
     * @param promptReduction the share of long prompts' input cost that trimming or prompt caching is assumed to save
     */
    public record Recommendations(boolean enabled, Duration every, Duration window,
            BigDecimal premiumInputPrice, long downgradeMaxInputTokens, long downgradeMaxOutputTokens, long downgradeMinCalls,
            String downgradeTo, long cachingMinRepeats, double errorRate, long errorMinCalls,
            long longPromptMinInputTokens, long longPromptMinCalls, BigDecimal promptReduction) {

        public static final Recommendations DEFAULTS = new Recommendations(true, Duration.ofHours(6), Duration.ofDays(30),
                new BigDecimal("2.00"), 500, 200, 100, null, 10, 0.05, 100, 2000, 50, new BigDecimal("0.30"));
    }

    /**
     * @param threshold how many robust standard deviations (1.4826 × MAD) above the median of its history an hour must be
     * @param minSpendIncreaseUsd and by how many dollars at least, so a team going from $0.01 to $0.05 is not paged
     * @param historyDays how far back the history of an hour goes
     */
    public record Anomalies(boolean enabled, Duration every, double threshold, BigDecimal minSpendIncreaseUsd,
            double minErrorRateIncrease, long minCalls, int historyDays) {

        public static final Anomalies DEFAULTS = new Anomalies(true, Duration.ofMinutes(10), 6.0, new BigDecimal("1.00"),
                0.10, 20, 28);
    }
}
