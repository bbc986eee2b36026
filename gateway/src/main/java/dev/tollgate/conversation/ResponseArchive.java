package dev.tollgate.conversation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Keeps stored responses for their retention, in front of a {@link ResponseStore}. Saving never
 * delays an answer: the write runs in the background, and until it has landed the response is
 * served from memory, so a client that continues at once ({@code previous_response_id} in its
 * very next call) does not race the database. At most {@code maxPending} writes are in flight;
 * beyond that a response is not stored (logged, counted) rather than letting memory grow while
 * the database is slow or down.
 */
public class ResponseArchive implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ResponseArchive.class);

    private final ResponseStore store;
    private final Duration retention;
    private final int maxPending;
    private final Clock clock;
    private final Map<String, ResponseStore.Stored> pending = new ConcurrentHashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final Disposable purge;

    public ResponseArchive(ResponseStore store, Duration retention, int maxPending, Duration purgeInterval, Clock clock) {
        this.store = store;
        this.retention = retention;
        this.maxPending = maxPending;
        this.clock = clock;
        this.purge = Flux.interval(purgeInterval, purgeInterval)
                .concatMap(tick -> store.deleteCreatedBefore(clock.instant().minus(retention))
                        .onErrorResume(e -> {
                            log.warn("Purging stored responses older than {} failed: {}", retention, e.toString());
                            return Mono.empty();
                        }))
                .subscribe();
    }

    public Instant now() {
        return clock.instant();
    }

    /** Stores {@code stored} in the background; never fails the caller. */
    public void save(ResponseStore.Stored stored) {
        if (pending.size() >= maxPending) {
            long n = dropped.incrementAndGet();
            log.warn("Response {} not stored: {} writes already pending (the database is slow or down); {} dropped so far",
                    stored.id(), maxPending, n);
            return;
        }
        pending.put(stored.id(), stored);
        store.save(stored)
                .doOnError(e -> log.warn("Storing response {} failed: {}", stored.id(), e.toString()))
                .doFinally(signal -> pending.remove(stored.id()))
                .subscribe(null, e -> { });
    }

    /** The response if {@code owner} stored it and it has not expired; empty otherwise. */
    public Mono<ResponseStore.Stored> find(String owner, String id) {
        ResponseStore.Stored inFlight = pending.get(id);
        Mono<ResponseStore.Stored> found = inFlight != null ? Mono.just(inFlight) : store.find(owner, id);
        Instant cutoff = clock.instant().minus(retention);
        return found.filter(s -> s.owner().equals(owner) && s.createdAt().isAfter(cutoff));
    }

    /** True when {@code owner}'s response was deleted. */
    public Mono<Boolean> delete(String owner, String id) {
        return find(owner, id).flatMap(s -> {
            pending.remove(id);
            return store.delete(owner, id).map(deleted -> true);
        }).defaultIfEmpty(false);
    }

    /** Responses that were not stored because too many writes were pending. */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public void close() {
        purge.dispose();
    }
}
