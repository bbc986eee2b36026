package dev.tollgate.ratelimit;

import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.config.ConfigListener;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.pipeline.FilterOrder;
import dev.tollgate.pipeline.GatewayRoutes;
import dev.tollgate.pipeline.LlmExchange;
import dev.tollgate.routing.ModelRoute;
import dev.tollgate.support.AfterCallWork;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Step 4: rate limits. The key's own limits and every configured limit that matches the call
 * (per key, team, user, model or gateway-wide) are taken at once. Tokens count as estimated input
 * plus the output the call may produce, and are corrected when the call ends. Every response
 * carries OpenAI's {@code x-ratelimit-*} headers for the tightest request and token limit; over a
 * limit the answer is 429 with {@code retry-after}.
 */
public class RateLimitFilter implements GlobalFilter, Ordered, ConfigListener {

    private static final Logger log = LoggerFactory.getLogger(RateLimitFilter.class);

    private final RateLimiter limiter;
    private final MeterRegistry meters;
    private volatile List<TollgateConfig.RateLimit> limits = List.of();

    private final AfterCallWork afterCall;

    public RateLimitFilter(RateLimiter limiter, MeterRegistry meters, AfterCallWork afterCall) {
        this.afterCall = afterCall;
        this.limiter = limiter;
        this.meters = meters;
    }

    @Override
    public Runnable prepare(TollgateConfig config) {
        List<TollgateConfig.RateLimit> next = config.rateLimits();
        return () -> limits = next;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (!GatewayRoutes.isLlmRoute(exchange)) {
            return chain.filter(exchange);
        }
        LlmExchange llm = LlmExchange.of(exchange);
        List<LimitRule> rules = rules(llm);
        if (rules.isEmpty()) {
            return chain.filter(exchange);
        }
        String leaseId = llm.requestId() + ":" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        return limiter.acquire(leaseId, rules).flatMap(decision -> {
            headers(exchange.getResponse().getHeaders(), decision);
            if (!decision.allowed()) {
                return Mono.error(rejected(decision));
            }
            long reservedTokens = rules.stream().filter(r -> r.kind() == LimitRule.Kind.TOKENS)
                    .mapToLong(LimitRule::cost).max().orElse(0);
            llm.onFinish(event -> {
                long used = event.inputTokens() + event.outputTokens();
                // Retried: a concurrency lease not released blocks its slot until the lease expires.
                afterCall.submit("rate-limit release " + leaseId, true,
                        () -> limiter.release(leaseId, rules, Math.max(0, reservedTokens - used)));
            });
            return chain.filter(exchange);
        });
    }

    List<LimitRule> rules(LlmExchange llm) {
        TollgateConfig.Limits keyLimits = llm.key().limits();
        if (keyLimits == null && limits.isEmpty()) {
            return List.of(); // the common case: no attribute map built, nothing allocated
        }
        List<LimitRule> rules = new ArrayList<>(4);
        Map<String, String> attrs = llm.attributes();
        if (keyLimits != null) {
            add(rules, llm, "key", "key:" + llm.key().name(), keyLimits);
        }
        for (TollgateConfig.RateLimit limit : limits) {
            boolean matches = limit.match().entrySet().stream().allMatch(m -> m.getValue().equals(attrs.get(m.getKey())));
            if (!matches) {
                continue;
            }
            String value = limit.per().equals("global") ? "all" : attrs.get(limit.per());
            if (value != null) {
                add(rules, llm, limit.name(), limit.name() + ":" + limit.per() + "=" + value, limit.limits());
            }
        }
        return rules;
    }

    private void add(List<LimitRule> rules, LlmExchange llm, String name, String key, TollgateConfig.Limits l) {
        if (l.requestsPerMinute() != null) {
            rules.add(new LimitRule(name, key + ":rpm", LimitRule.Kind.REQUESTS, l.requestsPerMinute(), 1));
        }
        if (l.tokensPerMinute() != null) {
            rules.add(new LimitRule(name, key + ":tpm", LimitRule.Kind.TOKENS, l.tokensPerMinute(), tokenCost(llm)));
        }
        if (l.concurrent() != null) {
            rules.add(new LimitRule(name, key + ":concurrent", LimitRule.Kind.CONCURRENT, l.concurrent(), 1));
        }
    }

    /** Estimated input plus the most output the call may produce (n choices × its output limit). */
    private long tokenCost(LlmExchange llm) {
        var request = llm.request();
        long output = 0;
        if (request.endpoint() != Endpoint.EMBEDDINGS) {
            Integer max = request.maxOutputTokens();
            if (max == null) {
                ModelRoute route = llm.route();
                max = route != null ? route.model().maxOutputTokens() : 0;
            }
            output = (long) max * request.choices();
        }
        return llm.inputTokenEstimate() + output;
    }

    static void headers(HttpHeaders headers, RateLimiter.Decision decision) {
        for (LimitRule.Kind kind : List.of(LimitRule.Kind.REQUESTS, LimitRule.Kind.TOKENS)) {
            LimitState tightest = null;
            for (LimitState s : decision.states()) {
                if (s.rule().kind() == kind && (tightest == null || s.remaining() < tightest.remaining())) {
                    tightest = s;
                }
            }
            if (tightest != null) {
                headers.set("x-ratelimit-limit-" + kind.label(), Long.toString(tightest.rule().limit()));
                headers.set("x-ratelimit-remaining-" + kind.label(), Long.toString(tightest.remaining()));
                headers.set("x-ratelimit-reset-" + kind.label(), openAiDuration(tightest.resetMillis()));
            }
        }
    }

    /** OpenAI writes resets as Go durations: 120ms, 1s, 6m0s. */
    static String openAiDuration(long millis) {
        if (millis < 1000) {
            return millis + "ms";
        }
        long seconds = (millis + 999) / 1000;
        return seconds < 60 ? seconds + "s" : (seconds / 60) + "m" + (seconds % 60) + "s";
    }

    private GatewayException rejected(RateLimiter.Decision decision) {
        LimitRule rule = decision.rejected();
        Counter.builder("tollgate.ratelimit.rejections").tag("limit", rule.name()).tag("kind", rule.kind().label())
                .register(meters).increment();
        if (decision.retryAfterMillis() < 0) {
            return new GatewayException(HttpStatus.TOO_MANY_REQUESTS, rule.kind().label(), "rate_limit_exceeded", null,
                    "Request too large for limit '" + rule.name() + "': it may use " + rule.cost() + " tokens but the limit is "
                            + rule.limit() + " tokens per minute. Lower max_tokens or the prompt size.").shouldRetry(false);
        }
        Duration wait = Duration.ofMillis(Math.max(1, decision.retryAfterMillis()));
        String what = switch (rule.kind()) {
            case REQUESTS -> "requests per minute";
            case TOKENS -> "tokens per minute";
            case CONCURRENT -> "concurrent requests";
        };
        return new GatewayException(HttpStatus.TOO_MANY_REQUESTS, rule.kind().label(), "rate_limit_exceeded", null,
                "Rate limit '" + rule.name() + "' reached: " + rule.limit() + " " + what + ". Please try again in "
                        + openAiDuration(wait.toMillis()) + ".", wait, null);
    }

    @Override
    public int getOrder() {
        return FilterOrder.RATE_LIMIT;
    }
}
