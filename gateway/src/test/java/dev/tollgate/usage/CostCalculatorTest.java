package dev.tollgate.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.TollgateConfig;
import dev.tollgate.provider.TokenUsage;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class CostCalculatorTest {

    private final TollgateConfig.Price price = new TollgateConfig.Price(
            new BigDecimal("0.15"), new BigDecimal("0.075"), new BigDecimal("0.15"), new BigDecimal("0.60"), "v1");

    /** Claude Sonnet 4's list price: cache writes 1.25x input, cache reads 0.1x. */
    private final TollgateConfig.Price sonnet = new TollgateConfig.Price(
            new BigDecimal("3.00"), new BigDecimal("0.30"), new BigDecimal("3.75"), new BigDecimal("15.00"), "catalog-test");

    @Test
    void pricesEachTokenTypeExactly() {
        // 1000 uncached input × 0.15 + 200 cached × 0.075 + 500 output × 0.60, per 1M tokens
        BigDecimal cost = CostCalculator.cost(price, new TokenUsage(1200, 500, 200, false));
        assertThat(cost).isEqualByComparingTo(new BigDecimal("0.000465"));
        assertThat(cost.scale()).isEqualTo(CostCalculator.SCALE);
    }

    @Test
    void aSingleTokenIsNotRoundedAway() {
        assertThat(CostCalculator.cost(price, new TokenUsage(1, 0, 0, false))).isEqualByComparingTo("0.00000015");
    }

    @Test
    void unknownPriceIsNullNotZero() {
        assertThat(CostCalculator.cost(null, new TokenUsage(10, 10, 0, false))).isNull();
    }

    @Test
    void cachedNeverExceedsInput() {
        assertThat(CostCalculator.cost(price, new TokenUsage(100, 0, 500, false)))
                .isEqualByComparingTo(new BigDecimal("0.0000075"));
    }

    @Test
    void cacheWritesAndReadsEachHaveTheirOwnPrice() {
        // prompt 10,000 = 1,000 plain + 6,000 cache writes + 3,000 cache reads; 200 output:
        // 1,000 × 3.00 + 6,000 × 3.75 + 3,000 × 0.30 + 200 × 15.00 = 3,000 + 22,500 + 900 + 3,000 = 29,400 µ$/1M
        BigDecimal cost = CostCalculator.cost(sonnet, new TokenUsage(10_000, 200, 3_000, 6_000, false));
        assertThat(cost).isEqualByComparingTo(new BigDecimal("0.0294"));
    }

    @Test
    void cacheWritesAreNotAlsoPricedAsPlainInput() {
        // All of the prompt written to the cache: only the write price, never input + write.
        assertThat(CostCalculator.cost(sonnet, new TokenUsage(1_000_000, 0, 0, 1_000_000, false)))
                .isEqualByComparingTo("3.75");
        assertThat(new TokenUsage(1_000_000, 0, 0, 1_000_000, false).plainInputTokens()).isZero();
    }

    @Test
    void cacheWritesNeverExceedWhatTheReadsLeave() {
        // 100 input of which 80 reads: at most 20 can be writes, whatever the provider reported.
        assertThat(CostCalculator.cost(sonnet, new TokenUsage(100, 0, 80, 500, false)))
                .isEqualByComparingTo(new BigDecimal("0.000099")); // 80 × 0.30 + 20 × 3.75 = 24 + 75
    }

    @Test
    void withoutCacheWritesTheFormulaIsUnchanged() {
        // 1,000 plain × 3.00 + 200 reads × 0.30 + 500 output × 15.00
        assertThat(CostCalculator.cost(sonnet, new TokenUsage(1_200, 500, 200, false)))
                .isEqualByComparingTo(new BigDecimal("0.01056"));
    }
}
