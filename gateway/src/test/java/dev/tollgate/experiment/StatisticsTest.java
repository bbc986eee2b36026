package dev.tollgate.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tollgate.config.Experiment;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The readout's statistics against values worked out by hand (the formulas in the comments); the
 * p-values were looked up independently (SciPy 1.17: ttest_ind(equal_var=False), norm.sf,
 * mannwhitneyu(method="asymptotic", use_continuity=False)).
 */
class StatisticsTest {

    static final double[] A = {1, 2, 3, 4, 5};
    static final double[] B = {2, 4, 6, 8, 10};

    @Test
    void meanWithAStudentTInterval() {
        // mean 3, s² = 10/4 = 2.5, t(0.975, 4) = 2.776445, half-width 2.776445 · √2.5 / √5 = 1.963243
        Statistics.Mean m = Statistics.mean(A);
        assertThat(m.mean()).isEqualTo(3.0);
        assertThat(m.sd()).isCloseTo(Math.sqrt(2.5), within(1e-12));
        assertThat(m.low()).isCloseTo(1.036757, within(1e-6));
        assertThat(m.high()).isCloseTo(4.963243, within(1e-6));
    }

    @Test
    void welchTTest() {
        // se² = 2.5/5 + 10/5 = 2.5; t = (6 − 3)/√2.5 = 1.897367; df = 2.5² / (0.5²/4 + 2²/4) = 6.25/1.0625 = 5.882353
        Statistics.Test t = Statistics.welch(A, B);
        assertThat(t.statistic()).isCloseTo(1.897367, within(1e-6));
        assertThat(t.df()).isCloseTo(5.882353, within(1e-6));
        assertThat(t.p()).isCloseTo(0.107531, within(1e-6));
        assertThat(t.significant()).isFalse();
    }

    @Test
    void wilsonIntervalAndTwoProportionZTest() {
        // 10 errors in 100: centre (0.1 + z²/200)/(1 + z²/100), half z·√(0.1·0.9/100 + z²/40000)/(1 + z²/100)
        Statistics.Proportion p = Statistics.wilson(10, 100);
        assertThat(p.value()).isEqualTo(0.1);
        assertThat(p.low()).isCloseTo(0.055229, within(1e-6));
        assertThat(p.high()).isCloseTo(0.174366, within(1e-6));
        // 10/100 against 20/100: pooled 0.15, se = √(0.15 · 0.85 · (1/100 + 1/100)) = 0.0504975, z = 0.1/se = 1.980295
        Statistics.Test z = Statistics.twoProportions(10, 100, 20, 100);
        assertThat(z.statistic()).isCloseTo(1.980295, within(1e-6));
        assertThat(z.p()).isCloseTo(0.047670, within(1e-6));
        assertThat(z.significant()).isTrue();
    }

    @Test
    void mannWhitneyWithoutAndWithTies() {
        // U of y = pairs with y > x: 3 + 4 + 5 + 6 + 6 + 6 + 6 = 36; mean 6·7/2 = 21; sd √(6·7·14/12) = 7; z = 15/7
        Statistics.Test u = Statistics.mannWhitney(new double[] {10, 20, 30, 40, 50, 60}, new double[] {35, 45, 55, 65, 75, 85, 95});
        assertThat(u.statistic()).isEqualTo(36.0);
        assertThat(u.p()).isCloseTo(0.032125, within(1e-6));
        // Ties share the average rank: ranks 1, 3, 3, 3 | 3, 5.5, 7.5, 7.5, 9 → U = 32.5 − 15 = 17.5;
        // tie correction Σ(t³ − t) = 24 + 6 + 6 = 36
        Statistics.Test tied = Statistics.mannWhitney(new double[] {1, 2, 2, 3}, new double[] {2, 3, 4, 4, 5});
        assertThat(tied.statistic()).isEqualTo(17.5);
        assertThat(tied.p()).isCloseTo(0.059451, within(1e-6));
    }

    @Test
    void percentilesWithOrderStatisticIntervals() {
        double[] sorted = IntStream.rangeClosed(1, 100).asDoubleStream().toArray();
        // p50: ranks 50 ∓ 1.96·√25 = 40.2 .. 59.8 → the 40th and 60th values
        Statistics.Percentile p50 = Statistics.percentile(sorted, 0.5);
        assertThat(p50.value()).isEqualTo(50.0);
        assertThat(p50.low()).isEqualTo(40.0);
        assertThat(p50.high()).isEqualTo(60.0);
        // p95: ranks 95 ∓ 1.96·√4.75 = 90.7 .. 99.3 → the 90th and 100th
        Statistics.Percentile p95 = Statistics.percentile(sorted, 0.95);
        assertThat(p95.value()).isEqualTo(95.0);
        assertThat(p95.low()).isEqualTo(90.0);
        assertThat(p95.high()).isEqualTo(100.0);
        assertThat(Statistics.percentile(new double[] {1, 2, 3}, 0.95).low()).as("too few for an interval").isNull();
    }

    @Test
    void readoutPutsTheNumbersTogetherPerVariantAndSaysWhenThereIsNotEnoughData() {
        Experiment e = new Experiment("exp", "m", Experiment.Unit.USER, List.of(
                new Experiment.Variant("control", 50, null, null), new Experiment.Variant("cheap", 50, "m-cheap", null)),
                null, null, null, null, 5);
        List<ExperimentStore.Observation> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            calls.add(new ExperimentStore.Observation("control", BigDecimal.valueOf((long) A[i]), 100 + i, null, i == 0 ? 502 : 200,
                    i < 2 ? BigDecimal.ONE : null));
            calls.add(new ExperimentStore.Observation("cheap", BigDecimal.valueOf((long) B[i]), 200 + i, null, 200, null));
        }
        calls.add(new ExperimentStore.Observation("gone", BigDecimal.TEN, 1, null, 200, null));
        JsonNode out = Readout.of(e, calls);
        JsonNode control = out.get("variants").get(0);
        JsonNode cheap = out.get("variants").get(1);
        assertThat(control.get("calls").asInt()).isEqualTo(5);
        assertThat(control.get("cost_per_call_usd").get("mean").decimalValue()).isEqualByComparingTo("3");
        assertThat(control.get("cost_per_call_usd").get("ci95").get(0).asDouble()).isCloseTo(1.036757, within(1e-5));
        assertThat(control.get("latency_ms").get("p50").asDouble()).isEqualTo(102.0);
        assertThat(control.get("error_rate").get("value").asDouble()).isEqualTo(0.2);
        assertThat(control.get("rating").get("n").asInt()).isEqualTo(2);
        assertThat(cheap.get("model").asString()).isEqualTo("m-cheap");
        JsonNode vs = cheap.get("vs_baseline");
        assertThat(vs.get("cost_per_call_usd").get("test").asString()).isEqualTo("welch-t");
        assertThat(vs.get("cost_per_call_usd").get("p_value").asDouble()).isCloseTo(0.107531, within(1e-6));
        assertThat(vs.get("latency_ms").get("test").asString()).isEqualTo("mann-whitney-u");
        assertThat(vs.get("latency_ms").get("statistic").asDouble()).as("every cheap latency above every control one").isEqualTo(25.0);
        assertThat(vs.get("error_rate").get("test").asString()).isEqualTo("two-proportion-z");
        assertThat(vs.get("rating").asString()).isEqualTo(Readout.NOT_ENOUGH);
        assertThat(vs.get("ttft_ms").asString()).isEqualTo(Readout.NOT_ENOUGH);
    }
}
