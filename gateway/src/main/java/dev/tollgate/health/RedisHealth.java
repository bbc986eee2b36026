package dev.tollgate.health;

import dev.tollgate.support.RedisConnector;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import reactor.core.publisher.Mono;

/**
 * The {@code redis} component of {@code /actuator/health} in the cluster profile: UP with the
 * PING round trip, DOWN with the reason while budgets and limits cannot reach their shared store
 * (then the configured {@code on-redis-failure} policy decides what calls get).
 */
public class RedisHealth implements ReactiveHealthIndicator {

    private final RedisConnector redis;

    public RedisHealth(RedisConnector redis) {
        this.redis = redis;
    }

    @Override
    public Mono<Health> health() {
        return redis.ping()
                .map(rtt -> Health.up().withDetail("pingMillis", rtt.toNanos() / 1_000_000.0).build())
                .onErrorResume(e -> Mono.just(Health.down().withDetail("error", e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage())).build()));
    }
}
