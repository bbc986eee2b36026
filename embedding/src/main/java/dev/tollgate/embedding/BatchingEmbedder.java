package dev.tollgate.embedding;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an {@link OnnxEmbedder} on its own threads and batches texts that arrive together into one
 * inference. {@link #submit} never blocks, so it is safe on an event loop: it puts the text on a
 * lock-free queue, wakes a worker and returns a future. A worker takes what is queued (up to
 * {@code maxBatch}), optionally waits up to {@code maxWait} for more, embeds the batch and
 * completes the futures. Texts that arrive while a batch is computing form the next batch, so under
 * load batches grow on their own even with {@code maxWait} zero. When {@code capacity} texts are
 * already waiting, {@code submit} fails fast with {@link RejectedExecutionException} instead of
 * queueing without bound.
 */
public final class BatchingEmbedder implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BatchingEmbedder.class);

    private final OnnxEmbedder embedder;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final int capacity;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean running = true;

    private final AtomicLong texts = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();

    private record Pending(String text, CompletableFuture<Embedding> result) {
    }

    public BatchingEmbedder(OnnxEmbedder embedder, int workers, int maxBatch, Duration maxWait, int capacity) {
        if (workers < 1 || maxBatch < 1 || capacity < 1) {
            throw new IllegalArgumentException("workers, max-batch and capacity must be at least 1");
        }
        this.embedder = embedder;
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWait.toNanos();
        this.capacity = capacity;
        for (int i = 0; i < workers; i++) {
            Thread worker = new Thread(this::work, "tollgate-embed-" + i);
            worker.setDaemon(true);
            this.workers.add(worker);
            worker.start();
        }
    }

    public EmbeddingModel model() {
        return embedder.model();
    }

    /** Queues one text; the future completes on an embedding thread. */
    public CompletableFuture<Embedding> submit(String text) {
        CompletableFuture<Embedding> result = new CompletableFuture<>();
        if (!running) {
            result.completeExceptionally(new RejectedExecutionException("the embedder is shut down"));
            return result;
        }
        if (queued.incrementAndGet() > capacity) {
            queued.decrementAndGet();
            rejected.incrementAndGet();
            result.completeExceptionally(new RejectedExecutionException(
                    "embedding queue is full (" + capacity + " texts waiting)"));
            return result;
        }
        queue.add(new Pending(text, result));
        for (Thread worker : workers) {
            LockSupport.unpark(worker);
        }
        return result;
    }

    /** Queues several texts; they are batched like any others. */
    public CompletableFuture<List<Embedding>> submitAll(List<String> inputs) {
        List<CompletableFuture<Embedding>> parts = inputs.stream().map(this::submit).toList();
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> parts.stream().map(CompletableFuture::join).toList());
    }

    private void work() {
        List<Pending> batch = new ArrayList<>(maxBatch);
        while (running) {
            drainInto(batch);
            if (batch.isEmpty()) {
                LockSupport.parkNanos(this, 50_000_000L);
                continue;
            }
            if (maxWaitNanos > 0 && batch.size() < maxBatch) {
                long deadline = System.nanoTime() + maxWaitNanos;
                long left;
                while (batch.size() < maxBatch && (left = deadline - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(this, left);
                    drainInto(batch);
                }
            }
            run(batch);
            batch.clear();
        }
    }

    private void drainInto(List<Pending> batch) {
        Pending next;
        while (batch.size() < maxBatch && (next = queue.poll()) != null) {
            queued.decrementAndGet();
            batch.add(next);
        }
    }

    private void run(List<Pending> batch) {
        try {
            List<Embedding> vectors = embedder.embed(batch.stream().map(Pending::text).toList());
            batches.incrementAndGet();
            texts.addAndGet(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result().complete(vectors.get(i));
            }
        } catch (RuntimeException | Error e) {
            log.warn("embedding a batch of {} texts failed", batch.size(), e);
            batch.forEach(p -> p.result().completeExceptionally(e));
        }
    }

    /** Texts embedded so far. */
    public long texts() {
        return texts.get();
    }

    /** Inferences run so far; texts / batches is the mean batch size. */
    public long batches() {
        return batches.get();
    }

    /** Texts refused because the queue was full. */
    public long rejected() {
        return rejected.get();
    }

    /** Texts waiting for a worker. */
    public int queued() {
        return queued.get();
    }

    @Override
    public void close() {
        running = false;
        workers.forEach(LockSupport::unpark);
        for (Thread worker : workers) {
            try {
                worker.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Pending left;
        while ((left = queue.poll()) != null) {
            left.result().completeExceptionally(new RejectedExecutionException("the embedder is shut down"));
        }
        embedder.close();
    }
}
