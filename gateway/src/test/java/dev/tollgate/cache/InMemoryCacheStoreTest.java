package dev.tollgate.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class InMemoryCacheStoreTest {

    private static final class MutableClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-25T00:00:00Z"));

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    private static float[] unit(float... values) {
        double n = 0;
        for (float v : values) {
            n += v * v;
        }
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) (values[i] / Math.sqrt(n));
        }
        return out;
    }

    private static CacheEntry entry(String id, String partition, float[] vector, long now, Duration ttl) {
        return new CacheEntry(id, "team:t", "exact-" + id, partition, vector, "q " + id, new byte[] {1}, "m", null, now,
                now + ttl.toMillis());
    }

    @Test
    void nearestFindsTheMostSimilarEntryOfThePartitionOnly() {
        MutableClock clock = new MutableClock();
        InMemoryCacheStore store = new InMemoryCacheStore(100, clock);
        long now = clock.millis();
        store.add(entry("a", "p1", unit(1, 0, 0, 0), now, Duration.ofMinutes(1)));
        store.add(entry("b", "p1", unit(1, 0.2f, 0, 0), now, Duration.ofMinutes(1)));
        store.add(entry("c", "p2", unit(1, 0.1f, 0, 0), now, Duration.ofMinutes(1)));
        CacheStore.Match match = store.scan("p1", unit(1, 0.15f, 0, 0), 0.9, e -> true);
        assertThat(match.entry().id()).isEqualTo("b");
        assertThat(store.scan("p1", unit(1, 0.15f, 0, 0), 0.9, e -> !e.id().equals("b")).entry().id()).isEqualTo("a");
        assertThat(store.scan("p3", unit(1, 0, 0, 0), 0.5, e -> true)).isNull();
        assertThat(store.scan("p1", unit(0, 1, 0, 0), 0.9, e -> true)).isNull();
    }

    @Test
    void entriesExpireAndTheOldestLeaveFirstBeyondTheCap() {
        MutableClock clock = new MutableClock();
        InMemoryCacheStore store = new InMemoryCacheStore(3, clock);
        long now = clock.millis();
        for (int i = 0; i < 5; i++) {
            store.add(entry("e" + i, "p", unit(1, i, 0, 0), now, Duration.ofMinutes(i == 4 ? 10 : 1)));
        }
        assertThat(store.size()).isEqualTo(3);
        assertThat(store.exact("exact-e0").block()).isNull();
        assertThat(store.exact("exact-e2").block()).isNotNull();
        clock.now.set(clock.now.get().plus(Duration.ofMinutes(2)));
        assertThat(store.exact("exact-e2").block()).isNull();
        assertThat(store.sweep()).isEqualTo(1); // e3; e2 left on the read above
        assertThat(store.size()).isEqualTo(1);
        assertThat(store.scan("p", unit(1, 4, 0, 0), 0.99, e -> true).entry().id()).isEqualTo("e4");
    }

    @Test
    void evictedEntriesAreNotFoundAndRowsAreCompacted() {
        InMemoryCacheStore store = new InMemoryCacheStore(10_000, Clock.systemUTC());
        long now = System.currentTimeMillis();
        for (int i = 0; i < 100; i++) {
            store.add(entry("x" + i, "p", unit(1, i / 100f, 0, 0), now, Duration.ofMinutes(1)));
        }
        for (int i = 0; i < 100; i += 2) {
            assertThat(store.evict("x" + i).block()).isTrue();
        }
        assertThat(store.evict("x0").block()).isFalse();
        for (int i = 100; i < 300; i++) {
            store.add(entry("x" + i, "p", unit(0, 1, i / 300f, 0), now, Duration.ofMinutes(1)));
        }
        assertThat(store.size()).isEqualTo(250);
        CacheStore.Match m = store.scan("p", unit(1, 0.5f, 0, 0), 0.9999, e -> true);
        assertThat(m.entry().id()).isEqualTo("x51"); // x50 was evicted
    }

    @Test
    void wilsonQualityDecidesWhetherABadRatingEvicts() {
        assertThat(new CacheStore.Votes(0, 1, false).quality()).isZero();
        assertThat(new CacheStore.Votes(1, 0, false).quality()).isCloseTo(0.21, org.assertj.core.data.Offset.offset(0.01));
        assertThat(new CacheStore.Votes(9, 1, false).quality()).isCloseTo(0.60, org.assertj.core.data.Offset.offset(0.01));

        InMemoryCacheStore store = new InMemoryCacheStore(100, Clock.systemUTC());
        long now = System.currentTimeMillis();
        store.add(entry("liked", "p", unit(1, 0, 0, 0), now, Duration.ofMinutes(1)));
        for (int i = 0; i < 9; i++) {
            store.vote("liked", true).block();
        }
        CacheStore.Votes afterBad = store.vote("liked", false).block();
        assertThat(afterBad.evicted()).isFalse();
        assertThat(store.byId("liked").block()).isNotNull();

        store.add(entry("unrated", "p", unit(0, 1, 0, 0), now, Duration.ofMinutes(1)));
        assertThat(store.vote("unrated", false).block().evicted()).isTrue();
        assertThat(store.byId("unrated").block()).isNull();
        assertThat(store.vote("unrated", true).block()).isNull();
    }

    @Test
    void theBoundedFirstPassFindsExactlyWhatAFullScanFinds() {
        java.util.Random random = new java.util.Random(3);
        InMemoryCacheStore store = new InMemoryCacheStore(100_000, Clock.systemUTC());
        long now = System.currentTimeMillis();
        float[][] vectors = new float[3000][];
        float[] base = randomUnit(random, 384);
        for (int i = 0; i < vectors.length; i++) {
            // Rows at every distance from base, many of them close.
            float[] noise = randomUnit(random, 384);
            float mix = (i % 10) / 10f;
            float[] v = new float[384];
            for (int d = 0; d < 384; d++) {
                v[d] = base[d] * (1 - mix) + noise[d] * mix;
            }
            vectors[i] = unit(v);
            store.add(entry("v" + i, "p", vectors[i], now, Duration.ofMinutes(1)));
        }
        int found = 0;
        for (float threshold : new float[] {0.5f, 0.8f, 0.9f, 0.95f}) {
            for (int q = 0; q < 20; q++) {
                float[] near = vectors[random.nextInt(vectors.length)];
                float[] noise = randomUnit(random, 384);
                float[] query = new float[384];
                for (int d = 0; d < 384; d++) {
                    query[d] = near[d] * 0.9f + noise[d] * 0.3f;
                }
                query = unit(query);
                String best = null;
                float bestSim = -2;
                for (int i = 0; i < vectors.length; i++) {
                    float sim = dev.tollgate.embedding.Embedding.cosine(query, vectors[i]);
                    if (sim >= threshold && sim > bestSim) {
                        bestSim = sim;
                        best = "v" + i;
                    }
                }
                CacheStore.Match match = store.scan("p", query, threshold, e -> true);
                assertThat(match == null ? null : match.entry().id()).isEqualTo(best);
                found += best == null ? 0 : 1;
            }
        }
        assertThat(found).as("queries with a hit").isBetween(20, 79);
    }

    private static float[] randomUnit(java.util.Random random, int dims) {
        float[] v = new float[dims];
        for (int d = 0; d < dims; d++) {
            v[d] = (float) random.nextGaussian();
        }
        return unit(v);
    }
}
