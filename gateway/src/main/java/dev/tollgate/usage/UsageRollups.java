package dev.tollgate.usage;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What the hourly and daily rollups hold: the dimensions a cost report can group or filter by, and
 * the measures summed over them. Each measure is defined twice, side by side: over a
 * {@link UsageEvent} (how the writer adds a batch to the rollups) and as SQL over
 * {@code usage_events} (how a report reads a span no rollup covers, and how tests check that the
 * rollups equal a full scan). Adding a measure is one line here plus its column in a migration;
 * the API, CSV and savings report pick it up by name.
 */
public final class UsageRollups {

    /** A dimension: its name in the API, its rollup column, and its value in an event and in SQL. */
    public record Dimension(String name, String column, Function<UsageEvent, String> value, String rawSql) {}

    /** A summed measure: money ({@code BigDecimal}, exact) or a count ({@code long}). */
    public record Measure(String column, boolean money, Function<UsageEvent, BigDecimal> value, String rawSql) {}

    public static final List<Dimension> DIMENSIONS = List.of(
            new Dimension("team", "team", UsageEvent::team, "COALESCE(team, '')"),
            new Dimension("project", "project", UsageEvent::project, "COALESCE(project, '')"),
            new Dimension("key", "key_name", UsageEvent::keyName, "COALESCE(key_name, '')"),
            new Dimension("user", "end_user", UsageEvent::endUser, "COALESCE(end_user, '')"),
            new Dimension("feature", "feature", UsageEvent::feature, "COALESCE(feature, '')"),
            new Dimension("model", "model", e -> e.model() != null ? e.model() : e.requestedModel(),
                    "COALESCE(model, requested_model, '')"),
            new Dimension("provider", "provider", UsageEvent::provider, "COALESCE(provider, '')"));

    /**
     * A rollup table: per UTC hour or day, over some dimensions. End users are the one dimension
     * with thousands of values: a rollup that carries them is nearly as long as the events (6.5 M
     * hourly rows for 10 M events in bench/cost-analytics.sh), so each bucket size also has a
     * coarse rollup without key and user, read by every report that neither groups nor filters by them.
     */
    public record Rollup(String table, ChronoUnit unit, List<Dimension> dimensions) {}

    public static final List<Measure> MEASURES = List.of(
            count("calls", e -> true, "1"),
            count("error_calls", UsageRollups::failed, "CASE WHEN status >= 400 THEN 1 ELSE 0 END"),
            count("cache_hits", UsageRollups::cacheHit, "CASE WHEN cache_outcome IN ('hit', 'semantic-hit') THEN 1 ELSE 0 END"),
            count("unknown_cost_calls", UsageEvent::costUnknown, "CASE WHEN cost_unknown THEN 1 ELSE 0 END"),
            new Measure("input_tokens", false, e -> BigDecimal.valueOf(e.inputTokens()), "input_tokens"),
            new Measure("output_tokens", false, e -> BigDecimal.valueOf(e.outputTokens()), "output_tokens"),
            new Measure("cached_input_tokens", false, e -> BigDecimal.valueOf(e.cachedInputTokens()), "cached_input_tokens"),
            new Measure("latency_ms_sum", false, e -> BigDecimal.valueOf(e.latencyMs()), "latency_ms"),
            new Measure("cost_usd", true, e -> orZero(e.costUsd()), "COALESCE(cost_usd, 0)"),
            new Measure("failed_cost_usd", true, e -> failed(e) ? orZero(e.costUsd()) : BigDecimal.ZERO,
                    "CASE WHEN status >= 400 THEN COALESCE(cost_usd, 0) ELSE 0 END"),
            new Measure("cost_saved_usd", true, e -> orZero(e.costSavedUsd()), "COALESCE(cost_saved_usd, 0)"));

    public static final List<Dimension> COARSE = DIMENSIONS.stream()
            .filter(d -> !d.name().equals("key") && !d.name().equals("user")).toList();

    public static final List<Rollup> ROLLUPS = List.of(
            new Rollup("usage_rollup_hourly", ChronoUnit.HOURS, DIMENSIONS),
            new Rollup("usage_rollup_daily", ChronoUnit.DAYS, DIMENSIONS),
            new Rollup("usage_rollup_hourly_coarse", ChronoUnit.HOURS, COARSE),
            new Rollup("usage_rollup_daily_coarse", ChronoUnit.DAYS, COARSE));

    /** The smallest rollup of {@code unit} that has every dimension of {@code needed}. */
    public static Rollup narrowest(ChronoUnit unit, java.util.Collection<Dimension> needed) {
        return ROLLUPS.stream().filter(r -> r.unit() == unit && r.dimensions().containsAll(needed))
                .min(java.util.Comparator.comparingInt(r -> r.dimensions().size())).orElseThrow();
    }

    private UsageRollups() {}

    public static Dimension dimension(String name) {
        return DIMENSIONS.stream().filter(d -> d.name().equals(name)).findFirst().orElse(null);
    }

    public static boolean hasMeasure(String column) {
        return MEASURES.stream().anyMatch(m -> m.column().equals(column));
    }

    static boolean failed(UsageEvent e) {
        return e.status() >= 400;
    }

    static boolean cacheHit(UsageEvent e) {
        return "hit".equals(e.cacheOutcome()) || "semantic-hit".equals(e.cacheOutcome());
    }

    private static Measure count(String column, java.util.function.Predicate<UsageEvent> when, String rawWhenOne) {
        return new Measure(column, false, e -> when.test(e) ? BigDecimal.ONE : BigDecimal.ZERO, rawWhenOne);
    }

    private static BigDecimal orZero(BigDecimal v) {
        return v == null ? BigDecimal.ZERO : v;
    }

    /** One rollup row: a bucket, the dimension values ('' for none) and the measure sums. */
    public record Row(Instant bucket, String[] dimensions, BigDecimal[] measures) {}

    /**
     * Sums a batch of events into the rows of a rollup (UTC hours or days),
     * sorted by key: every writer then locks rollup rows in the same order, so two replicas
     * writing the same hour cannot deadlock each other.
     */
    public static List<Row> sum(List<UsageEvent> events, Rollup rollup) {
        Map<String, Row> rows = new TreeMap<>();
        for (UsageEvent e : events) {
            Instant start = e.createdAt().truncatedTo(rollup.unit());
            String[] dims = new String[rollup.dimensions().size()];
            StringBuilder key = new StringBuilder(start.toString());
            for (int i = 0; i < dims.length; i++) {
                String v = rollup.dimensions().get(i).value().apply(e);
                dims[i] = v == null ? "" : v;
                key.append('\u0000').append(dims[i]);
            }
            Row row = rows.computeIfAbsent(key.toString(), k -> {
                BigDecimal[] zero = new BigDecimal[MEASURES.size()];
                Arrays.fill(zero, BigDecimal.ZERO);
                return new Row(start, dims, zero);
            });
            for (int i = 0; i < MEASURES.size(); i++) {
                row.measures()[i] = row.measures()[i].add(MEASURES.get(i).value().apply(e));
            }
        }
        return new ArrayList<>(rows.values());
    }
}
