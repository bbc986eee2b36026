package dev.tollgate.ratelimit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import reactor.core.publisher.Mono;

/** The single-node limiter: the same GCRA and lease arithmetic as the Redis scripts, under one lock. */
public class InMemoryRateLimiter implements RateLimiter {

    static final long LEASE_MS = 15 * 60_000L;

    private final Map<String, Double> tat = new HashMap<>();
    private final Map<String, Map<String, Long>> leases = new HashMap<>();
    private final LongSupplier clock;

    public InMemoryRateLimiter() {
        this(System::currentTimeMillis);
    }

    InMemoryRateLimiter(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public Mono<Decision> acquire(String leaseId, List<LimitRule> rules) {
        return Mono.fromSupplier(() -> {
            synchronized (this) {
                long now = clock.getAsLong();
                List<LimitState> states = new ArrayList<>(rules.size());
                LimitRule rejected = null;
                long retryAfter = 0;
                double[] next = new double[rules.size()];
                for (int i = 0; i < rules.size(); i++) {
                    LimitRule r = rules.get(i);
                    if (r.kind() == LimitRule.Kind.CONCURRENT) {
                        Map<String, Long> held = leases.computeIfAbsent(r.key(), k -> new HashMap<>());
                        held.values().removeIf(expiry -> expiry <= now);
                        if (rejected == null && held.size() + 1 > r.limit()) {
                            rejected = r;
                            retryAfter = 1000;
                        }
                        states.add(new LimitState(r, Math.max(0, r.limit() - held.size() - 1), 0));
                    } else {
                        double window = r.windowMillis();
                        double interval = window / r.limit();
                        double current = Math.max(tat.getOrDefault(r.key(), (double) now), now);
                        double updated = current + r.cost() * interval;
                        double allowAt = updated - window;
                        next[i] = updated;
                        if (rejected == null && allowAt > now) {
                            rejected = r;
                            retryAfter = r.cost() > r.limit() ? -1 : (long) Math.ceil(allowAt - now);
                        }
                        long remaining = (long) Math.floor((window - (updated - now)) / interval);
                        states.add(new LimitState(r, Math.max(0, remaining), (long) Math.ceil(updated - now)));
                    }
                }
                if (rejected != null) {
                    return new Decision(false, rejected, retryAfter, states);
                }
                for (int i = 0; i < rules.size(); i++) {
                    LimitRule r = rules.get(i);
                    if (r.kind() == LimitRule.Kind.CONCURRENT) {
                        leases.get(r.key()).put(leaseId, now + LEASE_MS);
                    } else {
                        tat.put(r.key(), next[i]);
                    }
                }
                if (tat.size() > 100_000) {
                    tat.values().removeIf(t -> t < now);
                }
                return new Decision(true, null, 0, states);
            }
        });
    }

    @Override
    public Mono<Void> release(String leaseId, List<LimitRule> rules, long unusedTokens) {
        return Mono.fromRunnable(() -> {
            synchronized (this) {
                long now = clock.getAsLong();
                for (LimitRule r : rules) {
                    if (r.kind() == LimitRule.Kind.CONCURRENT) {
                        Map<String, Long> held = leases.get(r.key());
                        if (held != null) {
                            held.remove(leaseId);
                        }
                    } else if (r.kind() == LimitRule.Kind.TOKENS && unusedTokens > 0) {
                        Double current = tat.get(r.key());
                        if (current != null) {
                            tat.put(r.key(), Math.max(now, current - Math.min(unusedTokens, r.cost()) * ((double) r.windowMillis() / r.limit())));
                        }
                    }
                }
            }
        });
    }
}
