package dev.tollgate.cache;

import java.util.function.Predicate;
import reactor.core.publisher.Mono;

/**
 * Where cached answers live. Keys already carry the tenant scope (see {@link CacheKeys}), so a
 * lookup can only ever find entries of the caller's own tenant. Implementations never fail a
 * call: a store that cannot answer returns empty (a miss).
 */
public interface CacheStore {

    /** The live entry stored under this exact key. */
    Mono<CacheEntry> exact(String exactKey);

    /**
     * The most similar live entry of the partition with similarity at least {@code threshold} that
     * {@code accept} does not veto.
     */
    Mono<Match> nearest(String partition, float[] vector, double threshold, Predicate<CacheEntry> accept);

    Mono<Void> put(CacheEntry entry);

    Mono<CacheEntry> byId(String id);

    /** True when the entry existed. */
    Mono<Boolean> evict(String id);

    /** Live entries (approximate). */
    long size();

    record Match(CacheEntry entry, float similarity) {}
}
