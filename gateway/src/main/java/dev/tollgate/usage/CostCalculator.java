package dev.tollgate.usage;

import dev.tollgate.config.TollgateConfig;
import dev.tollgate.provider.TokenUsage;
import java.math.BigDecimal;
import java.math.RoundingMode;

/** Tokens × price, exactly: prices are USD per one million tokens; cached input has its own price. */
public final class CostCalculator {

    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
    /** Stored with 10 decimals: a micro-dollar has 6, and per-token prices go below it. */
    public static final int SCALE = 10;

    private CostCalculator() {}

    /** Null when the model has no price: the call is allowed, the cost is unknown, not zero. */
    public static BigDecimal cost(TollgateConfig.Price price, TokenUsage usage) {
        if (price == null || usage == null) {
            return null;
        }
        long cached = Math.min(usage.cachedInputTokens(), usage.inputTokens());
        long uncached = usage.inputTokens() - cached;
        BigDecimal total = price.input().multiply(BigDecimal.valueOf(uncached))
                .add(price.cachedInput().multiply(BigDecimal.valueOf(cached)))
                .add(price.output().multiply(BigDecimal.valueOf(usage.outputTokens())));
        return total.divide(MILLION, SCALE, RoundingMode.HALF_UP);
    }
}
