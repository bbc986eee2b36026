package dev.tollgate.support;

import dev.tollgate.api.GatewayException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import reactor.core.publisher.Mono;

/**
 * What a shared-state port does when Redis cannot be reached, decided in one place for all of
 * them ({@code tollgate.state.on-redis-failure}).
 *
 * <p>fail-closed (default): the call is refused with 503. Budgets are a promise about money;
 * a gateway that cannot see the shared ledger cannot keep it, so it says so instead of guessing.
 *
 * <p>fail-open: the call goes on against this replica's in-memory state. Limits and budgets then
 * hold per replica only (N replicas may let N times through) until Redis is back; every such
 * decision is counted in {@code tollgate.state.failures} and logged loudly (at most every 10 s).
 */
public final class StateFailurePolicy {

    private static final Logger log = LoggerFactory.getLogger(StateFailurePolicy.class);

    private final boolean failOpen;
    private final Counter failures;
    private final String port;
    private final AtomicLong lastLog = new AtomicLong();

    public StateFailurePolicy(String port, boolean failOpen, MeterRegistry meters) {
        this.port = port;
        this.failOpen = failOpen;
        this.failures = Counter.builder("tollgate.state.failures").tag("port", port)
                .tag("policy", failOpen ? "fail-open" : "fail-closed")
                .description("Decisions taken while the shared state store was unreachable").register(meters);
    }

    public <T> Mono<T> onFailure(Throwable error, Supplier<Mono<T>> local) {
        failures.increment();
        long now = System.currentTimeMillis();
        long last = lastLog.get();
        if (now - last > 10_000 && lastLog.compareAndSet(last, now)) {
            log.error("Shared state for {} unreachable ({}); {}", port, error.toString(), failOpen
                    ? "FAIL-OPEN: enforcing per replica only until Redis is back"
                    : "FAIL-CLOSED: refusing calls that need it until Redis is back");
        }
        if (failOpen) {
            return local.get();
        }
        return Mono.error(new GatewayException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", "state_store_unavailable", null,
                "The gateway cannot reach its shared " + port + " and is configured to refuse calls it cannot account for. Retry shortly.",
                Duration.ofSeconds(1), error));
    }
}
