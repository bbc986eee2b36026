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

    /**
     * Up to {@code limit} live entries of the partition with similarity at least
     * {@code minSimilarity}, most similar first: the candidates the verifier judges.
     */
    Mono<java.util.List<Match>> candidates(String partition, float[] vector, double minSimilarity, int limit);

    Mono<Void> put(CacheEntry entry);

    Mono<CacheEntry> byId(String id);

    /** True when the entry existed. */
    Mono<Boolean> evict(String id);

    /**
     * Records a client's rating of an entry; a bad rating evicts it when the entry's quality (the
     * Wilson lower bound of its good share) falls below {@link Votes#KEEP_ABOVE}. Empty when the
     * entry is gone.
     */
    Mono<Votes> vote(String id, boolean good);

    /** Ratings of an entry so far (zero when none or gone). */
    Votes votes(String id);

    /** Live entries (approximate). */
    long size();

    record Match(CacheEntry entry, float similarity) {}

    /** Ratings of one entry and whether the last one evicted it. */
    record Votes(int good, int bad, boolean evicted) {

        /** An entry whose quality falls below this after a bad rating is evicted. */
        public static final double KEEP_ABOVE = 0.5;

        /**
         * Lower bound of the 95% Wilson score interval of the good share: an answer rated good
         * 9 times and bad once (0.60) is trusted more than one rated good once (0.21); an answer
         * nobody rated good scores 0, so its first bad rating evicts it.
         */
        public double quality() {
            int n = good + bad;
            if (n == 0) {
                return 0;
            }
            double z = 1.96;
            double p = good / (double) n;
            double z2 = z * z;
            return (p + z2 / (2 * n) - z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n))) / (1 + z2 / n);
        }
    }
}
