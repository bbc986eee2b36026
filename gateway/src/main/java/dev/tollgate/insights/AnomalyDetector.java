package dev.tollgate.insights;

import dev.tollgate.config.Insights;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Compares the last complete hour with its own history, per team and model (spend) and per provider
 * (error rate, average latency). The history of an hour is the same hour of the day on the previous
 * days of the same kind (weekdays with weekdays, weekends with weekends), up to history-days back:
 * the daily and weekly rhythm of traffic is its baseline, not a flat average. Robust statistics:
 * the median, and 1.4826 × the median absolute deviation as the spread, so one earlier spike does
 * not hide the next. An hour is anomalous when it is more than {@code threshold} spreads above the
 * median and by more than the minimum increase; critical at twice that.
 */
public final class AnomalyDetector {

    static final int MIN_HISTORY = 5;

    private final UsageDigest digest;

    public AnomalyDetector(UsageDigest digest) {
        this.digest = digest;
    }

    /** Anomalies of the hour before the one that contains {@code now}. */
    public Mono<List<Anomaly>> detect(Insights.Anomalies s, Instant now) {
        Instant hour = now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
        Instant from = hour.minus(Duration.ofDays(s.historyDays()));
        Instant to = hour.plus(Duration.ofHours(1));
        return Flux.concat(
                        digest.hourly("team", from, to).map(rows -> spend("team", rows, hour, s)),
                        digest.hourly("model", from, to).map(rows -> spend("model", rows, hour, s)),
                        digest.hourly("provider", from, to).map(rows -> provider(rows, hour, s)))
                .flatMapIterable(l -> l).collectList();
    }

    private static List<Anomaly> spend(String dimension, List<UsageDigest.Hour> rows, Instant hour, Insights.Anomalies s) {
        List<Anomaly> out = new ArrayList<>();
        Map<String, Map<Instant, UsageDigest.Hour>> bySubject = index(rows);
        for (var e : bySubject.entrySet()) {
            UsageDigest.Hour now = e.getValue().get(hour);
            if (now == null) {
                continue;
            }
            List<Double> history = new ArrayList<>();
            for (Instant h : comparableHours(hour, s.historyDays())) {
                UsageDigest.Hour past = e.getValue().get(h);
                // An hour without calls spent nothing: part of the rhythm, not missing data.
                history.add(past == null ? 0 : past.costUsd().doubleValue());
            }
            double value = now.costUsd().doubleValue();
            Stats st = Stats.of(history, Math.max(0.05 * median(history), 0.000001));
            if (st == null || value - st.median() < s.minSpendIncreaseUsd().doubleValue()) {
                continue;
            }
            double deviations = (value - st.median()) / st.spread();
            if (deviations > s.threshold()) {
                String subject = dimension + "=" + e.getKey();
                out.add(new Anomaly("spend_anomaly", subject, hour, now.costUsd(), usd(st.median()), round(deviations),
                        deviations > 2 * s.threshold() ? "critical" : "warning",
                        String.format(Locale.ROOT, "Spend of %s in the hour from %s: $%s, against a usual $%s for that hour "
                                + "(median of %d comparable hours; %.1f robust deviations above).", subject, hour,
                                now.costUsd().setScale(2, RoundingMode.HALF_UP).toPlainString(), usd(st.median()).setScale(2, RoundingMode.HALF_UP).toPlainString(),
                                history.size(), deviations)));
            }
        }
        return out;
    }

    private static List<Anomaly> provider(List<UsageDigest.Hour> rows, Instant hour, Insights.Anomalies s) {
        List<Anomaly> out = new ArrayList<>();
        for (var e : index(rows).entrySet()) {
            UsageDigest.Hour now = e.getValue().get(hour);
            if (now == null || now.calls() < s.minCalls()) {
                continue;
            }
            List<Double> rates = new ArrayList<>();
            List<Double> latencies = new ArrayList<>();
            for (Instant h : comparableHours(hour, s.historyDays())) {
                UsageDigest.Hour past = e.getValue().get(h);
                if (past != null && past.calls() >= s.minCalls()) {
                    rates.add((double) past.errors() / past.calls());
                    latencies.add((double) past.latencyMsSum() / past.calls());
                }
            }
            String subject = "provider=" + e.getKey();
            double rate = (double) now.errors() / now.calls();
            Stats r = Stats.of(rates, 0.01);
            if (r != null && rate - r.median() >= s.minErrorRateIncrease() && (rate - r.median()) / r.spread() > s.threshold()) {
                double dev = (rate - r.median()) / r.spread();
                out.add(new Anomaly("error_rate_anomaly", subject, hour, BigDecimal.valueOf(rate).setScale(4, RoundingMode.HALF_UP),
                        BigDecimal.valueOf(r.median()).setScale(4, RoundingMode.HALF_UP), round(dev),
                        dev > 2 * s.threshold() ? "critical" : "warning",
                        String.format(Locale.ROOT, "Error rate of %s in the hour from %s: %.1f %% of %d calls, against a usual %.1f %%.",
                                subject, hour, rate * 100, now.calls(), r.median() * 100)));
            }
            double latency = (double) now.latencyMsSum() / now.calls();
            Stats l = Stats.of(latencies, Math.max(0.1 * median(latencies), 1));
            if (l != null && latency >= 1.5 * l.median() && (latency - l.median()) / l.spread() > s.threshold()) {
                double dev = (latency - l.median()) / l.spread();
                out.add(new Anomaly("latency_anomaly", subject, hour, BigDecimal.valueOf(Math.round(latency)),
                        BigDecimal.valueOf(Math.round(l.median())), round(dev), dev > 2 * s.threshold() ? "critical" : "warning",
                        String.format(Locale.ROOT, "Average latency of %s in the hour from %s: %d ms over %d calls, against a usual %d ms.",
                                subject, hour, Math.round(latency), now.calls(), Math.round(l.median()))));
            }
        }
        return out;
    }

    /** The same hour of the day on earlier days of the same kind (weekday or weekend, in UTC). */
    static List<Instant> comparableHours(Instant hour, int days) {
        boolean weekend = weekend(hour);
        List<Instant> out = new ArrayList<>();
        for (int d = 1; d <= days; d++) {
            Instant h = hour.minus(Duration.ofDays(d));
            if (weekend(h) == weekend) {
                out.add(h);
            }
        }
        return out;
    }

    private static boolean weekend(Instant t) {
        DayOfWeek d = t.atZone(ZoneOffset.UTC).getDayOfWeek();
        return d == DayOfWeek.SATURDAY || d == DayOfWeek.SUNDAY;
    }

    private static Map<String, Map<Instant, UsageDigest.Hour>> index(List<UsageDigest.Hour> rows) {
        Map<String, Map<Instant, UsageDigest.Hour>> out = new HashMap<>();
        for (UsageDigest.Hour h : rows) {
            out.computeIfAbsent(h.subject(), k -> new HashMap<>()).put(h.hour(), h);
        }
        return out;
    }

    record Stats(double median, double spread) {

        /** Null with too little history to judge. {@code floor}: the least spread, so a flat history does not make every wobble an anomaly. */
        static Stats of(List<Double> values, double floor) {
            if (values.size() < MIN_HISTORY) {
                return null;
            }
            double m = AnomalyDetector.median(values);
            List<Double> dev = values.stream().map(v -> Math.abs(v - m)).toList();
            return new Stats(m, Math.max(1.4826 * AnomalyDetector.median(dev), floor));
        }
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return 0;
        }
        double[] a = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static BigDecimal usd(double v) {
        return BigDecimal.valueOf(v).setScale(6, RoundingMode.HALF_UP);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

}
