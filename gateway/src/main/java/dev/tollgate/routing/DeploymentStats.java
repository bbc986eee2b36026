package dev.tollgate.routing;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Recent attempts of one deployment: outcome and latency of the last {@value #CAPACITY} attempts,
 * of which those within the window count. Recording is lock-free and allocation-free (one
 * counter increment and one array write: the slot's time, latency and outcome are packed into a
 * single long, so a reader never sees half of an entry); the work of a snapshot (sorting for
 * percentiles) is done by whoever asks for it, not on the call path. Outlives config reloads like
 * the circuit breaker.
 */
public final class DeploymentStats {

    static final int CAPACITY = 512;
    /** Seconds are stored relative to this, so they fit 31 bits for decades. */
    private static final long EPOCH_SECONDS = Instant.parse("2025-01-01T00:00:00Z").getEpochSecond();
    private static final long MAX_LATENCY_MS = (1L << 31) - 1;

    private final AtomicLongArray slots = new AtomicLongArray(CAPACITY);
    private final AtomicLong next = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private volatile LastError lastError;

    /**
     * The most recent failed attempt: its label ({@code 503}, {@code first_byte_timeout}, ...) and
     * when. No message: a provider's words about the gateway's credentials can quote the key.
     */
    public record LastError(String code, Instant at) {}

    /**
     * A summary of the attempts within a window.
     *
     * @param requests attempts that finished in the window
     * @param errors of which failed in a way another deployment could avoid (what the breaker counts)
     */
    public record Snapshot(int requests, int errors, Duration window, Long p50Millis, Long p95Millis, Long p99Millis) {
        public double errorRate() {
            return requests == 0 ? 0 : (double) errors / requests;
        }
    }

    /** One finished attempt; {@code error} when it failed for a reason another deployment could avoid. */
    public void record(long latencyNanos, boolean error) {
        record(System.currentTimeMillis(), latencyNanos, error);
    }

    void record(long nowMillis, long latencyNanos, boolean error) {
        long seconds = nowMillis / 1000 - EPOCH_SECONDS;
        long ms = Math.min(MAX_LATENCY_MS, Math.max(0, latencyNanos / 1_000_000));
        long packed = (seconds << 32) | (ms << 1) | (error ? 1 : 0);
        slots.set((int) (next.getAndIncrement() & (CAPACITY - 1)), packed);
    }

    /**
     * Whether a failure counts against the deployment's health: everything but the client's own
     * mistakes (a 4xx other than 408, 409 and 429). A 401 or 403 does count: the gateway's
     * provider credentials are wrong, which no client can fix.
     */
    public static boolean countsAsError(dev.tollgate.provider.UpstreamException e) {
        if (e.kind() != dev.tollgate.provider.UpstreamException.Kind.HTTP_STATUS) {
            return true;
        }
        return e.retryable() || e.status() == 401 || e.status() == 403 || e.status() < 400;
    }

    public void failed(String code) {
        lastError = new LastError(code, Instant.now());
    }

    public LastError lastError() {
        return lastError;
    }

    public Snapshot snapshot(Duration window) {
        return snapshot(System.currentTimeMillis(), window);
    }

    Snapshot snapshot(long nowMillis, Duration window) {
        long oldest = (nowMillis - window.toMillis()) / 1000 - EPOCH_SECONDS;
        long filled = Math.min(next.get(), CAPACITY);
        long[] latencies = new long[(int) filled];
        int n = 0;
        int errors = 0;
        for (int i = 0; i < filled; i++) {
            long packed = slots.get(i);
            if (packed == 0 || (packed >>> 32) < oldest) {
                continue;
            }
            latencies[n++] = (packed >>> 1) & MAX_LATENCY_MS;
            errors += (int) (packed & 1);
        }
        if (n == 0) {
            return new Snapshot(0, 0, window, null, null, null);
        }
        Arrays.sort(latencies, 0, n);
        return new Snapshot(n, errors, window, percentile(latencies, n, 50), percentile(latencies, n, 95),
                percentile(latencies, n, 99));
    }

    /** An attempt started; {@link #ended()} must follow however it ends (least-busy routing counts these). */
    public void started() {
        inFlight.incrementAndGet();
    }

    public void ended() {
        inFlight.decrementAndGet();
    }

    /** Attempts on this deployment running now, on this replica. */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * The median latency of the last {@code lastN} attempts within {@code window}, a failed attempt
     * counting as endlessly slow; null when there was none. Only the most recent attempts count so
     * that a deployment that recovered is seen as fast again after a few calls, not after a whole
     * window of them.
     */
    public Long recentMedianMillis(int lastN, Duration window) {
        return recentMedianMillis(System.currentTimeMillis(), lastN, window);
    }

    Long recentMedianMillis(long nowMillis, int lastN, Duration window) {
        long oldest = (nowMillis - window.toMillis()) / 1000 - EPOCH_SECONDS;
        long end = next.get();
        long start = Math.max(0, end - Math.min(CAPACITY, lastN));
        long[] latencies = new long[(int) (end - start)];
        int n = 0;
        for (long i = end - 1; i >= start; i--) {
            long packed = slots.get((int) (i & (CAPACITY - 1)));
            if (packed == 0 || (packed >>> 32) < oldest) {
                continue;
            }
            latencies[n++] = (packed & 1) == 1 ? Long.MAX_VALUE : (packed >>> 1) & MAX_LATENCY_MS;
        }
        if (n == 0) {
            return null;
        }
        Arrays.sort(latencies, 0, n);
        return latencies[n / 2]; // the upper median: a recovered deployment must win a majority
    }

    /** Nearest-rank percentile of the first {@code n} sorted values. */
    static long percentile(long[] sorted, int n, int p) {
        int rank = (int) Math.ceil(p / 100.0 * n);
        return sorted[Math.max(0, Math.min(n - 1, rank - 1))];
    }
}
