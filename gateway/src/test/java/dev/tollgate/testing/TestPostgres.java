package dev.tollgate.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The real local PostgreSQL, with a schema of Tollgate's tests that is dropped once per test run. */
public final class TestPostgres {

    public static final String HOST = "127.0.0.1";
    public static final int PORT = 5432;
    public static final String DATABASE = "test";
    /**
     * One schema per test JVM: test runs of several checkouts on one machine (or a developer's run
     * next to CI) must not drop each other's tables. Dropped again when the JVM exits.
     */
    public static final String SCHEMA = "tollgate_it_" + ProcessHandle.current().pid();
    public static final String USER = "postgres";
    private static boolean fresh;

    private TestPostgres() {}

    public static String usageUrl() {
        return "postgresql://" + HOST + ":" + PORT + "/" + DATABASE;
    }

    /** Drops the tests' schema the first time it is asked for in this JVM, so every run starts clean. */
    public static synchronized String freshSchema() {
        if (!fresh) {
            dropSchema();
            fresh = true;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    dropSchema();
                } catch (RuntimeException e) {
                    // the database may be gone already; the next run of this pid drops it
                }
            }, "drop-test-schema"));
        }
        return SCHEMA;
    }

    private static void dropSchema() {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL must run on " + HOST + ":" + PORT + " (see README)", e);
        }
    }

    public static Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + HOST + ":" + PORT + "/" + DATABASE + "?currentSchema=" + SCHEMA, USER, "");
    }

    public static List<Map<String, Object>> query(String sql, Object... args) {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData meta = rs.getMetaData();
                List<Map<String, Object>> rows = new ArrayList<>();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        row.put(meta.getColumnName(i), rs.getObject(i));
                    }
                    rows.add(row);
                }
                return rows;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits for the asynchronous usage writer to have stored the event of {@code requestId}. */
    public static Map<String, Object> usageEvent(String requestId) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            List<Map<String, Object>> rows = query("SELECT * FROM usage_events WHERE request_id = ?", requestId);
            if (rows.size() > 1) {
                throw new AssertionError("more than one usage event for " + requestId + ": " + rows);
            }
            if (rows.size() == 1) {
                return rows.get(0);
            }
            sleep(50);
        }
        throw new AssertionError("no usage event for request " + requestId + " within 10 s");
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
