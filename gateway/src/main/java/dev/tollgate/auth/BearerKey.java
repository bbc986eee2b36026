package dev.tollgate.auth;

import dev.tollgate.api.GatewayException;
import dev.tollgate.support.KeyHash;
import org.springframework.http.HttpHeaders;
import reactor.core.publisher.Mono;

/** The virtual key of a caller outside the proxy pipeline (cache entries, route explain): 401 without a valid one. */
public final class BearerKey {

    private BearerKey() {}

    public static Mono<VirtualKey> resolve(VirtualKeyStore keys, HttpHeaders headers) {
        String auth = headers.getFirst(HttpHeaders.AUTHORIZATION);
        String presented = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
        if (presented == null || presented.isEmpty()) {
            return Mono.error(GatewayException.unauthorized(
                    "You didn't provide an API key. Send your Tollgate key as 'Authorization: Bearer tg-...'."));
        }
        return keys.findByHash(KeyHash.sha256(presented))
                .switchIfEmpty(Mono.error(() -> GatewayException.unauthorized("Incorrect API key provided.")));
    }
}
