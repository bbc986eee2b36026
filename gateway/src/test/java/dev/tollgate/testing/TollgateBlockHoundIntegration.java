package dev.tollgate.testing;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * BlockHound runs in every test (blockhound-junit-platform); everything that blocks on an event
 * loop fails the build, except:
 *
 * <ul>
 *   <li>Netty's DNS resolver seeds its query-id space from the OS random source once per name
 *       server, on the first lookup;
 *   <li>Resilience4j's circuit breaker guards its sliding window (a few additions) and its
 *       open-to-half-open switch with a ReentrantLock since 2.x, for virtual threads. Under
 *       contention a caller parks for the length of those additions. The library is the one the
 *       stack prescribes; the critical sections never wait on I/O.
 * </ul>
 */
public class TollgateBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("io.netty.resolver.dns.DnsQueryIdSpace$DnsQueryIdRange", "pushId");
        builder.allowBlockingCallsInside("io.github.resilience4j.core.metrics.FixedSizeSlidingWindowMetrics", "record");
        builder.allowBlockingCallsInside("io.github.resilience4j.core.metrics.FixedSizeSlidingWindowMetrics", "getSnapshot");
        builder.allowBlockingCallsInside("io.github.resilience4j.core.metrics.SlidingTimeWindowMetrics", "record");
        builder.allowBlockingCallsInside("io.github.resilience4j.core.metrics.SlidingTimeWindowMetrics", "getSnapshot");
        builder.allowBlockingCallsInside("io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine$OpenState",
                "toHalfOpenState");
    }
}
