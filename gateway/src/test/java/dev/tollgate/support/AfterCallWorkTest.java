package dev.tollgate.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

class AfterCallWorkTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void aFailedSettlementIsRetriedUntilItLands() {
        AfterCallWork work = new AfterCallWork(100, 4, Duration.ofMinutes(1), Duration.ofSeconds(5), meters);
        AtomicInteger attempts = new AtomicInteger();
        work.submit("settle r1", true, () -> Mono.defer(() -> attempts.incrementAndGet() < 4
                ? Mono.error(new IllegalStateException("Redis is not connected"))
                : Mono.empty()));
        work.stop();
        assertThat(attempts).hasValue(4);
        assertThat(work.pending()).isZero();
        assertThat(meters.counter("tollgate.aftercall.retries").count()).isEqualTo(3);
    }

    @Test
    void aTaskNotMarkedRetryRunsOnce() {
        AfterCallWork work = new AfterCallWork(100, 4, Duration.ofMinutes(1), Duration.ofSeconds(5), meters);
        AtomicInteger attempts = new AtomicInteger();
        work.submit("cache store", false, () -> Mono.defer(() -> {
            attempts.incrementAndGet();
            return Mono.error(new IllegalStateException("down"));
        }));
        work.stop();
        assertThat(attempts).hasValue(1);
        assertThat(work.pending()).isZero();
    }

    @Test
    void theQueueIsBoundedAndRefusesBeyondCapacity() {
        AfterCallWork work = new AfterCallWork(5, 2, Duration.ofMinutes(1), Duration.ofMillis(200), meters);
        for (int i = 0; i < 8; i++) {
            work.submit("stuck " + i, true, Mono::never);
        }
        assertThat(work.pending()).isEqualTo(5);
        assertThat(meters.counter("tollgate.aftercall.tasks", "outcome", "refused_queue_full").count()).isEqualTo(3);
    }

    @Test
    void stopWaitsForSlowWorkAndConcurrencyIsCapped() {
        AfterCallWork work = new AfterCallWork(1000, 8, Duration.ofMinutes(1), Duration.ofSeconds(10), meters);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        for (int i = 0; i < 40; i++) {
            work.submit("slow " + i, true, () -> Mono.defer(() -> {
                peak.accumulateAndGet(running.incrementAndGet(), Math::max);
                return Mono.delay(Duration.ofMillis(50)).then();
            }).doOnTerminate(() -> {
                running.decrementAndGet();
                done.incrementAndGet();
            }));
        }
        work.stop();
        assertThat(done).hasValue(40);
        assertThat(peak.get()).isLessThanOrEqualTo(8);
        assertThat(work.pending()).isZero();
    }

    @Test
    void stopGivesUpAtItsDeadlineAndLeavesTheRestCounted() {
        AfterCallWork work = new AfterCallWork(100, 4, Duration.ofMinutes(1), Duration.ofMillis(300), meters);
        work.submit("never lands", true, () -> Mono.error(new IllegalStateException("Redis is not connected")));
        long start = System.nanoTime();
        work.stop();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(work.pending()).isEqualTo(1);
    }
}
