package dev.tollgate.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.TollgateConfig;
import dev.tollgate.provider.TokenUsage;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class CostCalculatorTest {

    private final TollgateConfig.Price price = new TollgateConfig.Price(
            new BigDecimal("0.15"), new BigDecimal("0.075"), new BigDecimal("0.60"), "v1");

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
}
