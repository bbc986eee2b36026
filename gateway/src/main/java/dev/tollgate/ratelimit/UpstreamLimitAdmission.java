package dev.tollgate.ratelimit;

import dev.tollgate.config.TollgateConfig;
import dev.tollgate.provider.UpstreamException;
import dev.tollgate.routing.DeploymentAdmission;
import dev.tollgate.routing.DeploymentTarget;
import dev.tollgate.support.AfterCallWork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import reactor.core.publisher.Mono;

/**
 * Provider limits (seed 004: free tiers) through the same limiter as client limits, so all
 * replicas share them when the limiter is in Redis. A provider's {@code limits} cover all its
 * deployments together; a deployment's cover that one. Near a limit the call waits up to
 * {@code max-wait} for room, then gives way to the next deployment.
 */
public class UpstreamLimitAdmission implements DeploymentAdmission {

    private final RateLimiter limiter;
    private final AfterCallWork afterCall;

    public UpstreamLimitAdmission(RateLimiter limiter, AfterCallWork afterCall) {
        this.limiter = limiter;
        this.afterCall = afterCall;
    }

    @Override
    public Mono<Admitted> admit(DeploymentTarget target, String attemptId, LongSupplier tokens) {
        TollgateConfig.UpstreamLimits providerLimits = target.provider().limits();
        TollgateConfig.UpstreamLimits deploymentLimits = target.deployment().limits();
        if (providerLimits == null && deploymentLimits == null) {
            return Mono.just(NOTHING);
        }
        List<LimitRule> rules = new ArrayList<>(4);
        Duration maxWait = null;
        if (providerLimits != null) {
            add(rules, "provider " + target.provider().name(), "upstream:provider:" + target.provider().name(), providerLimits, tokens);
            maxWait = providerLimits.maxWait();
        }
        if (deploymentLimits != null) {
            add(rules, "deployment " + target.id(), "upstream:deployment:" + target.id(), deploymentLimits, tokens);
            maxWait = maxWait == null || deploymentLimits.maxWait().compareTo(maxWait) < 0 ? deploymentLimits.maxWait() : maxWait;
        }
        long reserved = rules.stream().filter(r -> r.kind() == LimitRule.Kind.TOKENS).mapToLong(LimitRule::cost).max().orElse(0);
        Duration wait = maxWait;
        return limiter.acquire(attemptId, rules)
                .flatMap(decision -> decision.allowed() || decision.retryAfterMillis() < 0
                        || decision.retryAfterMillis() > wait.toMillis()
                        ? Mono.just(decision)
                        : limiter.acquire(attemptId, rules).delaySubscription(Duration.ofMillis(decision.retryAfterMillis())))
                .flatMap(decision -> {
                    if (decision.allowed()) {
                        return Mono.just((Admitted) used -> afterCall.submit("upstream-limit release " + attemptId, true,
                                () -> limiter.release(attemptId, rules, Math.max(0, reserved - used))));
                    }
                    LimitRule rule = decision.rejected();
                    return Mono.error(new UpstreamException(UpstreamException.Kind.UPSTREAM_LIMIT, 429,
                            "the " + rule.name() + " is at its configured limit of " + rule.limit() + " " + rule.kind().label()
                                    + (rule.windowMillis() == LimitRule.DAY ? " per day" : " per minute"),
                            decision.retryAfterMillis() > 0 ? Duration.ofMillis(decision.retryAfterMillis()) : null,
                            "rate_limit_exceeded", "upstream_limit", null, null));
                });
    }

    private static void add(List<LimitRule> rules, String name, String key, TollgateConfig.UpstreamLimits l, LongSupplier tokens) {
        if (l.requestsPerMinute() != null) {
            rules.add(new LimitRule(name, key + ":rpm", LimitRule.Kind.REQUESTS, l.requestsPerMinute(), 1, LimitRule.MINUTE));
        }
        if (l.tokensPerMinute() != null) {
            rules.add(new LimitRule(name, key + ":tpm", LimitRule.Kind.TOKENS, l.tokensPerMinute(), tokens.getAsLong(), LimitRule.MINUTE));
        }
        if (l.requestsPerDay() != null) {
            rules.add(new LimitRule(name, key + ":rpd", LimitRule.Kind.REQUESTS, l.requestsPerDay(), 1, LimitRule.DAY));
        }
    }
}
