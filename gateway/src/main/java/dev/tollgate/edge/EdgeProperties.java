package dev.tollgate.edge;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long the server waits for clients and how many it holds ({@code tollgate.server.*}), and
 * who may read the management endpoints. Defaults cut off slow-loris clients without touching
 * well-behaved ones: an LLM call's time is spent on the response, which none of these limits.
 *
 * @param headerTimeout a connection must deliver a complete request line and headers within
 *     this long of opening, or of its previous response ending (keep-alive)
 * @param bodyReadTimeout the longest gap between two reads of a request body
 * @param bodyTimeout the longest a whole request body may take to arrive
 * @param maxConnections open client connections above this are refused with a 503 and closed
 * @param managementToken bearer token for {@code /actuator/**} beyond the bare health status
 *     ({@code TOLLGATE_MANAGEMENT_TOKEN}); empty = only the health status is open
 */
@ConfigurationProperties("tollgate.server")
public record EdgeProperties(
        @DefaultValue("20s") Duration headerTimeout,
        @DefaultValue("15s") Duration bodyReadTimeout,
        @DefaultValue("60s") Duration bodyTimeout,
        @DefaultValue("10000") int maxConnections,
        String managementToken) {

    public EdgeProperties {
        requirePositive(headerTimeout, "header-timeout");
        requirePositive(bodyReadTimeout, "body-read-timeout");
        requirePositive(bodyTimeout, "body-timeout");
        if (maxConnections < 1) {
            throw new IllegalArgumentException("tollgate.server.max-connections: expected a positive number, was " + maxConnections);
        }
    }

    private static void requirePositive(Duration d, String key) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("tollgate.server." + key + ": expected a positive duration, was " + d);
        }
    }
}
