package dev.tollgate.usage;

import dev.tollgate.config.TollgateConfig;
import dev.tollgate.provider.TokenUsage;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Tokens × price, exactly: prices are USD per one million tokens. The prompt is split into its
 * three disjoint parts, each at its own price: cache reads at {@code cachedInput}, cache writes at
 * {@code cacheWrite}, the rest at {@code input}.
 *
 * <pre>
 * cost = (input − cached − cacheWrite) × input + cached × cachedInput + cacheWrite × cacheWrite + output × output
 * </pre>
 */
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
        // Clamped so that inconsistent counts never price a token twice or a negative number of them.
        long cached = Math.min(usage.cachedInputTokens(), usage.inputTokens());
        long written = Math.min(usage.cacheWriteInputTokens(), usage.inputTokens() - cached);
        long plain = usage.inputTokens() - cached - written;
        BigDecimal total = price.input().multiply(BigDecimal.valueOf(plain))
                .add(price.cachedInput().multiply(BigDecimal.valueOf(cached)))
                .add(price.cacheWrite().multiply(BigDecimal.valueOf(written)))
                .add(price.output().multiply(BigDecimal.valueOf(usage.outputTokens())));
        return total.divide(MILLION, SCALE, RoundingMode.HALF_UP);
    }
}
