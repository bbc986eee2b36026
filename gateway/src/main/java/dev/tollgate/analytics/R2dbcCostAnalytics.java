package dev.tollgate.analytics;

import dev.tollgate.usage.UsageRollups;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Row;
import io.r2dbc.spi.Statement;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Cost reports from the rollups (and the events for partial hours; see {@link RollupPlan}), one
 * grouped query per segment, merged into the zone's buckets in memory: the database returns at
 * most (buckets × groups) rows per segment, never events.
 */
public class R2dbcCostAnalytics implements CostAnalytics {

    /** Columns of {@code GET /admin/v1/usage}, in this order. */
    public static final List<String> EVENT_COLUMNS = List.of("event_id", "request_id", "created_at", "key_name", "team",
            "project", "end_user", "feature", "operation", "api", "requested_model", "model", "provider", "deployment",
            "stream", "input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens", "tokens_estimated",
            "cost_usd", "cost_unknown", "price_version", "latency_ms", "ttft_ms", "status", "error_code", "fallback_path",
            "attempts", "cache_outcome", "cost_saved_usd");

    private final ConnectionFactory connections;

    public R2dbcCostAnalytics(ConnectionFactory connections) {
        this.connections = connections;
    }

    @Override
    public Mono<List<CostRow>> costs(CostQuery q) {
        List<RollupPlan.Segment> segments = RollupPlan.plan(q.from(), q.to(), q.zone(), q.interval());
        Map<List<Object>, CostRow> merged = new HashMap<>();
        return Mono.usingWhen(connections.create(),
                c -> Flux.fromIterable(segments).concatMap(s -> segment(c, q, s)).doOnNext(r -> merge(merged, r)).then(),
                Connection::close)
                .then(Mono.fromSupplier(() -> sorted(merged)));
    }

    private Flux<CostRow> segment(Connection c, CostQuery q, RollupPlan.Segment seg) {
        boolean events = seg.source() == RollupPlan.Source.EVENTS;
        boolean bucketed = q.interval() != null && !events;
        StringBuilder select = new StringBuilder("SELECT ");
        List<String> group = new ArrayList<>();
        if (bucketed) {
            select.append("bucket_start, ");
            group.add("bucket_start");
        }
        for (int i = 0; i < q.groupBy().size(); i++) {
            String expr = events ? q.groupBy().get(i).rawSql() : q.groupBy().get(i).column();
            select.append(expr).append(" AS d").append(i).append(", ");
            group.add(expr);
        }
        for (int i = 0; i < UsageRollups.MEASURES.size(); i++) {
            UsageRollups.Measure m = UsageRollups.MEASURES.get(i);
            select.append(i == 0 ? "" : ", ").append("SUM(").append(events ? m.rawSql() : m.column()).append(") AS m").append(i);
        }
        String time = events ? "created_at" : "bucket_start";
        java.util.Set<UsageRollups.Dimension> needed = new java.util.HashSet<>(q.groupBy());
        needed.addAll(q.filters().keySet());
        String table = switch (seg.source()) {
            case EVENTS -> "usage_events";
            case HOURLY -> UsageRollups.narrowest(ChronoUnit.HOURS, needed).table();
            case DAILY -> UsageRollups.narrowest(ChronoUnit.DAYS, needed).table();
        };
        select.append(" FROM ").append(table).append(" WHERE ").append(time).append(" >= $1 AND ").append(time).append(" < $2");
        List<String> values = new ArrayList<>();
        q.filters().forEach((d, v) -> {
            values.add(v);
            select.append(" AND ").append(events ? d.rawSql() : d.column()).append(" = $").append(values.size() + 2);
        });
        if (!group.isEmpty()) {
            select.append(" GROUP BY ").append(String.join(", ", group));
        }
        Statement s = c.createStatement(select.toString())
                .bind(0, OffsetDateTime.ofInstant(seg.from(), ZoneOffset.UTC))
                .bind(1, OffsetDateTime.ofInstant(seg.to(), ZoneOffset.UTC));
        for (int i = 0; i < values.size(); i++) {
            s.bind(i + 2, values.get(i));
        }
        Instant fixedBucket = seg.from().truncatedTo(ChronoUnit.HOURS);
        return Flux.from(s.execute()).concatMap(r -> r.map((row, meta) -> {
            Instant bucket = bucketed ? row.get("bucket_start", OffsetDateTime.class).toInstant() : fixedBucket;
            List<String> dims = new ArrayList<>(q.groupBy().size());
            for (int i = 0; i < q.groupBy().size(); i++) {
                String v = row.get("d" + i, String.class);
                dims.add(v == null ? "" : v);
            }
            BigDecimal[] measures = new BigDecimal[UsageRollups.MEASURES.size()];
            for (int i = 0; i < measures.length; i++) {
                measures[i] = decimal(row, "m" + i);
            }
            return new CostRow(q.interval() == null ? null : bucket(bucket, q), dims, measures);
        })).filter(r -> r.measures()[0].signum() > 0);
    }

    /** The start of the zone's hour, day or month that contains {@code t}. */
    static ZonedDateTime bucket(Instant t, CostQuery q) {
        ZonedDateTime z = t.atZone(q.zone());
        return switch (q.interval()) {
            case HOUR -> z.truncatedTo(ChronoUnit.HOURS);
            case DAY -> z.truncatedTo(ChronoUnit.DAYS);
            case MONTH -> z.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1);
        };
    }

    private static BigDecimal decimal(Row row, String name) {
        Object v = row.get(name);
        if (v == null) {
            return BigDecimal.ZERO;
        }
        if (v instanceof BigDecimal b) {
            return b;
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short) {
            return BigDecimal.valueOf(((Number) v).longValue());
        }
        return new BigDecimal(v.toString());
    }

    private static void merge(Map<List<Object>, CostRow> merged, CostRow r) {
        List<Object> key = new ArrayList<>(r.dimensions().size() + 1);
        key.add(r.bucket() == null ? "" : r.bucket().toInstant());
        key.addAll(r.dimensions());
        merged.merge(key, r, (a, b) -> {
            BigDecimal[] sum = Arrays.copyOf(a.measures(), a.measures().length);
            for (int i = 0; i < sum.length; i++) {
                sum[i] = sum[i].add(b.measures()[i]);
            }
            return new CostRow(a.bucket(), a.dimensions(), sum);
        });
    }

    private static List<CostRow> sorted(Map<List<Object>, CostRow> merged) {
        int cost = UsageRollups.MEASURES.indexOf(UsageRollups.MEASURES.stream()
                .filter(m -> m.column().equals("cost_usd")).findFirst().orElseThrow());
        Comparator<CostRow> byBucket = Comparator.comparing(r -> r.bucket() == null ? Instant.MIN : r.bucket().toInstant());
        Comparator<CostRow> order = byBucket
                .thenComparing((CostRow r) -> r.measures()[cost], Comparator.reverseOrder())
                .thenComparing(r -> String.join("\u0000", r.dimensions()));
        List<CostRow> rows = new ArrayList<>(merged.values());
        rows.sort(order);
        return rows;
    }

    @Override
    public Mono<List<Map<String, Object>>> events(EventQuery q) {
        StringBuilder sql = new StringBuilder("SELECT ").append(String.join(", ", EVENT_COLUMNS))
                .append(" FROM usage_events WHERE created_at >= $1 AND created_at < $2");
        List<Object> args = new ArrayList<>(List.of(OffsetDateTime.ofInstant(q.from(), ZoneOffset.UTC),
                OffsetDateTime.ofInstant(q.to(), ZoneOffset.UTC)));
        q.filters().forEach((column, value) -> {
            args.add(value);
            sql.append(" AND COALESCE(").append(column).append(", '') = $").append(args.size());
        });
        if (q.failed() != null) {
            sql.append(q.failed() ? " AND status >= 400" : " AND status < 400");
        }
        if (q.after() != null) {
            args.add(OffsetDateTime.ofInstant(q.after().createdAt(), ZoneOffset.UTC));
            int t = args.size();
            args.add(q.after().eventId());
            sql.append(" AND (created_at < $").append(t).append(" OR (created_at = $").append(t)
                    .append(" AND event_id < $").append(t + 1).append("))");
        }
        sql.append(" ORDER BY created_at DESC, event_id DESC LIMIT ").append(q.limit());
        return Flux.usingWhen(connections.create(), c -> {
            Statement s = c.createStatement(sql.toString());
            for (int i = 0; i < args.size(); i++) {
                s.bind(i, args.get(i));
            }
            return Flux.from(s.execute()).concatMap(r -> r.map((row, meta) -> {
                Map<String, Object> out = new LinkedHashMap<>();
                for (String col : EVENT_COLUMNS) {
                    Object v = row.get(col);
                    if (v instanceof OffsetDateTime t) {
                        v = t.toInstant();
                    } else if (v instanceof UUID u) {
                        v = u.toString();
                    }
                    out.put(col, v);
                }
                return out;
            }));
        }, Connection::close).collectList();
    }
}
