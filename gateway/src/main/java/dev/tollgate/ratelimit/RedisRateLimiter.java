package dev.tollgate.ratelimit;

import dev.tollgate.support.RedisConnector;
import io.lettuce.core.ScriptOutputType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import reactor.core.publisher.Mono;

/**
 * Rate limits in Redis, for all replicas at once: one Lua script checks every rule of a call and
 * takes from all or none, on Redis's clock ({@code TIME}), so replicas with skewed clocks cannot
 * over-issue. Keys share the hash tag {@code {tollgate-limits}} so a multi-rule script works in
 * Redis Cluster.
 */
public class RedisRateLimiter implements RateLimiter {

    static final String PREFIX = "tollgate:{tollgate-limits}:";

    // KEYS: one per rule.  ARGV: leaseId, leaseMs, then (kind, limit, cost, windowMs) per rule, then
    // now in ms ('' = Redis's own clock; tests pass theirs, as Spring Cloud Gateway's limiter does).
    // Returns {rejectedIndex, retryAfterMs, then (remaining, resetMs) per rule}.
    private static final String ACQUIRE = """
            local now = tonumber(ARGV[#ARGV])
            if not now then
              local t = redis.call('TIME')
              now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
            end
            local rejected = 0
            local retry = 0
            local out = {}
            local next = {}
            for i, key in ipairs(KEYS) do
              local kind = ARGV[3 + (i - 1) * 4]
              local limit = tonumber(ARGV[4 + (i - 1) * 4])
              local cost = tonumber(ARGV[5 + (i - 1) * 4])
              local window = tonumber(ARGV[6 + (i - 1) * 4])
              if kind == 'c' then
                redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
                local n = redis.call('ZCARD', key)
                if rejected == 0 and n + 1 > limit then rejected = i; retry = 1000 end
                out[#out + 1] = math.max(0, limit - n - 1)
                out[#out + 1] = 0
              else
                local interval = window / limit
                local tat = tonumber(redis.call('GET', key) or now)
                if tat < now then tat = now end
                local updated = tat + cost * interval
                local allowAt = updated - window
                next[i] = updated
                if rejected == 0 and allowAt > now then
                  rejected = i
                  if cost > limit then retry = -1 else retry = math.ceil(allowAt - now) end
                end
                out[#out + 1] = math.max(0, math.floor((window - (updated - now)) / interval))
                out[#out + 1] = math.ceil(updated - now)
              end
            end
            if rejected == 0 then
              for i, key in ipairs(KEYS) do
                if ARGV[3 + (i - 1) * 4] == 'c' then
                  redis.call('ZADD', key, now + tonumber(ARGV[2]), ARGV[1])
                  redis.call('PEXPIRE', key, tonumber(ARGV[2]))
                else
                  redis.call('SET', key, tostring(next[i]), 'PX', math.ceil(next[i] - now) + 1000)
                end
              end
            end
            local result = {rejected, retry}
            for _, x in ipairs(out) do result[#result + 1] = x end
            return result
            """;

    // KEYS: one per rule.  ARGV: leaseId, unusedTokens, then (kind, limit, cost, windowMs) per rule, then now ('' = TIME).
    private static final String RELEASE = """
            local now = tonumber(ARGV[#ARGV])
            if not now then
              local t = redis.call('TIME')
              now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
            end
            local unused = tonumber(ARGV[2])
            for i, key in ipairs(KEYS) do
              local kind = ARGV[3 + (i - 1) * 4]
              if kind == 'c' then
                redis.call('ZREM', key, ARGV[1])
              elseif kind == 't' and unused > 0 then
                local tat = tonumber(redis.call('GET', key) or '0')
                if tat > now then
                  local limit = tonumber(ARGV[4 + (i - 1) * 4])
                  local cost = tonumber(ARGV[5 + (i - 1) * 4])
                  local back = math.min(unused, cost) * (tonumber(ARGV[6 + (i - 1) * 4]) / limit)
                  local updated = math.max(now, tat - back)
                  redis.call('SET', key, tostring(updated), 'PX', math.ceil(updated - now) + 1000)
                end
              end
            end
            return 1
            """;

    private final RedisConnector redis;
    private final LongSupplier clock;

    public RedisRateLimiter(RedisConnector redis) {
        this(redis, null);
    }

    /** With {@code clock} (ms) instead of Redis's {@code TIME}: for tests that step time themselves. */
    RedisRateLimiter(RedisConnector redis, LongSupplier clock) {
        this.redis = redis;
        this.clock = clock;
    }

    @Override
    public Mono<Decision> acquire(String leaseId, List<LimitRule> rules) {
        return eval(ACQUIRE, ScriptOutputType.MULTI, rules, leaseId, Long.toString(InMemoryRateLimiter.LEASE_MS))
                .map(result -> {
                    List<?> values = (List<?>) result;
                    int rejected = (int) number(values.get(0));
                    long retry = number(values.get(1));
                    List<LimitState> states = new ArrayList<>(rules.size());
                    for (int i = 0; i < rules.size(); i++) {
                        states.add(new LimitState(rules.get(i), number(values.get(2 + i * 2)), number(values.get(3 + i * 2))));
                    }
                    return new Decision(rejected == 0, rejected == 0 ? null : rules.get(rejected - 1), retry, states);
                });
    }

    @Override
    public Mono<Void> release(String leaseId, List<LimitRule> rules, long unusedTokens) {
        return eval(RELEASE, ScriptOutputType.INTEGER, rules, leaseId, Long.toString(Math.max(0, unusedTokens))).then();
    }

    private Mono<Object> eval(String script, ScriptOutputType type, List<LimitRule> rules, String arg1, String arg2) {
        String[] keys = new String[rules.size()];
        List<String> args = new ArrayList<>(2 + rules.size() * 4);
        args.add(arg1);
        args.add(arg2);
        for (int i = 0; i < rules.size(); i++) {
            LimitRule r = rules.get(i);
            keys[i] = PREFIX + r.key();
            args.add(switch (r.kind()) {
                case REQUESTS -> "r";
                case TOKENS -> "t";
                case CONCURRENT -> "c";
            });
            args.add(Long.toString(r.limit()));
            args.add(Long.toString(r.cost()));
            args.add(Long.toString(r.windowMillis()));
        }
        args.add(clock == null ? "" : Long.toString(clock.getAsLong()));
        return redis.eval(script, type, keys, args.toArray(String[]::new));
    }

    private static long number(Object o) {
        return o instanceof Number n ? n.longValue() : Long.parseLong(String.valueOf(o));
    }
}
