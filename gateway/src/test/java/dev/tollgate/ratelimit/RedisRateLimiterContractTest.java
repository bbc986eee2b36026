package dev.tollgate.ratelimit;

import dev.tollgate.support.RedisConnector;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;

/** The same scenarios against the Lua scripts in the real Redis, with now passed into the script. */
class RedisRateLimiterContractTest extends RateLimiterContract {

    private static final RedisConnector REDIS = new RedisConnector("redis://127.0.0.1:6379", Duration.ofSeconds(5));

    @Override
    RateLimiter limiter(LongSupplier clock) {
        return new RedisRateLimiter(REDIS, clock);
    }

    @AfterAll
    static void close() {
        REDIS.close();
    }
}
