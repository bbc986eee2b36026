package dev.tollgate.analytics;

import dev.tollgate.testing.TestPostgres;
import dev.tollgate.usage.R2dbcUsageStore;
import dev.tollgate.usage.UsageEvent;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * What maintaining the rollups costs the usage writer per event: the same batches of 500 events
 * inserted with and without rollup maintenance, alternating, into PostgreSQL and H2. Not part of
 * the suite (no *IT/*Test name): run by bench/rollup-write-cost.sh. The writer is a thread of its
 * own, off the request path, so this is writer time, not request latency.
 */
class RollupWriteCostBenchmark {

    static final int BATCH = 500;
    static final int BATCHES = Integer.getInteger("batches", 20);
    static final int ROUNDS = Integer.getInteger("rounds", 5);

    @Test
    void measure() throws Exception {
        String schema = TestPostgres.SCHEMA + "_rollbench";
        try (Connection c = TestPostgres.connect(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
        Flyway.configure().schemas(schema).defaultSchema(schema).dataSource("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "")
                .locations("classpath:db/migration/postgresql").load().migrate();
        String h2 = "mem:rollbench_" + ProcessHandle.current().pid() + ";DB_CLOSE_DELAY=-1";
        Flyway.configure().dataSource("jdbc:h2:" + h2, "sa", "").locations("classpath:db/migration/h2").load().migrate();
        ConnectionFactory pg = ConnectionFactories.get("r2dbc:postgresql://postgres@127.0.0.1:5432/test?schema=" + schema);
        ConnectionFactory h2f = new io.r2dbc.h2.H2ConnectionFactory(io.r2dbc.h2.H2ConnectionConfiguration.builder().url(h2)
                .username("sa").password("").build());
        try {
            for (var store : List.of(new Object[] {"PostgreSQL", pg, R2dbcUsageStore.Dialect.POSTGRESQL},
                    new Object[] {"H2", h2f, R2dbcUsageStore.Dialect.H2})) {
                R2dbcUsageStore with = new R2dbcUsageStore((ConnectionFactory) store[1], (R2dbcUsageStore.Dialect) store[2], "with", true);
                R2dbcUsageStore without = new R2dbcUsageStore((ConnectionFactory) store[1], (R2dbcUsageStore.Dialect) store[2], "without", false);
                Random random = new Random(7);
                run(with, random, 3); // warm-up
                run(without, random, 3);
                double[] on = new double[ROUNDS];
                double[] off = new double[ROUNDS];
                for (int r = 0; r < ROUNDS; r++) {
                    off[r] = run(without, random, BATCHES);
                    on[r] = run(with, random, BATCHES);
                }
                Arrays.sort(on);
                Arrays.sort(off);
                System.out.printf("ROLLUP-COST %s: insert %.1f µs/event without rollups, %.1f µs/event with (median of %d rounds of %d events)%n",
                        store[0], off[ROUNDS / 2], on[ROUNDS / 2], ROUNDS, BATCHES * BATCH);
            }
        } finally {
            try (Connection c = TestPostgres.connect(); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    /** µs per event to insert {@code batches} batches of realistic events (a few minutes of traffic of 200 users). */
    static double run(R2dbcUsageStore store, Random random, int batches) {
        long total = 0;
        Instant t = Instant.parse("2026-11-10T10:00:00Z").plusSeconds(random.nextInt(86_400 * 10));
        for (int b = 0; b < batches; b++) {
            List<UsageEvent> batch = new ArrayList<>(BATCH);
            for (int i = 0; i < BATCH; i++) {
                t = t.plusMillis(random.nextInt(20));
                int u = random.nextInt(200);
                batch.add(TestEvents.event(t, "team-" + u % 10, "project-" + u % 20, "key-" + u % 50, "user-" + u, "f-" + u % 6,
                        "model-" + random.nextInt(6), "prov-" + random.nextInt(3), random.nextInt(50) == 0 ? 503 : 200,
                        new BigDecimal(random.nextInt(100_000)).movePointLeft(9), null, null, random.nextInt(3000), random.nextInt(800)));
            }
            long start = System.nanoTime();
            store.insert(batch).block();
            total += System.nanoTime() - start;
        }
        return total / 1000.0 / (batches * (double) BATCH);
    }
}
