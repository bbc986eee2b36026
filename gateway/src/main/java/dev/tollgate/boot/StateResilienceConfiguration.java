package dev.tollgate.boot;

import dev.tollgate.health.RedisHealth;
import dev.tollgate.support.AfterCallWork;
import dev.tollgate.support.RedisConnector;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What keeps shared state right through outages and shutdown: the after-call work queue
 * (settlements and releases retried until they land, drained at shutdown) and the Redis health
 * component.
 */
@Configuration(proxyBeanMethods = false)
public class StateResilienceConfiguration {

    /**
     * 10,000 tasks waiting at most (about a minute of a 150 rps gateway's bookkeeping with Redis
     * away), 64 under way at once, retried for 15 minutes (longer than a call's reservation
     * lives: a settlement after expiry still books the spend), drained for up to 20 s at shutdown.
     */
    @Bean
    AfterCallWork afterCallWork(MeterRegistry meters) {
        return new AfterCallWork(10_000, 64, Duration.ofMinutes(15), Duration.ofSeconds(20), meters);
    }

    @Bean
    @ConditionalOnProperty(name = "tollgate.state.store", havingValue = "redis")
    RedisHealth redisHealthIndicator(RedisConnector redisConnector) {
        return new RedisHealth(redisConnector);
    }
}
