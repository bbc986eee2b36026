package dev.tollgate.classify.train;

/**
 * L2-regularised logistic regression fitted by full-batch gradient descent with Adam, from zero
 * weights: no randomness, so the same data gives the same weights bit for bit.
 */
final class LogisticRegression {

    private LogisticRegression() {}

    record Fit(double[] weights, double bias) {
        double score(double[] x) {
            double z = bias;
            for (int j = 0; j < x.length; j++) {
                z += weights[j] * x[j];
            }
            return 1 / (1 + Math.exp(-z));
        }
    }

    static Fit fit(double[][] x, boolean[] y, double l2, int iterations, double learningRate) {
        int n = x.length;
        int d = x[0].length;
        double[] w = new double[d];
        double b = 0;
        double[] m = new double[d + 1];
        double[] v = new double[d + 1];
        double beta1 = 0.9;
        double beta2 = 0.999;
        double[] grad = new double[d + 1];
        for (int it = 1; it <= iterations; it++) {
            java.util.Arrays.fill(grad, 0);
            for (int i = 0; i < n; i++) {
                double z = b;
                double[] xi = x[i];
                for (int j = 0; j < d; j++) {
                    z += w[j] * xi[j];
                }
                double err = 1 / (1 + Math.exp(-z)) - (y[i] ? 1 : 0);
                for (int j = 0; j < d; j++) {
                    grad[j] += err * xi[j];
                }
                grad[d] += err;
            }
            for (int j = 0; j <= d; j++) {
                double g = grad[j] / n + (j < d ? l2 * w[j] : 0);
                m[j] = beta1 * m[j] + (1 - beta1) * g;
                v[j] = beta2 * v[j] + (1 - beta2) * g * g;
                double step = learningRate * (m[j] / (1 - Math.pow(beta1, it))) / (Math.sqrt(v[j] / (1 - Math.pow(beta2, it))) + 1e-8);
                if (j < d) {
                    w[j] -= step;
                } else {
                    b -= step;
                }
            }
        }
        return new Fit(w, b);
    }
}
