package dev.tollgate.experiment;

import dev.tollgate.config.Experiment;
import dev.tollgate.support.Json;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An experiment's readout from its recorded calls: per variant the calls, cost per call, latency
 * p50/p95, time to first token (streams), error rate (status 5xx: what the variant's providers or
 * routing failed, not the client's own mistakes or limits) and rating, each with a 95 % interval;
 * and each variant after the first compared with the first (the baseline) by the test that fits
 * the metric (see {@link Statistics}). A comparison is only made when both variants have at least
 * {@code min-calls} observations of that metric; below, it says "not enough data yet".
 */
public final class Readout {

    static final String NOT_ENOUGH = "not enough data yet";

    private Readout() {}

    /** The observations of one variant, split by metric. */
    record Sample(int calls, double[] costs, BigDecimal costSum, double[] latencies, double[] ttfts, long errors, double[] ratings) {

        static Sample of(List<ExperimentStore.Observation> calls) {
            List<Double> costs = new ArrayList<>();
            BigDecimal costSum = BigDecimal.ZERO;
            List<Double> ttfts = new ArrayList<>();
            List<Double> ratings = new ArrayList<>();
            double[] latencies = new double[calls.size()];
            long errors = 0;
            for (int i = 0; i < calls.size(); i++) {
                ExperimentStore.Observation o = calls.get(i);
                if (o.costUsd() != null) {
                    costs.add(o.costUsd().doubleValue());
                    costSum = costSum.add(o.costUsd());
                }
                latencies[i] = o.latencyMs();
                if (o.ttftMs() != null) {
                    ttfts.add(o.ttftMs().doubleValue());
                }
                if (o.status() >= 500) {
                    errors++;
                }
                if (o.rating() != null) {
                    ratings.add(o.rating().doubleValue());
                }
            }
            java.util.Arrays.sort(latencies);
            double[] sortedTtfts = ttfts.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return new Sample(calls.size(), costs.stream().mapToDouble(Double::doubleValue).toArray(), costSum, latencies, sortedTtfts,
                    errors, ratings.stream().mapToDouble(Double::doubleValue).toArray());
        }
    }

    public static ObjectNode of(Experiment experiment, List<ExperimentStore.Observation> observations) {
        Map<String, List<ExperimentStore.Observation>> byVariant = new LinkedHashMap<>();
        experiment.variants().forEach(v -> byVariant.put(v.name(), new ArrayList<>()));
        for (ExperimentStore.Observation o : observations) {
            // A variant removed from the definition since: its calls are not compared.
            List<ExperimentStore.Observation> list = byVariant.get(o.variant());
            if (list != null) {
                list.add(o);
            }
        }
        int min = experiment.minCalls();
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("object", "experiment.readout");
        out.put("experiment", experiment.name());
        out.put("model", experiment.model());
        out.put("unit", experiment.unit().name().toLowerCase(java.util.Locale.ROOT));
        out.put("baseline", experiment.variants().get(0).name());
        out.put("min_calls", min);
        out.put("confidence", 0.95);
        ArrayNode variants = out.putArray("variants");
        Sample baseline = null;
        for (Experiment.Variant v : experiment.variants()) {
            Sample s = Sample.of(byVariant.get(v.name()));
            ObjectNode node = variants.addObject();
            node.put("name", v.name());
            node.put("weight", v.weight());
            node.put("model", v.model() != null ? v.model() : experiment.model());
            if (v.strategy() != null) {
                node.put("strategy", v.strategy().kind().id());
            }
            node.put("calls", s.calls());
            node.put("enough_data", s.calls() >= min);
            metrics(node, s, min);
            if (baseline == null) {
                baseline = s;
            } else {
                node.set("vs_baseline", compare(baseline, s, min));
            }
        }
        return out;
    }

    private static void metrics(ObjectNode node, Sample s, int min) {
        ObjectNode cost = node.putObject("cost_per_call_usd");
        cost.put("n", s.costs().length);
        if (s.costs().length > 0) {
            // The mean itself exactly, from the decimal costs; its interval from the doubles.
            cost.put("mean", s.costSum().divide(BigDecimal.valueOf(s.costs().length), 10, RoundingMode.HALF_EVEN).stripTrailingZeros());
            interval(cost, Statistics.mean(s.costs()));
        }
        percentiles(node.putObject("latency_ms"), s.latencies());
        percentiles(node.putObject("ttft_ms"), s.ttfts());
        ObjectNode errors = node.putObject("error_rate");
        errors.put("errors", s.errors());
        errors.put("n", s.calls());
        if (s.calls() > 0) {
            Statistics.Proportion p = Statistics.wilson(s.errors(), s.calls());
            errors.put("value", round(p.value()));
            errors.putArray("ci95").add(round(p.low())).add(round(p.high()));
        }
        ObjectNode rating = node.putObject("rating");
        rating.put("n", s.ratings().length);
        if (s.ratings().length > 0) {
            Statistics.Mean m = Statistics.mean(s.ratings());
            rating.put("mean", round(m.mean()));
            interval(rating, m);
        }
    }

    private static void interval(ObjectNode node, Statistics.Mean m) {
        if (m.n() >= 2) {
            node.putArray("ci95").add(round(m.low())).add(round(m.high()));
        }
    }

    private static void percentiles(ObjectNode node, double[] sorted) {
        node.put("n", sorted.length);
        if (sorted.length == 0) {
            return;
        }
        for (double q : new double[] {0.5, 0.95}) {
            Statistics.Percentile p = Statistics.percentile(sorted, q);
            String name = q == 0.5 ? "p50" : "p95";
            node.put(name, p.value());
            if (p.low() != null) {
                node.putArray(name + "_ci95").add(p.low()).add(p.high());
            }
        }
    }

    private static ObjectNode compare(Sample base, Sample s, int min) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        test(out, "cost_per_call_usd", base.costs(), s.costs(), min, Statistics::welch);
        test(out, "latency_ms", base.latencies(), s.latencies(), min, Statistics::mannWhitney);
        test(out, "ttft_ms", base.ttfts(), s.ttfts(), min, Statistics::mannWhitney);
        if (base.calls() < min || s.calls() < min) {
            out.put("error_rate", NOT_ENOUGH);
        } else {
            out.set("error_rate", json(Statistics.twoProportions(base.errors(), base.calls(), s.errors(), s.calls())));
        }
        test(out, "rating", base.ratings(), s.ratings(), min, Statistics::welch);
        return out;
    }

    private static void test(ObjectNode out, String metric, double[] base, double[] other, int min,
            java.util.function.BiFunction<double[], double[], Statistics.Test> test) {
        if (base.length < min || other.length < min) {
            out.put(metric, NOT_ENOUGH);
        } else {
            out.set(metric, json(test.apply(base, other)));
        }
    }

    private static ObjectNode json(Statistics.Test t) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("test", t.name());
        o.put("statistic", round(t.statistic()));
        if (t.df() != null) {
            o.put("df", round(t.df()));
        }
        o.put("p_value", round(t.p()));
        o.put("significant", t.significant());
        return o;
    }

    static double round(double x) {
        return Double.isFinite(x) ? BigDecimal.valueOf(x).round(new java.math.MathContext(6)).doubleValue() : x;
    }

}
