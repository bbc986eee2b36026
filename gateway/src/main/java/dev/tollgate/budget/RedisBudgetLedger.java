package dev.tollgate.budget;

import dev.tollgate.support.RedisConnector;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The ledger shared by all replicas, in Redis. Reserve and settle are Lua scripts, so checking
 * every budget and taking the reservation is one atomic step however many gateways race; expiry
 * of reservations uses Redis's clock ({@code TIME}), never a gateway's. All keys carry the hash
 * tag {@code {tollgate-ledger}}: in Redis Cluster they share one slot, which is what lets one
 * script touch several budgets atomically (the cost: the ledger lives on one shard).
 */
public class RedisBudgetLedger implements BudgetLedger {

    static final String NAMESPACE = "tollgate-ledger";

    /**
     * Shared by both scripts: {@code release(rid)} gives a reservation's amount back to its accounts
     * and forgets it; then reservations past their expiry (their gateway never settled) are released.
     */
    private static final String EXPIRE = """
            local function release(rid)
              local rec = redis.call('HGET', KEYS[1], rid)
              if rec then
                local sep = string.find(rec, '|', 1, true)
                local amt = tonumber(string.sub(rec, 1, sep - 1))
                for acct in string.gmatch(string.sub(rec, sep + 1), '[^\\t]+') do
                  redis.call('HINCRBY', acct, 'reserved', -amt)
                end
                redis.call('HDEL', KEYS[1], rid)
              end
              redis.call('ZREM', KEYS[2], rid)
            end
            local now = tonumber(ARGV[#ARGV])
            if not now then
              local t = redis.call('TIME')
              now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            end
            for _, rid in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 100)) do
              release(rid)
            end
            """;

    // KEYS: reservations, expiry, accounts...   ARGV: rid, amount, ttlMs, then (limit|'none', expireAtSec) per account,
    // then now in ms ('' = Redis's clock)
    private static final String RESERVE = EXPIRE + """
            local amount = tonumber(ARGV[2])
            local n = #KEYS - 2
            local state = {}
            local rejected = 0
            for i = 1, n do
              local v = redis.call('HMGET', KEYS[i + 2], 'spent', 'reserved')
              local spent = tonumber(v[1] or '0')
              local reserved = tonumber(v[2] or '0')
              local limit = ARGV[4 + (i - 1) * 2]
              if rejected == 0 and limit ~= 'none' and spent + reserved + amount > tonumber(limit) then
                rejected = i
              end
              state[#state + 1] = spent
              state[#state + 1] = reserved
            end
            if rejected > 0 then
              local out = {0, rejected}
              for _, x in ipairs(state) do out[#out + 1] = x end
              return out
            end
            local names = {}
            for i = 1, n do
              redis.call('HINCRBY', KEYS[i + 2], 'reserved', amount)
              redis.call('EXPIREAT', KEYS[i + 2], ARGV[5 + (i - 1) * 2])
              state[i * 2] = state[i * 2] + amount
              names[#names + 1] = KEYS[i + 2]
            end
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. table.concat(names, '\\t'))
            redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
            local out = {1, 0}
            for _, x in ipairs(state) do out[#out + 1] = x end
            return out
            """;

    // KEYS: reservations, expiry, settled-marker, accounts...   ARGV: rid, actual, expireAtSec per account, then now ('' = TIME)
    private static final String SETTLE = EXPIRE + """
            if not redis.call('SET', KEYS[3], '1', 'NX', 'EX', 172800) then
              return 0
            end
            release(ARGV[1])
            for i = 4, #KEYS do
              redis.call('HINCRBY', KEYS[i], 'spent', ARGV[2])
              redis.call('EXPIREAT', KEYS[i], ARGV[i - 1])
            end
            return 1
            """;

    private static final Duration KEEP_AFTER_PERIOD = Duration.ofDays(35);

    private final RedisConnector redis;
    private final String prefix;
    private final String reservations;
    private final String expiry;
    private final LongSupplier clock;

    public RedisBudgetLedger(RedisConnector redis) {
        this(redis, NAMESPACE, null);
    }

    /**
     * A ledger in its own {@code namespace} (the hash tag of all its keys) on {@code clock} (ms)
     * instead of Redis's {@code TIME}: for tests that step time without expiring anyone else's
     * reservations.
     */
    RedisBudgetLedger(RedisConnector redis, String namespace, LongSupplier clock) {
        this.redis = redis;
        this.prefix = "tollgate:{" + namespace + "}:";
        this.reservations = prefix + "reservations";
        this.expiry = prefix + "reservation-expiry";
        this.clock = clock;
    }

    private String accountKey(String account) {
        return prefix + "budget:" + account;
    }

    private String now() {
        return clock == null ? "" : Long.toString(clock.getAsLong());
    }

    @Override
    public Mono<ReserveResult> reserve(String reservationId, List<LedgerAccount> accounts, long amountMicros, Duration ttl) {
        List<String> keys = new ArrayList<>(accounts.size() + 2);
        keys.add(reservations);
        keys.add(expiry);
        List<String> args = new ArrayList<>(accounts.size() * 2 + 3);
        args.add(reservationId);
        args.add(Long.toString(amountMicros));
        args.add(Long.toString(ttl.toMillis()));
        for (LedgerAccount a : accounts) {
            keys.add(accountKey(a.id()));
            args.add(a.limitMicros() == Long.MAX_VALUE ? "none" : Long.toString(a.limitMicros()));
            args.add(Long.toString(a.periodEnd().plus(KEEP_AFTER_PERIOD).getEpochSecond()));
        }
        args.add(now());
        return eval(RESERVE, ScriptOutputType.MULTI, keys, args).map(out -> {
            List<?> values = (List<?>) out;
            List<LedgerBalance> balances = new ArrayList<>(accounts.size());
            for (int i = 0; i < accounts.size(); i++) {
                balances.add(new LedgerBalance(accounts.get(i).id(), number(values.get(2 + i * 2)), number(values.get(3 + i * 2))));
            }
            boolean granted = number(values.get(0)) == 1;
            int rejected = (int) number(values.get(1));
            return new ReserveResult(granted, granted ? null : accounts.get(rejected - 1).id(), balances);
        });
    }

    @Override
    public Mono<Void> settle(String reservationId, List<LedgerAccount> accounts, long actualMicros) {
        List<String> keys = new ArrayList<>(accounts.size() + 3);
        keys.add(reservations);
        keys.add(expiry);
        keys.add(prefix + "settled:" + reservationId);
        List<String> args = new ArrayList<>(accounts.size() + 2);
        args.add(reservationId);
        args.add(Long.toString(actualMicros));
        for (LedgerAccount a : accounts) {
            keys.add(accountKey(a.id()));
            args.add(Long.toString(a.periodEnd().plus(KEEP_AFTER_PERIOD).getEpochSecond()));
        }
        args.add(now());
        return eval(SETTLE, ScriptOutputType.INTEGER, keys, args).then();
    }

    @Override
    public Mono<List<LedgerBalance>> balances(List<String> accountIds) {
        return Mono.defer(() -> {
            RedisReactiveCommands<String, String> cmd = commands();
            return Flux.fromIterable(accountIds)
                    .concatMap(id -> cmd.hmget(accountKey(id), "spent", "reserved").collectList()
                            .map(v -> new LedgerBalance(id, Long.parseLong(v.get(0).getValueOrElse("0")),
                                    Long.parseLong(v.get(1).getValueOrElse("0")))))
                    .collectList();
        }).timeout(redis.deadline());
    }

    @Override
    public Mono<Void> record(LedgerAccount account, long micros) {
        return Mono.defer(() -> commands().hincrby(accountKey(account.id()), "spent", micros).then()).timeout(redis.deadline());
    }

    @Override
    public Mono<Boolean> claimOnce(String key, java.time.Instant expiresAt) {
        return Mono.defer(() -> commands().set(prefix + "once:" + key, "1", io.lettuce.core.SetArgs.Builder.nx().pxAt(expiresAt.toEpochMilli())))
                .timeout(redis.deadline())
                .map("OK"::equals)
                .defaultIfEmpty(false);
    }

    private Mono<Object> eval(String script, ScriptOutputType type, List<String> keys, List<String> args) {
        return redis.eval(script, type, keys.toArray(String[]::new), args.toArray(String[]::new));
    }

    private RedisReactiveCommands<String, String> commands() {
        RedisReactiveCommands<String, String> cmd = redis.commands();
        if (cmd == null) {
            throw new IllegalStateException("Redis is not connected");
        }
        return cmd;
    }

    private static long number(Object o) {
        return o instanceof Number n ? n.longValue() : Long.parseLong(String.valueOf(o));
    }
}
