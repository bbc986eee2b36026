package dev.tollgate.classify.train;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * RouteLLM's router measures (routellm/evals/evaluate.py). Route the k highest-scored prompts to
 * the strong model and the rest to the weak one; the accuracy of that mix against the share k/n of
 * strong calls is the curve. PGR at a point is (accuracy − weak) / (strong − weak). CPT(x) is the
 * least share of strong calls whose accuracy reaches a PGR of x (linear between points; RouteLLM
 * uses np.interp). APGR is the area under the curve between the weak and the strong accuracy,
 * normalised, by the trapezoid rule. Here the curve has a point at every 1 % of calls (RouteLLM's
 * default is every 10 %).
 */
record RouterMetrics(double[] shares, double[] accuracy, double weakAccuracy, double strongAccuracy) {

    static final int POINTS = 101;

    static RouterMetrics of(List<RoutingData.Row> rows, double[] scores) {
        int n = rows.size();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -scores[i]));
        double[] shares = new double[POINTS];
        double[] accuracy = new double[POINTS];
        for (int p = 0; p < POINTS; p++) {
            int strong = (int) Math.round(p / 100.0 * n);
            int correct = 0;
            for (int rank = 0; rank < n; rank++) {
                RoutingData.Row r = rows.get(order[rank]);
                correct += (rank < strong ? r.strongCorrect() : r.weakCorrect()) ? 1 : 0;
            }
            shares[p] = strong / (double) n;
            accuracy[p] = correct / (double) n;
        }
        return new RouterMetrics(shares, accuracy, accuracy[0], accuracy[POINTS - 1]);
    }

    /** The mean curve of {@code seeds} random routers (random scores). */
    static RouterMetrics random(List<RoutingData.Row> rows, int seeds) {
        double[] sum = new double[POINTS];
        RouterMetrics last = null;
        for (int s = 0; s < seeds; s++) {
            java.util.Random random = new java.util.Random(s);
            double[] scores = new double[rows.size()];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = random.nextDouble();
            }
            last = of(rows, scores);
            for (int p = 0; p < POINTS; p++) {
                sum[p] += last.accuracy[p] / seeds;
            }
        }
        return new RouterMetrics(last.shares, sum, sum[0], sum[POINTS - 1]);
    }

    double pgr(int point) {
        return (accuracy[point] - weakAccuracy) / (strongAccuracy - weakAccuracy);
    }

    /** Area under the PGR curve over the share of strong calls, 0..1 (random ≈ 0.5). */
    double apgr() {
        double area = 0;
        for (int p = 1; p < POINTS; p++) {
            area += (shares[p] - shares[p - 1]) * (accuracy[p] + accuracy[p - 1]) / 2;
        }
        double span = shares[POINTS - 1] - shares[0];
        return (area - weakAccuracy * span) / ((strongAccuracy - weakAccuracy) * span);
    }

    /** The least share of strong calls that keeps {@code pgr} of the quality gap (0.5 → CPT(50 %)). */
    double cpt(double pgr) {
        double target = weakAccuracy + pgr * (strongAccuracy - weakAccuracy);
        for (int p = 1; p < POINTS; p++) {
            if (accuracy[p] >= target) {
                double a0 = accuracy[p - 1];
                double a1 = accuracy[p];
                double t = a1 == a0 ? 0 : (target - a0) / (a1 - a0);
                return shares[p - 1] + Math.max(0, Math.min(1, t)) * (shares[p] - shares[p - 1]);
            }
        }
        return 1;
    }
}
