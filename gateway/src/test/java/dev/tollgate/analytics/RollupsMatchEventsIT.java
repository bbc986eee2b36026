package dev.tollgate.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.TestPostgres;
import dev.tollgate.usage.R2dbcUsageStore;
import dev.tollgate.usage.UsageEvent;
import dev.tollgate.usage.UsageRollups;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The rollups the writer maintains equal a full scan of the events, in both stores, also when a
 * batch is replayed; and cost reports (rollups + event edges) equal sums computed here from the
 * generated events themselves, for several groupings, intervals and zones.
 */
class RollupsMatchEventsIT {

    enum Store { H2, POSTGRESQL }

    static final String PG_SCHEMA = TestPostgres.SCHEMA + "_rollups";
    static final String H2_URL = "mem:rollups_" + ProcessHandle.current().pid() + ";DB_CLOSE_DELAY=-1";
    static final Instant START = Instant.parse("2025-06-29T18:17:00Z");
    static List<UsageEvent> events;

    @BeforeAll
    static void generate() throws Exception {
        Random random = new Random(42);
        String[] teams = {"growth", "core", null};
        String[] models = {"gpt-4o", "gpt-4o-mini", "claude-haiku"};
        String[] users = {"u-1", "u-2", null, "u-3"};
        events = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            // 3 days, across midnights and a month end, to the millisecond
            Instant at = START.plusMillis((long) (random.nextDouble() * 3 * 86_400_000L));
            int m = random.nextInt(3);
            boolean hit = random.nextInt(10) == 0;
            int status = random.nextInt(20) == 0 ? 503 : 200;
            BigDecimal cost = random.nextInt(50) == 0 ? null
                    : hit ? BigDecimal.ZERO : new BigDecimal(random.nextInt(5_000_000)).movePointLeft(10).add(new BigDecimal("0.000001"));
            events.add(TestEvents.event(at, teams[random.nextInt(3)], "p" + random.nextInt(2), "k" + random.nextInt(4),
                    users[random.nextInt(4)], random.nextBoolean() ? "chat" : null, models[m], hit ? null : "prov" + m, status, cost,
                    hit ? "hit" : random.nextBoolean() ? "miss" : null, hit ? new BigDecimal("0.0012345678") : null,
                    random.nextInt(3000), random.nextInt(500)));
        }
        try (Connection c = TestPostgres.connect(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + PG_SCHEMA + " CASCADE");
        }
        Flyway.configure().schemas(PG_SCHEMA).defaultSchema(PG_SCHEMA)
                .dataSource("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "")
                .locations("classpath:db/migration/postgresql").load().migrate();
        Flyway.configure().dataSource("jdbc:h2:" + H2_URL, "sa", "").locations("classpath:db/migration/h2").load().migrate();
        for (Store store : Store.values()) {
            R2dbcUsageStore usage = new R2dbcUsageStore(connections(store),
                    store == Store.H2 ? R2dbcUsageStore.Dialect.H2 : R2dbcUsageStore.Dialect.POSTGRESQL, store.name());
            for (int i = 0; i < events.size(); i += 250) {
                usage.insert(events.subList(i, Math.min(events.size(), i + 250))).block();
            }
            // A replayed spool batch (half of it already stored) must not count twice.
            List<UsageEvent> replay = new ArrayList<>(events.subList(100, 400));
            usage.insert(replay).block();
        }
    }

    @AfterAll
    static void dropSchema() throws Exception {
        try (Connection c = TestPostgres.connect(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + PG_SCHEMA + " CASCADE");
        }
    }

    static ConnectionFactory connections(Store store) {
        return store == Store.H2
                ? new io.r2dbc.h2.H2ConnectionFactory(io.r2dbc.h2.H2ConnectionConfiguration.builder().url(H2_URL)
                        .username("sa").password("").build())
                : ConnectionFactories.get("r2dbc:postgresql://postgres@127.0.0.1:5432/test?schema=" + PG_SCHEMA);
    }

    static Connection jdbc(Store store) throws Exception {
        return store == Store.H2 ? DriverManager.getConnection("jdbc:h2:" + H2_URL, "sa", "")
                : DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test?currentSchema=" + PG_SCHEMA, "postgres", "");
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void rollupsEqualAFullScanOfTheEvents(Store store) throws Exception {
        String sums = UsageRollups.MEASURES.stream().map(m -> "SUM(" + m.rawSql() + ")").collect(Collectors.joining(", "));
        String rollupSums = UsageRollups.MEASURES.stream().map(UsageRollups.Measure::column).collect(Collectors.joining(", "));
        for (UsageRollups.Rollup r : UsageRollups.ROLLUPS) {
            String unit = r.unit() == ChronoUnit.HOURS ? "HOUR" : "DAY";
            String dims = r.dimensions().stream().map(UsageRollups.Dimension::rawSql).collect(Collectors.joining(", "));
            String rollupDims = r.dimensions().stream().map(UsageRollups.Dimension::column).collect(Collectors.joining(", "));
            int keys = 1 + r.dimensions().size();
            Map<String, List<BigDecimal>> scan = rows(store, keys, "SELECT DATE_TRUNC('" + unit + "', created_at AT TIME ZONE 'UTC'), "
                    + dims + ", " + sums + " FROM usage_events GROUP BY DATE_TRUNC('" + unit + "', created_at AT TIME ZONE 'UTC'), " + dims);
            Map<String, List<BigDecimal>> rollup = rows(store, keys, "SELECT bucket_start AT TIME ZONE 'UTC', " + rollupDims + ", "
                    + rollupSums + " FROM " + r.table());
            assertThat(rollup).as(store + " " + r.table()).hasSize(scan.size()).isEqualTo(scan);
        }
        try (Connection c = jdbc(store); Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT COUNT(*) FROM usage_events")) {
            r.next();
            assertThat(r.getLong(1)).isEqualTo(events.size());
        }
    }

    /** Rows keyed by their first columns (the bucket and dimensions), values the sums, compared exactly. */
    static Map<String, List<BigDecimal>> rows(Store store, int keys, String sql) throws Exception {
        Map<String, List<BigDecimal>> out = new TreeMap<>();
        try (Connection c = jdbc(store); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            int n = r.getMetaData().getColumnCount();
            while (r.next()) {
                StringBuilder key = new StringBuilder(r.getObject(1).toString());
                for (int i = 2; i <= keys; i++) {
                    key.append('|').append(r.getString(i));
                }
                List<BigDecimal> values = new ArrayList<>();
                for (int i = keys + 1; i <= n; i++) {
                    values.add(r.getBigDecimal(i).stripTrailingZeros());
                }
                out.put(key.toString(), values);
            }
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void reportsEqualSumsOfTheGeneratedEvents(Store store) {
        CostAnalytics analytics = new R2dbcCostAnalytics(connections(store));
        Instant from = Instant.parse("2025-06-29T19:43:12.345Z");
        Instant to = Instant.parse("2025-07-02T11:05:00Z");
        record Case(ZoneId zone, CostQuery.Interval interval, List<String> groupBy, Map<String, String> filters) {}
        List<Case> cases = List.of(
                new Case(ZoneOffset.UTC, CostQuery.Interval.DAY, List.of("team"), Map.of()),
                new Case(ZoneOffset.UTC, null, List.of("model", "provider"), Map.of()),
                new Case(ZoneOffset.UTC, CostQuery.Interval.MONTH, List.of("user"), Map.of("team", "growth")),
                new Case(ZoneId.of("America/Los_Angeles"), CostQuery.Interval.DAY, List.of("team", "model"), Map.of()),
                new Case(ZoneId.of("Asia/Tokyo"), CostQuery.Interval.MONTH, List.of(), Map.of()),
                new Case(ZoneId.of("Europe/Berlin"), CostQuery.Interval.HOUR, List.of("feature"), Map.of("team", "")),
                new Case(ZoneId.of("Europe/Berlin"), CostQuery.Interval.DAY, List.of("key"), Map.of("model", "gpt-4o")),
                new Case(ZoneOffset.UTC, CostQuery.Interval.DAY, List.of("provider"), Map.of("user", "u-2")));
        for (Case c : cases) {
            CostQuery q = new CostQuery(from, to, c.zone(), c.interval(),
                    c.groupBy().stream().map(UsageRollups::dimension).toList(),
                    c.filters().entrySet().stream().collect(Collectors.toMap(e -> UsageRollups.dimension(e.getKey()), Map.Entry::getValue)));
            Map<String, List<BigDecimal>> expected = new TreeMap<>();
            for (UsageEvent e : events) {
                if (e.createdAt().isBefore(from) || !e.createdAt().isBefore(to)) {
                    continue;
                }
                boolean keep = q.filters().entrySet().stream()
                        .allMatch(f -> f.getValue().equals(value(f.getKey(), e)));
                if (!keep) {
                    continue;
                }
                StringBuilder key = new StringBuilder(q.interval() == null ? "-" : R2dbcCostAnalytics.bucket(e.createdAt(), q).toInstant().toString());
                q.groupBy().forEach(d -> key.append('|').append(value(d, e)));
                List<BigDecimal> sums = expected.computeIfAbsent(key.toString(), k -> new ArrayList<>(
                        java.util.Collections.nCopies(UsageRollups.MEASURES.size(), BigDecimal.ZERO)));
                for (int i = 0; i < sums.size(); i++) {
                    sums.set(i, sums.get(i).add(UsageRollups.MEASURES.get(i).value().apply(e)));
                }
            }
            Map<String, List<BigDecimal>> actual = new TreeMap<>();
            for (CostRow r : analytics.costs(q).block()) {
                String key = (q.interval() == null ? "-" : r.bucket().toInstant().toString())
                        + r.dimensions().stream().map(d -> "|" + d).collect(Collectors.joining());
                actual.put(key, java.util.Arrays.stream(r.measures()).map(BigDecimal::stripTrailingZeros).toList());
            }
            expected.replaceAll((k, v) -> v.stream().map(BigDecimal::stripTrailingZeros).toList());
            assertThat(actual).as(store + " " + c).isEqualTo(expected);
            assertThat(actual).as("the case has data").isNotEmpty();
        }
    }

    static String value(UsageRollups.Dimension d, UsageEvent e) {
        String v = d.value().apply(e);
        return v == null ? "" : v;
    }

}
