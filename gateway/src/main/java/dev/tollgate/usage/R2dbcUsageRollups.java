package dev.tollgate.usage;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Statement;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Keeps the rollups ({@link UsageRollups#ROLLUPS}) equal to the sums of the events, inside the
 * transaction that inserts them: a batch is summed in memory ({@link UsageRollups#sum}) and each
 * rollup gets one upsert statement that adds the sums to the existing rows. Events that are
 * already stored (a replayed spool batch) are left out first, so a replay never counts twice.
 */
public class R2dbcUsageRollups {

    /** Rows per upsert statement: 19 parameters each stays far below PostgreSQL's 65,535. */
    private static final int ROWS_PER_STATEMENT = 1000;

    private final R2dbcUsageStore.Dialect dialect;

    public R2dbcUsageRollups(R2dbcUsageStore.Dialect dialect) {
        this.dialect = dialect;
    }

    /** The events of {@code batch} that are not stored yet. */
    public Mono<List<UsageEvent>> unseen(Connection c, List<UsageEvent> batch) {
        Instant min = batch.get(0).createdAt();
        Instant max = min;
        for (UsageEvent e : batch) {
            min = e.createdAt().isBefore(min) ? e.createdAt() : min;
            max = e.createdAt().isAfter(max) ? e.createdAt() : max;
        }
        StringBuilder sql = new StringBuilder("SELECT event_id FROM usage_events WHERE created_at >= $1 AND created_at <= $2 AND event_id IN (");
        for (int i = 0; i < batch.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append('$').append(i + 3);
        }
        Statement s = c.createStatement(sql.append(')').toString())
                .bind(0, OffsetDateTime.ofInstant(min, ZoneOffset.UTC))
                .bind(1, OffsetDateTime.ofInstant(max, ZoneOffset.UTC));
        for (int i = 0; i < batch.size(); i++) {
            s.bind(i + 2, batch.get(i).eventId());
        }
        return Flux.from(s.execute()).concatMap(r -> r.map((row, meta) -> row.get("event_id", UUID.class)))
                .collect(Collectors.toCollection(HashSet::new))
                .map(stored -> stored.isEmpty() ? batch : batch.stream().filter(e -> !stored.contains(e.eventId())).toList());
    }

    /** Adds {@code events} (none of them counted before) to every rollup. */
    public Mono<Void> add(Connection c, List<UsageEvent> events) {
        if (events.isEmpty()) {
            return Mono.empty();
        }
        return Flux.fromIterable(UsageRollups.ROLLUPS).concatMap(r -> upsert(c, r, UsageRollups.sum(events, r))).then();
    }

    private Mono<Void> upsert(Connection c, UsageRollups.Rollup rollup, List<UsageRollups.Row> rows) {
        return Flux.range(0, (rows.size() + ROWS_PER_STATEMENT - 1) / ROWS_PER_STATEMENT)
                .concatMap(chunk -> {
                    List<UsageRollups.Row> part = rows.subList(chunk * ROWS_PER_STATEMENT,
                            Math.min(rows.size(), (chunk + 1) * ROWS_PER_STATEMENT));
                    Statement s = c.createStatement(upsertSql(rollup, part.size()));
                    int i = 0;
                    for (UsageRollups.Row row : part) {
                        s.bind(i++, OffsetDateTime.ofInstant(row.bucket(), ZoneOffset.UTC));
                        for (String d : row.dimensions()) {
                            s.bind(i++, d);
                        }
                        for (int m = 0; m < row.measures().length; m++) {
                            BigDecimal v = row.measures()[m];
                            if (UsageRollups.MEASURES.get(m).money()) {
                                s.bind(i++, v);
                            } else {
                                s.bind(i++, v.longValueExact());
                            }
                        }
                    }
                    return Flux.from(s.execute()).concatMap(r -> r.getRowsUpdated()).then();
                })
                .then();
    }

    private static String columns(UsageRollups.Rollup rollup) {
        StringBuilder b = new StringBuilder("bucket_start");
        rollup.dimensions().forEach(d -> b.append(", ").append(d.column()));
        UsageRollups.MEASURES.forEach(m -> b.append(", ").append(m.column()));
        return b.toString();
    }

    private String upsertSql(UsageRollups.Rollup rollup, int rows) {
        String table = rollup.table();
        int dims = rollup.dimensions().size();
        int width = 1 + dims + UsageRollups.MEASURES.size();
        StringBuilder values = new StringBuilder();
        int p = 1;
        for (int r = 0; r < rows; r++) {
            values.append(r == 0 ? "(" : ", (");
            for (int col = 0; col < width; col++) {
                values.append(col == 0 ? "" : ", ").append(cast("$" + p++, col, dims));
            }
            values.append(')');
        }
        String columns = columns(rollup);
        String keys = "bucket_start" + rollup.dimensions().stream().map(d -> ", " + d.column()).collect(Collectors.joining());
        if (dialect == R2dbcUsageStore.Dialect.POSTGRESQL) {
            String set = UsageRollups.MEASURES.stream()
                    .map(m -> m.column() + " = " + table + "." + m.column() + " + EXCLUDED." + m.column())
                    .collect(Collectors.joining(", "));
            return "INSERT INTO " + table + " (" + columns + ") VALUES " + values + " ON CONFLICT (" + keys + ") DO UPDATE SET " + set;
        }
        String on = "t.bucket_start = s.bucket_start" + rollup.dimensions().stream()
                .map(d -> " AND t." + d.column() + " = s." + d.column()).collect(Collectors.joining());
        String set = UsageRollups.MEASURES.stream().map(m -> m.column() + " = t." + m.column() + " + s." + m.column())
                .collect(Collectors.joining(", "));
        String insert = columns.replaceAll("(\\w+)", "s.$1");
        return "MERGE INTO " + table + " t USING (VALUES " + values + ") AS s(" + columns + ") ON " + on
                + " WHEN MATCHED THEN UPDATE SET " + set + " WHEN NOT MATCHED THEN INSERT (" + columns + ") VALUES (" + insert + ")";
    }

    /** H2 types a VALUES list by its first row; the casts keep long strings and decimals intact. */
    private String cast(String param, int col, int dims) {
        if (dialect == R2dbcUsageStore.Dialect.POSTGRESQL) {
            return param;
        }
        if (col == 0) {
            return "CAST(" + param + " AS TIMESTAMP WITH TIME ZONE)";
        }
        if (col <= dims) {
            return "CAST(" + param + " AS VARCHAR(256))";
        }
        return UsageRollups.MEASURES.get(col - dims - 1).money()
                ? "CAST(" + param + " AS NUMERIC(24, 10))" : "CAST(" + param + " AS BIGINT)";
    }
}
