package dev.tollgate.usage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;

/**
 * The asynchronous, batched, bounded usage writer. Request threads only {@code offer} to a bounded
 * queue; one writer thread (never an event loop) drains it in batches into the {@link UsageStore}.
 * When the store is unreachable, batches go to the {@link UsageSpool} and are replayed once it is
 * back. When the queue is full the event goes to a second bounded queue whose own thread appends it
 * to the spool, many events per append and fsync: a response never waits for the database or the
 * disk, and memory stays bounded however long the store stalls. Only when both queues are full
 * (the disk cannot keep up either) is an event written to the error log instead, in full, so an
 * operator can still recover it.
 */
public class UsageWriter implements UsageSink, InitializingBean, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(UsageWriter.class);
    private static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);
    private static final Duration MAINTENANCE_INTERVAL = Duration.ofHours(6);
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);

    private final UsageStore store;
    private final UsageSpool spool;
    // Lock-free on the producer side: request threads must never wait for the writer's lock.
    private final LinkedTransferQueue<UsageEvent> queue = new LinkedTransferQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final int capacity;
    private final int batchSize;
    private final Duration flushInterval;
    /**
     * Events the full main queue could not take, for the spool. Bounded (it was an executor's
     * unbounded queue, one fsync per event: under a stalled store it grew without limit).
     */
    private final ArrayBlockingQueue<UsageEvent> overflow;
    private Thread overflowThread;
    private final Counter logged;
    private final Counter written;
    private final Counter spooled;
    private final Counter replayed;
    private final Counter overflowed;
    private volatile boolean storeUp = true;
    private volatile boolean running = true;
    private volatile String lastError;
    /** True until the spool was found empty; set again whenever something is spooled. */
    private volatile boolean spoolMayHaveData = true;
    private Thread thread;
    private long nextProbeNanos;
    private long nextMaintenanceNanos;

    public UsageWriter(UsageStore store, UsageSpool spool, int capacity, int batchSize, Duration flushInterval,
            MeterRegistry meters) {
        this.store = store;
        this.spool = spool;
        this.capacity = capacity;
        this.batchSize = batchSize;
        this.flushInterval = flushInterval;
        Gauge.builder("tollgate.usage.queue.depth", queued, AtomicInteger::get)
                .description("Usage events waiting to be written").register(meters);
        this.written = Counter.builder("tollgate.usage.events").tag("outcome", "written").register(meters);
        this.spooled = Counter.builder("tollgate.usage.events").tag("outcome", "spooled").register(meters);
        this.replayed = Counter.builder("tollgate.usage.events").tag("outcome", "replayed").register(meters);
        this.overflowed = Counter.builder("tollgate.usage.events").tag("outcome", "queue_full").register(meters);
        this.logged = Counter.builder("tollgate.usage.events").tag("outcome", "logged_spool_full").register(meters);
        this.overflow = new ArrayBlockingQueue<>(capacity);
        Gauge.builder("tollgate.usage.overflow.depth", overflow, ArrayBlockingQueue::size)
                .description("Usage events waiting to be spooled because the main queue was full").register(meters);
    }

    @Override
    public void record(UsageEvent event) {
        if (queued.incrementAndGet() > capacity) {
            queued.decrementAndGet();
            overflowed.increment();
            if (!overflow.offer(event)) {
                logged.increment();
                log.error("Usage queue and spool queue are full; usage event not stored, recover it from this line: {}", event);
            }
            return;
        }
        queue.offer(event);
    }

    public boolean storeUp() {
        return storeUp;
    }

    public String lastError() {
        return lastError;
    }

    public int queued() {
        return queued.get();
    }

    /** Events waiting for the spool because the main queue was full. */
    public int overflowQueued() {
        return overflow.size();
    }

    @Override
    public void afterPropertiesSet() {
        thread = new Thread(this::run, "tollgate-usage-writer");
        thread.setDaemon(true);
        thread.start();
        overflowThread = daemon(this::spoolOverflow, "tollgate-usage-overflow");
        overflowThread.start();
    }

    /** Spools what overflowed, all that waits in one append (one fsync), until shutdown. */
    private void spoolOverflow() {
        while (running) {
            try {
                UsageEvent first = overflow.poll(flushInterval.toMillis(), TimeUnit.MILLISECONDS);
                if (first != null) {
                    // Everything waiting goes in one append: one fsync however many piled up meanwhile.
                    List<UsageEvent> batch = new ArrayList<>();
                    batch.add(first);
                    overflow.drainTo(batch);
                    spoolBatch(batch);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("Usage overflow spooler failed; continuing", e);
            }
        }
    }

    private void run() {
        List<UsageEvent> batch = new ArrayList<>(batchSize);
        while (running || !queue.isEmpty()) {
            try {
                UsageEvent first = queue.poll(flushInterval.toMillis(), TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, batchSize - 1);
                    queued.addAndGet(-batch.size());
                    write(batch);
                    batch = new ArrayList<>(batchSize);
                }
                housekeeping();
            } catch (InterruptedException e) {
                running = false;
            } catch (RuntimeException e) {
                log.error("Usage writer loop failed; continuing", e);
            }
        }
    }

    private void write(List<UsageEvent> batch) {
        if (!storeUp && System.nanoTime() < nextProbeNanos) {
            spoolBatch(batch);
            return;
        }
        try {
            store.insert(batch).block(WRITE_TIMEOUT);
            written.increment(batch.size());
            if (!storeUp) {
                markUp();
            }
        } catch (RuntimeException e) {
            markDown(e);
            spoolBatch(batch);
        }
    }

    private void housekeeping() {
        long now = System.nanoTime();
        if (!storeUp && now >= nextProbeNanos) {
            try {
                store.ping().block(WRITE_TIMEOUT);
                markUp();
            } catch (RuntimeException e) {
                nextProbeNanos = now + PROBE_INTERVAL.toNanos();
            }
        }
        if (running && storeUp && spoolMayHaveData) {
            spoolMayHaveData = false;
            if (spool.hasData()) {
                replaySpool();
            }
        }
        if (storeUp && now >= nextMaintenanceNanos) {
            try {
                store.maintain().block(WRITE_TIMEOUT);
                nextMaintenanceNanos = now + MAINTENANCE_INTERVAL.toNanos();
            } catch (RuntimeException e) {
                log.warn("Usage store maintenance failed (will retry): {}", e.toString());
                nextMaintenanceNanos = now + PROBE_INTERVAL.toNanos();
            }
        }
    }

    private void replaySpool() {
        try {
            int n = spool.replay(batchSize, b -> {
                if (!running) {
                    // Shutting down: stop between batches. The file stays whole in the spool (it is
                    // deleted only once all of it was accepted) and is replayed at the next start;
                    // events already inserted are skipped then by their event id.
                    throw new ShuttingDown();
                }
                store.insert(b).block(WRITE_TIMEOUT);
            });
            if (n > 0) {
                replayed.increment(n);
                log.info("Replayed {} spooled usage events into {}", n, store.describe());
            }
        } catch (ShuttingDown e) {
            spoolMayHaveData = true;
        } catch (Exception e) {
            spoolMayHaveData = true;
            markDown(e);
        }
    }

    /** Ends a replay early when the writer stops, so shutdown is not held up by a long spool. */
    private static final class ShuttingDown extends RuntimeException {
        ShuttingDown() {
            super("usage writer stopping", null, false, false);
        }
    }

    private void spoolBatch(List<UsageEvent> batch) {
        spool.append(batch);
        spoolMayHaveData = true;
        spooled.increment(batch.size());
    }

    private void markDown(Throwable e) {
        lastError = e.toString();
        nextProbeNanos = System.nanoTime() + PROBE_INTERVAL.toNanos();
        if (storeUp) {
            storeUp = false;
            log.error("Usage store {} unreachable ({}); spooling usage events to disk until it is back",
                    store.describe(), e.toString());
        }
    }

    private void markUp() {
        storeUp = true;
        lastError = null;
        log.info("Usage store {} reachable again", store.describe());
    }

    /** Flushes what is queued (to the store, or to the spool) before the process exits. */
    @Override
    public void destroy() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.join(TimeUnit.SECONDS.toMillis(15));
        }
        List<UsageEvent> rest = new ArrayList<>();
        queue.drainTo(rest);
        queued.addAndGet(-rest.size());
        if (!rest.isEmpty()) {
            spoolBatch(rest);
        }
        if (overflowThread != null) {
            overflowThread.join(TimeUnit.SECONDS.toMillis(5));
        }
        List<UsageEvent> spilled = new ArrayList<>();
        overflow.drainTo(spilled);
        if (!spilled.isEmpty()) {
            spoolBatch(spilled);
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
