package dev.tollgate.admin;

import dev.tollgate.api.GatewayException;
import dev.tollgate.config.ConfigListener;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.support.KeyHash;
import java.util.HashMap;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

/**
 * Admin credentials are separate from virtual keys: the bootstrap key from the environment
 * ({@code TOLLGATE_ADMIN_KEY}, role owner) and the {@code admins} of the config file, all held as
 * SHA-256 hashes. A virtual key never opens the admin API.
 */
public class AdminAuthenticator implements ConfigListener {

    private final String bootstrapHash;
    private volatile Map<String, AdminIdentity> byHash = Map.of();

    public AdminAuthenticator(String bootstrapKey) {
        this.bootstrapHash = bootstrapKey == null || bootstrapKey.isBlank() ? null : KeyHash.sha256(bootstrapKey);
    }

    @Override
    public Runnable prepare(TollgateConfig config) {
        Map<String, AdminIdentity> next = new HashMap<>();
        for (TollgateConfig.Admin a : config.admins()) {
            next.put(a.keyHash(), new AdminIdentity(a.name(), a.role(), a.team()));
        }
        if (bootstrapHash != null) {
            next.put(bootstrapHash, new AdminIdentity("bootstrap-admin", "owner", null));
        }
        Map<String, AdminIdentity> frozen = Map.copyOf(next);
        return () -> byHash = frozen;
    }

    public AdminIdentity authenticate(HttpHeaders headers) {
        String auth = headers.getFirst(HttpHeaders.AUTHORIZATION);
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7) || auth.length() <= 7) {
            throw new GatewayException(HttpStatus.UNAUTHORIZED, "invalid_request_error", "invalid_admin_key", null,
                    "The admin API needs 'Authorization: Bearer <admin key>' (TOLLGATE_ADMIN_KEY, or an entry of 'admins' in the config).");
        }
        AdminIdentity identity = byHash.get(KeyHash.sha256(auth.substring(7).trim()));
        if (identity == null) {
            throw new GatewayException(HttpStatus.UNAUTHORIZED, "invalid_request_error", "invalid_admin_key", null,
                    "Unknown admin key. Virtual keys (tg-...) do not open the admin API.");
        }
        return identity;
    }

    public boolean enabled() {
        return !byHash.isEmpty();
    }
}
