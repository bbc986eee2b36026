package dev.tollgate.testing;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * BlockHound runs in every test (blockhound-junit-platform). The only allowance: Netty's DNS
 * resolver seeds its query-id space from the OS random source once per name server, on the first
 * lookup. That one-time read is Netty's, not ours; everything else that blocks on an event loop
 * fails the build.
 */
public class TollgateBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("io.netty.resolver.dns.DnsQueryIdSpace$DnsQueryIdRange", "pushId");
    }
}
