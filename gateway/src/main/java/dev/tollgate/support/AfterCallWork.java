package dev.tollgate.support;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Mono;

/**
 * The bookkeeping that follows a call (settle its budget reservation, release its rate-limit
 * leases, store its answer in the cache), run off the request in a bounded queue.
 *
 * <p>Before, each step was a fire-and-forget subscription from the call's finish hook: a
 * settlement that failed while Redis was away was logged and lost (its reservation stayed held
 * until it expired, its spend never reached the ledger), and shutdown could not know what was
 * still under way. Here every step is a task: a failed one marked {@code retry} is tried again
 * (backoff up to 1 s, for at most {@code retryFor}), so it lands once the store is back; at most
 * {@code capacity} tasks wait (a task beyond that is refused and logged, never buffered without
 * bound); and {@link #stop} (after the web server has drained its requests) waits up to
 * {@code drainTimeout} for all of them and names any left.
 */
public final class AfterCallWork implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(AfterCallWork.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(50);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(1);
    /** One attempt may take this long before it counts as failed (a wedged connection). */
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(5);

    /** After the web server's graceful shutdown (-1024) and its stop (-2048): every call has finished by then. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private final int capacity;
    private final int concurrency;
    private final Duration retryFor;
    private final Duration drainTimeout;
    private final Queue<Task> ready = new ConcurrentLinkedQueue<>();
    private final Set<Task> pending = ConcurrentHashMap.newKeySet();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger wip = new AtomicInteger();
    private final Counter retried;
    private final Counter refused;
    private final Counter abandoned;
    private volatile boolean running;

    private static final class Task {
        final String what;
        final Supplier<Mono<Void>> work;
        final boolean retry;
        final long since = System.nanoTime();
        int attempts;

        Task(String what, Supplier<Mono<Void>> work, boolean retry) {
            this.what = what;
            this.work = work;
            this.retry = retry;
        }
    }

    public AfterCallWork(int capacity, int concurrency, Duration retryFor, Duration drainTimeout, MeterRegistry meters) {
        this.capacity = capacity;
        this.concurrency = concurrency;
        this.retryFor = retryFor;
        this.drainTimeout = drainTimeout;
        Gauge.builder("tollgate.aftercall.pending", size, AtomicInteger::get)
                .description("After-call bookkeeping tasks (settlements, releases, cache stores) not done yet").register(meters);
        this.retried = Counter.builder("tollgate.aftercall.retries").register(meters);
        this.refused = Counter.builder("tollgate.aftercall.tasks").tag("outcome", "refused_queue_full").register(meters);
        this.abandoned = Counter.builder("tollgate.aftercall.tasks").tag("outcome", "abandoned").register(meters);
    }

    /**
     * Queues {@code work} (cold: subscribed once per attempt). {@code retry}: try again on failure
     * until it succeeds or {@code retryFor} has passed; the work must then be idempotent or
     * harmless to repeat. Never blocks.
     */
    public void submit(String what, boolean retry, Supplier<Mono<Void>> work) {
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            refused.increment();
            log.error("After-call queue full ({} tasks): '{}' is not done. Budget reservations and rate-limit leases "
                    + "it would have settled expire on their own", capacity, what);
            return;
        }
        Task task = new Task(what, work, retry);
        pending.add(task);
        ready.offer(task);
        drain();
    }

    /** Tasks queued, running or waiting for a retry. */
    public int pending() {
        return size.get();
    }

    /** Starts tasks while fewer than {@code concurrency} run (a queue-drain loop, so no thread ever waits here). */
    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        do {
            while (active.get() < concurrency) {
                Task task = ready.poll();
                if (task == null) {
                    break;
                }
                active.incrementAndGet();
                attempt(task);
            }
        } while (wip.decrementAndGet() != 0);
    }

    private void attempt(Task task) {
        task.attempts++;
        Mono<Void> work;
        try {
            work = task.work.get();
        } catch (RuntimeException e) {
            work = Mono.error(e);
        }
        work.timeout(ATTEMPT_TIMEOUT).subscribe(null, e -> failed(task, e), () -> done(task));
    }

    private void done(Task task) {
        if (task.attempts > 1) {
            log.info("'{}' done after {} attempts", task.what, task.attempts);
        }
        finish(task);
    }

    private void failed(Task task, Throwable e) {
        long age = System.nanoTime() - task.since;
        if (!task.retry || age > retryFor.toNanos()) {
            if (task.retry) {
                abandoned.increment();
            }
            log.error("'{}' failed{}: {}", task.what, task.retry ? " for " + Duration.ofNanos(age).toSeconds() + " s, giving up" : "",
                    e.toString());
            finish(task);
            return;
        }
        if (task.attempts == 1) {
            log.warn("'{}' failed, will retry: {}", task.what, e.toString());
        }
        retried.increment();
        active.decrementAndGet();
        long backoff = Math.min(MAX_BACKOFF.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(task.attempts - 1, 10));
        Mono.delay(Duration.ofMillis(backoff)).subscribe(x -> {
            ready.offer(task);
            drain();
        });
        drain();
    }

    private void finish(Task task) {
        pending.remove(task);
        size.decrementAndGet();
        active.decrementAndGet();
        drain();
    }

    @Override
    public void start() {
        running = true;
    }

    /** Waits for every queued task, up to {@code drainTimeout}; names what is left. */
    @Override
    public void stop() {
        running = false;
        long start = System.nanoTime();
        long deadline = start + drainTimeout.toNanos();
        int before = size.get();
        while (size.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        long took = Duration.ofNanos(System.nanoTime() - start).toMillis();
        List<String> left = new ArrayList<>();
        for (Task t : pending) {
            if (left.size() == 100) {
                left.add("...");
                break;
            }
            left.add(t.what + " (" + t.attempts + " attempts)");
        }
        if (left.isEmpty()) {
            log.info("After-call work drained: {} tasks in {} ms", before, took);
        } else {
            log.error("After-call work not drained within {}: {} tasks left; their reservations and leases expire on their own: {}",
                    drainTimeout, size.get(), left);
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
