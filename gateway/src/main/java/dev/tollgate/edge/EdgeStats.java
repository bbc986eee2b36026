package dev.tollgate.edge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client connections the server cut off, counted per reason
 * ({@code tollgate.server.connections.dropped}), and logged as one summary line per minute at
 * most: twenty thousand slow clients must not become twenty thousand log lines.
 */
public final class EdgeStats {

    private static final Logger log = LoggerFactory.getLogger(EdgeStats.class);
    static final long LOG_EVERY_NANOS = 60_000_000_000L;

    private final MeterRegistry meters;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> sinceLastLog = new ConcurrentHashMap<>();
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);
    private final AtomicInteger open = new AtomicInteger();

    public EdgeStats(MeterRegistry meters) {
        this.meters = meters;
        Gauge.builder("tollgate.server.connections.open", open, AtomicInteger::get)
                .description("Client connections open on the API port").register(meters);
    }

    AtomicInteger open() {
        return open;
    }

    /** One connection cut off for {@code reason} ({@code header_timeout}, {@code body_timeout}, {@code over_limit}). */
    void dropped(String reason, SocketAddress remote) {
        counters.computeIfAbsent(reason, r -> Counter.builder("tollgate.server.connections.dropped").tag("reason", r)
                .description("Client connections the server closed: too slow, or over the connection limit").register(meters))
                .increment();
        sinceLastLog.computeIfAbsent(reason, r -> new LongAdder()).increment();
        long now = System.nanoTime();
        long last = lastLog.get();
        if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
            StringBuilder counts = new StringBuilder();
            sinceLastLog.forEach((r, n) -> {
                long c = n.sumThenReset();
                if (c > 0) {
                    counts.append(counts.isEmpty() ? "" : ", ").append(r).append(": ").append(c);
                }
            });
            log.warn("Closed client connections since the last report ({}); the latest from {}. "
                    + "Counted in tollgate_server_connections_dropped_total; limits under tollgate.server.*", counts, remote);
        }
    }

    public double droppedCount(String reason) {
        Counter c = counters.get(reason);
        return c == null ? 0 : c.count();
    }
}
