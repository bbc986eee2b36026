package dev.tollgate.ratelimit;

import java.util.function.LongSupplier;

class InMemoryRateLimiterContractTest extends RateLimiterContract {

    @Override
    RateLimiter limiter(LongSupplier clock) {
        return new InMemoryRateLimiter(clock);
    }
}
