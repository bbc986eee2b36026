package dev.tollgate.ratelimit;

import dev.tollgate.support.StateFailurePolicy;
import java.util.List;
import reactor.core.publisher.Mono;

/** The Redis limiter, with the configured {@link StateFailurePolicy} when Redis is unreachable. */
public class FailoverRateLimiter implements RateLimiter {

    private final RateLimiter shared;
    private final RateLimiter local;
    private final StateFailurePolicy policy;

    public FailoverRateLimiter(RateLimiter shared, RateLimiter local, StateFailurePolicy policy) {
        this.shared = shared;
        this.local = local;
        this.policy = policy;
    }

    @Override
    public Mono<Decision> acquire(String leaseId, List<LimitRule> rules) {
        return shared.acquire(leaseId, rules).onErrorResume(e -> policy.onFailure(e, () -> local.acquire(leaseId, rules)));
    }

    @Override
    public Mono<Void> release(String leaseId, List<LimitRule> rules, long unusedTokens) {
        // Like settling a budget: the shared release is retried by the after-call queue until Redis
        // is back (a concurrency lease left in Redis would hold its slot for 15 minutes).
        return shared.release(leaseId, rules, unusedTokens)
                .onErrorResume(e -> policy.onFailure(e, () -> local.release(leaseId, rules, unusedTokens))
                        .then(Mono.error(e)));
    }
}
