package dev.tollgate.cache;

import dev.tollgate.config.ConfigListener;
import dev.tollgate.config.TollgateConfig;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import reactor.core.publisher.Mono;

/**
 * The embedded cache: a hash map for exact keys and, per partition, a flat array of vectors that a
 * lookup scans (exact cosine, no approximation). Partitions are small in practice (one tenant,
 * model, system prompt and history each); a first pass over a quarter of the dimensions rules most
 * rows out without approximating (see {@code PartitionIndex.above}); docs/cache.md has figures. Reads take no lock; writes to one
 * partition are serialised by a short monitor. Entries leave at their TTL (checked on every read
 * and by {@link #sweep}) and, beyond {@code maxEntries}, oldest first.
 */
public final class InMemoryCacheStore implements CacheStore, ConfigListener {

    private volatile int maxEntries;
    private final Clock clock;
    private final Map<String, CacheEntry> byId = new ConcurrentHashMap<>();
    private final Map<String, CacheEntry> byExactKey = new ConcurrentHashMap<>();
    private final Map<String, PartitionIndex> partitions = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> insertionOrder = new ConcurrentLinkedQueue<>();
    private final Map<String, int[]> votes = new ConcurrentHashMap<>();

    public InMemoryCacheStore(int maxEntries, Clock clock) {
        this.maxEntries = maxEntries;
        this.clock = clock;
    }

    @Override
    public Runnable prepare(TollgateConfig config) {
        int next = config.cache().maxEntries();
        return () -> maxEntries = next;
    }

    @Override
    public Mono<CacheEntry> exact(String exactKey) {
        return Mono.justOrEmpty(live(byExactKey.get(exactKey)));
    }

    @Override
    public Mono<Match> nearest(String partition, float[] vector, double threshold, Predicate<CacheEntry> accept) {
        return Mono.fromSupplier(() -> scan(partition, vector, threshold, accept));
    }

    /** Synchronous lookup, for the benchmark and for {@link #nearest}. */
    public Match scan(String partition, float[] vector, double threshold, Predicate<CacheEntry> accept) {
        PartitionIndex index = partitions.get(partition);
        if (index == null) {
            return null;
        }
        List<Match> candidates = index.above(vector, (float) threshold);
        candidates.sort((a, b) -> Float.compare(b.similarity(), a.similarity()));
        for (Match candidate : candidates) {
            CacheEntry entry = live(candidate.entry());
            if (entry != null && byId.containsKey(entry.id()) && accept.test(entry)) {
                return candidate;
            }
        }
        return null;
    }

    @Override
    public Mono<List<Match>> candidates(String partition, float[] vector, double minSimilarity, int limit) {
        return Mono.fromSupplier(() -> candidatesNow(partition, vector, minSimilarity, limit));
    }

    /** Synchronous {@link #candidates}, for the benchmark. */
    public List<Match> candidatesNow(String partition, float[] vector, double minSimilarity, int limit) {
        PartitionIndex index = partitions.get(partition);
        if (index == null) {
            return List.of();
        }
        List<Match> found = index.above(vector, (float) minSimilarity);
        found.sort((a, b) -> Float.compare(b.similarity(), a.similarity()));
        List<Match> out = new ArrayList<>(Math.min(limit, found.size()));
        for (Match candidate : found) {
            if (out.size() == limit) {
                break;
            }
            CacheEntry entry = live(candidate.entry());
            if (entry != null && byId.containsKey(entry.id())) {
                out.add(candidate);
            }
        }
        return out;
    }

    @Override
    public Mono<Void> put(CacheEntry entry) {
        return Mono.fromRunnable(() -> add(entry));
    }

    /** Synchronous insert, for the benchmark and for {@link #put}. */
    public void add(CacheEntry entry) {
        if (byId.containsKey(entry.id())) {
            return; // already here (a replica hears its own inserts back, and catch-up overlaps the stream)
        }
        CacheEntry replaced = byExactKey.put(entry.exactKey(), entry);
        if (replaced != null) {
            remove(replaced);
        }
        byId.put(entry.id(), entry);
        if (entry.semantic()) {
            partitions.computeIfAbsent(entry.partition(), p -> new PartitionIndex(entry.vector().length)).add(entry);
        }
        insertionOrder.add(entry.id());
        while (byId.size() > maxEntries) {
            String oldest = insertionOrder.poll();
            if (oldest == null) {
                break;
            }
            CacheEntry gone = byId.get(oldest);
            if (gone != null) {
                remove(gone);
            }
        }
    }

    @Override
    public Mono<CacheEntry> byId(String id) {
        return Mono.justOrEmpty(live(byId.get(id)));
    }

    @Override
    public Mono<Boolean> evict(String id) {
        return Mono.fromSupplier(() -> {
            CacheEntry entry = byId.get(id);
            return entry != null && remove(entry);
        });
    }

    @Override
    public Mono<Votes> vote(String id, boolean good) {
        return Mono.fromSupplier(() -> {
            CacheEntry entry = live(byId.get(id));
            if (entry == null) {
                return null;
            }
            int[] counts = votes.computeIfAbsent(id, i -> new int[2]);
            Votes result;
            synchronized (counts) {
                counts[good ? 0 : 1]++;
                result = new Votes(counts[0], counts[1], false);
            }
            if (!good && result.quality() < Votes.KEEP_ABOVE && remove(entry)) {
                return new Votes(result.good(), result.bad(), true);
            }
            return result;
        });
    }

    @Override
    public Votes votes(String id) {
        int[] counts = votes.get(id);
        if (counts == null) {
            return new Votes(0, 0, false);
        }
        synchronized (counts) {
            return new Votes(counts[0], counts[1], false);
        }
    }

    /** Removes an entry by id without a Mono: for replicas applying an eviction heard from another. */
    public boolean drop(String id) {
        CacheEntry entry = byId.get(id);
        return entry != null && remove(entry);
    }

    /** Drops every expired entry; run now and then so that entries nobody asks for leave too. */
    public int sweep() {
        long now = clock.millis();
        int removed = 0;
        for (CacheEntry entry : new ArrayList<>(byId.values())) {
            if (entry.expired(now) && remove(entry)) {
                removed++;
            }
        }
        return removed;
    }

    @Override
    public long size() {
        return byId.size();
    }

    private CacheEntry live(CacheEntry entry) {
        if (entry == null) {
            return null;
        }
        if (entry.expired(clock.millis())) {
            remove(entry);
            return null;
        }
        return entry;
    }

    private boolean remove(CacheEntry entry) {
        boolean removed = byId.remove(entry.id(), entry);
        votes.remove(entry.id());
        byExactKey.remove(entry.exactKey(), entry);
        if (entry.semantic()) {
            PartitionIndex index = partitions.get(entry.partition());
            if (index != null && index.remove(entry) && index.isEmpty()) {
                partitions.remove(entry.partition(), index);
            }
        }
        return removed;
    }

    /**
     * The vectors of one partition in flat arrays (the first quarter of every vector in one, the rest in
     * another), appended under the monitor and read without
     * it: a reader takes the current {@link Rows} and scans the first {@code count} rows, which are
     * never written again. A removed row keeps its vector but loses its entry; a compaction on grow
     * drops such rows.
     */
    private static final class PartitionIndex {

        private final int dims;
        /** Dimensions of the cheap first pass; the rest is bounded by Cauchy-Schwarz. */
        private final int head;
        private volatile Rows rows;
        private int removed;

        PartitionIndex(int dims) {
            this.dims = dims;
            this.head = Math.max(1, dims / 4);
            this.rows = new Rows(new float[head * 8], new float[(dims - head) * 8], new float[8], new CacheEntry[8]);
        }

        synchronized void add(CacheEntry entry) {
            Rows current = rows;
            int n = current.count;
            if (n == current.entries.length) {
                current = grow(current);
                n = current.count;
            }
            float[] v = entry.vector();
            int tail = dims - head;
            System.arraycopy(v, 0, current.heads, n * head, head);
            System.arraycopy(v, head, current.tails, n * tail, tail);
            current.tailNorms[n] = tailNorm(v, 0);
            current.entries[n] = entry;
            current.count = n + 1; // volatile write publishes the row
            rows = current;
        }

        private float tailNorm(float[] v, int offset) {
            double sum = 0;
            for (int i = head; i < dims; i++) {
                sum += v[offset + i] * v[offset + i];
            }
            return (float) Math.sqrt(sum);
        }

        private Rows grow(Rows current) {
            int live = current.count - removed;
            int capacity = Math.max(8, Integer.highestOneBit(Math.max(1, live)) * 4);
            int tail = dims - head;
            Rows next = new Rows(new float[capacity * head], new float[capacity * tail], new float[capacity],
                    new CacheEntry[capacity]);
            int n = 0;
            for (int i = 0; i < current.count; i++) {
                CacheEntry e = current.entries[i];
                if (e != null) {
                    System.arraycopy(current.heads, i * head, next.heads, n * head, head);
                    System.arraycopy(current.tails, i * tail, next.tails, n * tail, tail);
                    next.tailNorms[n] = current.tailNorms[i];
                    next.entries[n++] = e;
                }
            }
            next.count = n;
            removed = 0;
            return next;
        }

        synchronized boolean remove(CacheEntry entry) {
            Rows current = rows;
            for (int i = 0; i < current.count; i++) {
                if (current.entries[i] == entry) {
                    current.entries[i] = null;
                    removed++;
                    return true;
                }
            }
            return false;
        }

        synchronized boolean isEmpty() {
            return rows.count == removed;
        }

        /**
         * Every row with cosine ≥ threshold, exactly. First pass: the dot product over the first
         * quarter of the dimensions, plus the largest the rest could add (the product of the two
         * tails' norms); a row that cannot reach the threshold even so is skipped. Most rows of a
         * partition are far from any one question (measured on real questions: 99.8% of pairs are
         * ruled out at 0.9), so most of the work is a quarter of a scan. The heads of all rows lie
         * next to each other, so that first pass reads memory in one sequential sweep.
         */
        List<Match> above(float[] query, float threshold) {
            Rows current = rows;
            int n = current.count;
            float[] heads = current.heads;
            float[] tails = current.tails;
            float[] tailNorms = current.tailNorms;
            float queryTail = tailNorm(query, 0);
            int tail = dims - head;
            List<Match> out = new ArrayList<>(2);
            for (int row = 0; row < n; row++) {
                float partial = dot(query, 0, heads, row * head, head);
                if (partial + queryTail * tailNorms[row] < threshold) {
                    continue;
                }
                float similarity = partial + dot(query, head, tails, row * tail, tail);
                if (similarity >= threshold) {
                    CacheEntry entry = current.entries[row];
                    if (entry != null) {
                        out.add(new Match(entry, similarity));
                    }
                }
            }
            return out;
        }

        /** q[qFrom..qFrom+length) · m[mFrom..); four partial sums so the JIT can overlap the multiply-adds. */
        private static float dot(float[] q, int qFrom, float[] m, int mFrom, int length) {
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int i = 0;
            for (; i + 3 < length; i += 4) {
                s0 += q[qFrom + i] * m[mFrom + i];
                s1 += q[qFrom + i + 1] * m[mFrom + i + 1];
                s2 += q[qFrom + i + 2] * m[mFrom + i + 2];
                s3 += q[qFrom + i + 3] * m[mFrom + i + 3];
            }
            for (; i < length; i++) {
                s0 += q[qFrom + i] * m[mFrom + i];
            }
            return (s0 + s1) + (s2 + s3);
        }
    }

    private static final class Rows {
        final float[] heads;
        final float[] tails;
        final float[] tailNorms;
        final CacheEntry[] entries;
        volatile int count;

        Rows(float[] heads, float[] tails, float[] tailNorms, CacheEntry[] entries) {
            this.heads = heads;
            this.tails = tails;
            this.tailNorms = tailNorms;
            this.entries = entries;
        }
    }

}
