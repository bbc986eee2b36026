package dev.tollgate.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.support.Json;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.DeserializationFeature;

/**
 * A usage store that stalls while events keep coming: the events that do not fit the writer's
 * queue go to the spool in batches (one append and fsync for many events, not one each), the
 * overflow queue never holds more than its bound, and every event ends up in the store or the
 * spool.
 */
class UsageWriterOverflowTest {

    /** A store that takes 200 ms per batch: the database is alive but far too slow for the load. */
    static final class StallingStore implements UsageStore {
        final Set<String> stored = ConcurrentHashMap.newKeySet();

        @Override
        public Mono<Void> insert(List<UsageEvent> batch) {
            return Mono.delay(Duration.ofMillis(200)).doOnNext(x -> batch.forEach(e -> stored.add(e.requestId()))).then();
        }

        @Override
        public Mono<Void> ping() {
            return Mono.empty();
        }

        @Override
        public String describe() {
            return "stalling test store";
        }

        @Override
        public Flux<SpendRow> spendSince(Instant from) {
            return Flux.empty();
        }
    }

    /** The real spool, counting its appends: each append is one fsync. */
    static final class CountingSpool extends UsageSpool {
        final AtomicInteger appends = new AtomicInteger();
        final AtomicInteger events = new AtomicInteger();

        CountingSpool(Path dir) {
            super(dir);
        }

        @Override
        public synchronized void append(List<UsageEvent> batch) {
            appends.incrementAndGet();
            events.addAndGet(batch.size());
            super.append(batch);
        }
    }

    static UsageEvent event(String requestId) {
        return Json.MAPPER.readerFor(UsageEvent.class).without(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .readValue("{\"eventId\":\"" + UsageEvent.newId() + "\",\"requestId\":\"" + requestId + "\",\"createdAt\":\""
                        + Instant.now() + "\",\"keyName\":\"k\",\"model\":\"m\",\"status\":200}");
    }

    @Test
    void overflowIsBoundedBatchedAndLosesNothing() throws Exception {
        Path dir = Files.createTempDirectory("tollgate-overflow");
        StallingStore store = new StallingStore();
        CountingSpool spool = new CountingSpool(dir);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        int capacity = 1000;
        UsageWriter writer = new UsageWriter(store, spool, capacity, 50, Duration.ofMillis(10), meters);
        writer.afterPropertiesSet();

        int total = 4000;
        int peakOverflow = 0;
        for (int i = 0; i < total; i++) {
            writer.record(event("ovf-" + i));
            if (i % 100 == 99) {
                peakOverflow = Math.max(peakOverflow, writer.overflowQueued());
                Thread.sleep(20); // ~5,000 events/s in bursts of 100: twenty times what the store takes
            }
        }
        writer.destroy();

        assertThat(peakOverflow).as("the overflow queue is bounded").isLessThanOrEqualTo(capacity);
        assertThat(meters.counter("tollgate.usage.events", "outcome", "logged_spool_full").count()).isZero();
        assertThat(spool.events.get()).as("the overflow path was taken").isGreaterThan(total / 10);
        assertThat(spool.appends.get()).as("spooled %d events", spool.events.get()).isLessThan(spool.events.get() / 5);

        Set<String> all = new HashSet<>(store.stored);
        List<UsageEvent> spooled = new ArrayList<>();
        spool.replay(1000, spooled::addAll);
        spooled.forEach(e -> all.add(e.requestId()));
        assertThat(all).as("every event is in the store or the spool").hasSize(total);
    }
}
