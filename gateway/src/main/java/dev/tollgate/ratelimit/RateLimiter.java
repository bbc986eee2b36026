package dev.tollgate.ratelimit;

import java.util.List;
import reactor.core.publisher.Mono;

/**
 * Request, token and concurrency limits, shared by every replica that uses the same store.
 * Request and token rates are GCRA (a token bucket that refills continuously over a minute);
 * concurrency is a set of leases that expire on their own if a gateway dies mid-call.
 */
public interface RateLimiter {

    /** Takes from every rule, or from none if any would be exceeded. */
    Mono<Decision> acquire(String leaseId, List<LimitRule> rules);

    /** After the call: gives back {@code unusedTokens} to token rules and frees concurrency leases. */
    Mono<Void> release(String leaseId, List<LimitRule> rules, long unusedTokens);

    /** {@code rejected} is the first rule that refused (null if allowed); {@code retryAfterMillis} when it may pass. */
    record Decision(boolean allowed, LimitRule rejected, long retryAfterMillis, List<LimitState> states) {}
}
