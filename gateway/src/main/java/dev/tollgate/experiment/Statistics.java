package dev.tollgate.experiment;

import java.util.Arrays;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * The statistics of an experiment readout, each chosen for the shape of its metric:
 * <ul>
 *   <li>means (cost per call, rating): a t-based 95 % interval and <b>Welch's t-test</b>, which
 *       does not assume equal variances (a cheaper model's costs vary less than a dearer one's);
 *       the mean is what matters for cost, since spend = calls × mean;</li>
 *   <li>latency and time to first token: skewed with long tails, so percentiles with
 *       distribution-free intervals from order statistics, and the rank-based <b>Mann-Whitney U
 *       test</b> (normal approximation with tie correction), which a few outliers cannot swing;</li>
 *   <li>error rate: a <b>Wilson score interval</b> (sound near 0 %, where errors live) and the
 *       <b>two-proportion z-test</b> with pooled variance.</li>
 * </ul>
 * All tests are two-sided at 95 %.
 */
public final class Statistics {

    static final double Z95 = 1.959963984540054;
    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

    private Statistics() {}

    /** A mean and its 95 % interval. */
    public record Mean(int n, double mean, double sd, double low, double high) {}

    /** A proportion and its 95 % Wilson interval. */
    public record Proportion(long count, long n, double value, double low, double high) {}

    /** A percentile and the 95 % interval from order statistics (null bounds when n is too small for one). */
    public record Percentile(double value, Double low, Double high) {}

    /** A two-sided test: its statistic, degrees of freedom where they apply, and p-value. */
    public record Test(String name, double statistic, Double df, double p) {
        public boolean significant() {
            return p < 0.05;
        }
    }

    public static Mean mean(double[] xs) {
        int n = xs.length;
        double mean = Arrays.stream(xs).sum() / n;
        if (n < 2) {
            return new Mean(n, mean, Double.NaN, Double.NaN, Double.NaN);
        }
        double sd = Math.sqrt(variance(xs, mean));
        double half = new TDistribution(null, n - 1).inverseCumulativeProbability(0.975) * sd / Math.sqrt(n);
        return new Mean(n, mean, sd, mean - half, mean + half);
    }

    /** Welch's t-test of equal means; the degrees of freedom by Welch-Satterthwaite. */
    public static Test welch(double[] a, double[] b) {
        double ma = Arrays.stream(a).sum() / a.length;
        double mb = Arrays.stream(b).sum() / b.length;
        double va = variance(a, ma) / a.length;
        double vb = variance(b, mb) / b.length;
        double se = Math.sqrt(va + vb);
        if (se == 0) {
            return new Test("welch-t", 0, null, ma == mb ? 1 : 0);
        }
        double t = (mb - ma) / se;
        double df = (va + vb) * (va + vb) / (va * va / (a.length - 1) + vb * vb / (b.length - 1));
        double p = 2 * new TDistribution(null, df).cumulativeProbability(-Math.abs(t));
        return new Test("welch-t", t, df, p);
    }

    public static Proportion wilson(long count, long n) {
        double p = (double) count / n;
        double z2 = Z95 * Z95;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = Z95 * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1 + z2 / n);
        return new Proportion(count, n, p, Math.max(0, centre - half), Math.min(1, centre + half));
    }

    /** Two-proportion z-test with the pooled proportion. */
    public static Test twoProportions(long countA, long nA, long countB, long nB) {
        double pooled = (double) (countA + countB) / (nA + nB);
        double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / nA + 1.0 / nB));
        double diff = (double) countB / nB - (double) countA / nA;
        if (se == 0) {
            return new Test("two-proportion-z", 0, null, 1);
        }
        double z = diff / se;
        return new Test("two-proportion-z", z, null, 2 * NORMAL.cumulativeProbability(-Math.abs(z)));
    }

    /**
     * Nearest-rank percentile of sorted values, with the 95 % interval between the order statistics
     * at ranks n·q ∓ 1.96·√(n·q·(1−q)) (the normal approximation of the binomial count of values
     * below the true percentile).
     */
    public static Percentile percentile(double[] sorted, double q) {
        int n = sorted.length;
        double value = sorted[Math.max(0, Math.min(n - 1, (int) Math.ceil(q * n) - 1))];
        double spread = Z95 * Math.sqrt(n * q * (1 - q));
        int lo = (int) Math.floor(n * q - spread);
        int hi = (int) Math.ceil(n * q + spread);
        if (lo < 1 || hi > n) {
            return new Percentile(value, null, null);
        }
        return new Percentile(value, sorted[lo - 1], sorted[hi - 1]);
    }

    /** Mann-Whitney U test (U of {@code b}); normal approximation with tie correction. */
    public static Test mannWhitney(double[] a, double[] b) {
        int n1 = a.length;
        int n2 = b.length;
        int n = n1 + n2;
        double[][] all = new double[n][];
        for (int i = 0; i < n1; i++) {
            all[i] = new double[] {a[i], 0};
        }
        for (int i = 0; i < n2; i++) {
            all[n1 + i] = new double[] {b[i], 1};
        }
        Arrays.sort(all, (x, y) -> Double.compare(x[0], y[0]));
        double rankSumB = 0;
        double ties = 0;
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && all[j + 1][0] == all[i][0]) {
                j++;
            }
            double rank = (i + j + 2) / 2.0; // ranks are 1-based; tied values share the average
            for (int k = i; k <= j; k++) {
                if (all[k][1] == 1) {
                    rankSumB += rank;
                }
            }
            double t = j - i + 1;
            ties += t * t * t - t;
            i = j + 1;
        }
        double u = rankSumB - n2 * (n2 + 1) / 2.0;
        double mean = n1 * (double) n2 / 2;
        double sd = Math.sqrt(n1 * (double) n2 / 12 * ((n + 1) - ties / ((double) n * (n - 1))));
        if (sd == 0) {
            return new Test("mann-whitney-u", u, null, 1);
        }
        double z = (u - mean) / sd;
        return new Test("mann-whitney-u", u, null, 2 * NORMAL.cumulativeProbability(-Math.abs(z)));
    }

    private static double variance(double[] xs, double mean) {
        double sum = 0;
        for (double x : xs) {
            sum += (x - mean) * (x - mean);
        }
        return sum / (xs.length - 1);
    }
}
