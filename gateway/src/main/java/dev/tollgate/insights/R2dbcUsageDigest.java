package dev.tollgate.insights;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Row;
import io.r2dbc.spi.Statement;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@link UsageDigest} over {@code usage_events} (PostgreSQL or H2: plain SQL both understand). */
public class R2dbcUsageDigest implements UsageDigest {

    private static final String SERVED = " AND status < 400 AND (cache_outcome IS NULL OR cache_outcome NOT IN ('hit', 'semantic-hit'))";
    private static final String TOKENS = "SELECT model, COUNT(*) AS calls, SUM(input_tokens) AS input_tokens, "
            + "SUM(cached_input_tokens) AS cached_input_tokens, SUM(output_tokens) AS output_tokens, "
            + "COALESCE(SUM(cost_usd), 0) AS cost_usd FROM usage_events WHERE created_at >= $1 AND created_at < $2 AND model IS NOT NULL";

    private final ConnectionFactory connections;

    public R2dbcUsageDigest(ConnectionFactory connections) {
        this.connections = connections;
    }

    @Override
    public Mono<List<Tokens>> shortCalls(Instant from, Instant to, long maxInputTokens, long maxOutputTokens) {
        return query(TOKENS + SERVED + " AND input_tokens < $3 AND output_tokens < $4 GROUP BY model",
                List.of(maxInputTokens, maxOutputTokens), from, to, R2dbcUsageDigest::tokens);
    }

    @Override
    public Mono<List<Tokens>> longPrompts(Instant from, Instant to, long minInputTokens) {
        return query(TOKENS + SERVED + " AND input_tokens > $3 GROUP BY model", List.of(minInputTokens), from, to, R2dbcUsageDigest::tokens);
    }

    @Override
    public Mono<List<Repeats>> repeats(Instant from, Instant to, long minRepeats) {
        String sql = "SELECT model, COUNT(*) AS groups, SUM(n) AS calls, SUM(cost) AS cost_usd, "
                + "SUM(cost * (n - 1) / n) AS wasted, MAX(n) AS largest FROM ("
                + "SELECT model, request_hash, COUNT(*) AS n, COALESCE(SUM(cost_usd), 0) AS cost FROM usage_events "
                + "WHERE created_at >= $1 AND created_at < $2 AND request_hash IS NOT NULL AND model IS NOT NULL" + SERVED
                + " GROUP BY model, request_hash HAVING COUNT(*) >= $3) g GROUP BY model";
        return query(sql, List.of(minRepeats), from, to, (row, x) -> new Repeats(row.get("model", String.class),
                number(row, "groups").longValue(), number(row, "calls").longValue(), decimal(row, "cost_usd"),
                decimal(row, "wasted").setScale(10, RoundingMode.HALF_UP), number(row, "largest").longValue()));
    }

    @Override
    public Mono<List<ProviderErrors>> providerErrors(Instant from, Instant to) {
        String totals = "SELECT provider, COUNT(*) AS calls, SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors, "
                + "COALESCE(SUM(CASE WHEN status >= 400 THEN cost_usd END), 0) AS failed_cost FROM usage_events "
                + "WHERE created_at >= $1 AND created_at < $2 AND provider IS NOT NULL GROUP BY provider";
        String codes = "SELECT provider, error_code, COUNT(*) AS n FROM usage_events WHERE created_at >= $1 AND created_at < $2 "
                + "AND provider IS NOT NULL AND status >= 400 GROUP BY provider, error_code";
        record Code(String provider, String code, long n) {}
        return query(codes, List.of(), from, to, (row, x) -> new Code(row.get("provider", String.class),
                        row.get("error_code", String.class), number(row, "n").longValue()))
                .flatMap(codeRows -> {
                    Map<String, Code> top = new HashMap<>();
                    codeRows.forEach(c -> top.merge(c.provider(), c, (a, b) -> a.n() >= b.n() ? a : b));
                    return query(totals, List.of(), from, to, (row, x) -> {
                        String provider = row.get("provider", String.class);
                        Code c = top.get(provider);
                        return new ProviderErrors(provider, number(row, "calls").longValue(), number(row, "errors").longValue(),
                                decimal(row, "failed_cost"), c == null ? null : c.code(), c == null ? 0 : c.n());
                    });
                });
    }

    @Override
    public Mono<List<Hour>> hourly(String dimension, Instant from, Instant to) {
        if (!List.of("team", "model", "provider").contains(dimension)) {
            throw new IllegalArgumentException("dimension " + dimension);
        }
        String sql = "SELECT bucket_start, " + dimension + " AS subject, SUM(calls) AS calls, SUM(error_calls) AS errors, "
                + "SUM(cost_usd) AS cost_usd, SUM(latency_ms_sum) AS latency FROM usage_rollup_hourly "
                + "WHERE bucket_start >= $1 AND bucket_start < $2 AND " + dimension + " <> '' GROUP BY bucket_start, " + dimension;
        return query(sql, List.of(), from, to, (row, x) -> new Hour(row.get("bucket_start", OffsetDateTime.class).toInstant(),
                row.get("subject", String.class), number(row, "calls").longValue(), number(row, "errors").longValue(),
                decimal(row, "cost_usd"), number(row, "latency").longValue()));
    }

    private static Tokens tokens(Row row, Object unused) {
        return new Tokens(row.get("model", String.class), number(row, "calls").longValue(), number(row, "input_tokens").longValue(),
                number(row, "cached_input_tokens").longValue(), number(row, "output_tokens").longValue(), decimal(row, "cost_usd"));
    }

    private <T> Mono<List<T>> query(String sql, List<Object> extra, Instant from, Instant to, BiFunction<Row, Object, T> map) {
        return Flux.usingWhen(connections.create(), c -> {
            Statement s = c.createStatement(sql)
                    .bind(0, OffsetDateTime.ofInstant(from, ZoneOffset.UTC))
                    .bind(1, OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
            for (int i = 0; i < extra.size(); i++) {
                s.bind(i + 2, extra.get(i));
            }
            return Flux.from(s.execute()).concatMap(r -> r.map((row, meta) -> map.apply(row, null)));
        }, Connection::close).collectList().map(ArrayList::new);
    }

    private static Number number(Row row, String name) {
        Object v = row.get(name);
        return v == null ? 0L : (Number) v;
    }

    private static BigDecimal decimal(Row row, String name) {
        Object v = row.get(name);
        return v == null ? BigDecimal.ZERO : v instanceof BigDecimal b ? b : new BigDecimal(v.toString());
    }
}
