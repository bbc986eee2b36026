package dev.tollgate.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * One scenario suite for every {@link RateLimiter}: the in-memory limiter and the Redis script
 * must give the same decisions, remaining counts and retry hints for the same calls at the same
 * instants. Time is a clock the test steps, so every number below is exact.
 */
abstract class RateLimiterContract {

    /** A fixed start, whole milliseconds: now as the test says, never the wall clock. */
    final AtomicLong now = new AtomicLong(1_800_000_000_000L);
    final String run = Long.toHexString(ThreadLocalRandom.current().nextLong());

    abstract RateLimiter limiter(LongSupplier clock);

    private final RateLimiter limiter = limiter(now::get);

    private LimitRule rpm(String name, long limit) {
        return new LimitRule(name, "contract-" + run + ":" + name, LimitRule.Kind.REQUESTS, limit, 1);
    }

    private LimitRule tokens(String name, long limit, long cost) {
        return new LimitRule(name, "contract-" + run + ":" + name, LimitRule.Kind.TOKENS, limit, cost);
    }

    private LimitRule concurrent(String name, long limit) {
        return new LimitRule(name, "contract-" + run + ":" + name, LimitRule.Kind.CONCURRENT, limit, 1);
    }

    private RateLimiter.Decision acquire(String lease, LimitRule... rules) {
        return limiter.acquire(lease, List.of(rules)).block();
    }

    @Test
    void requestsPerMinuteRefillContinuously() {
        LimitRule rule = rpm("rpm", 3);
        for (int i = 0; i < 3; i++) {
            RateLimiter.Decision d = acquire("l" + i, rule);
            assertThat(d.allowed()).isTrue();
            assertThat(d.states().get(0).remaining()).isEqualTo(2 - i);
        }
        RateLimiter.Decision refused = acquire("l3", rule);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.rejected()).isEqualTo(rule);
        assertThat(refused.retryAfterMillis()).as("one request's share of the minute").isEqualTo(20_000);

        now.addAndGet(19_999);
        assertThat(acquire("l4", rule).allowed()).isFalse();
        now.addAndGet(1);
        RateLimiter.Decision again = acquire("l5", rule);
        assertThat(again.allowed()).isTrue();
        assertThat(again.states().get(0).remaining()).isZero();
    }

    @Test
    void aCallCostingMoreThanTheWholeLimitCanNeverPass() {
        RateLimiter.Decision d = acquire("big", tokens("tpm-small", 1000, 1001));
        assertThat(d.allowed()).isFalse();
        assertThat(d.retryAfterMillis()).as("retrying cannot help").isEqualTo(-1);
    }

    @Test
    void unusedTokensAreGivenBack() {
        LimitRule first = tokens("tpm", 1000, 600);
        assertThat(acquire("t1", first).allowed()).isTrue();
        RateLimiter.Decision second = acquire("t2", first);
        assertThat(second.allowed()).isFalse();
        assertThat(second.retryAfterMillis()).isEqualTo(12_000);

        limiter.release("t1", List.of(first), 500).block();
        RateLimiter.Decision after = acquire("t3", first);
        assertThat(after.allowed()).as("the 500 unused tokens are back").isTrue();
        assertThat(after.states().get(0).remaining()).isEqualTo(300);
    }

    @Test
    void concurrencyLeasesAreReleasedOrExpire() {
        LimitRule rule = concurrent("conc", 2);
        assertThat(acquire("c1", rule).allowed()).isTrue();
        assertThat(acquire("c2", rule).allowed()).isTrue();
        RateLimiter.Decision third = acquire("c3", rule);
        assertThat(third.allowed()).isFalse();
        assertThat(third.retryAfterMillis()).isEqualTo(1000);

        limiter.release("c1", List.of(rule), 0).block();
        assertThat(acquire("c4", rule).allowed()).isTrue();
        assertThat(acquire("c5", rule).allowed()).isFalse();

        // c2 and c4 are never released (their gateway died): their leases lapse after 15 minutes.
        now.addAndGet(InMemoryRateLimiter.LEASE_MS);
        assertThat(acquire("c6", rule).allowed()).isTrue();
        assertThat(acquire("c7", rule).allowed()).isTrue();
    }

    @Test
    void severalRulesTakeFromAllOrFromNone() {
        LimitRule wide = rpm("wide", 10);
        LimitRule narrow = rpm("narrow", 1);
        assertThat(acquire("m1", wide, narrow).allowed()).isTrue();
        RateLimiter.Decision refused = acquire("m2", wide, narrow);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.rejected()).isEqualTo(narrow);

        RateLimiter.Decision wideOnly = acquire("m3", wide);
        assertThat(wideOnly.states().get(0).remaining()).as("the refused call took nothing from the wide rule").isEqualTo(8);
    }
}
