package dev.tollgate.auth;

import dev.tollgate.config.ConfigListener;
import dev.tollgate.config.TollgateConfig;
import java.util.HashMap;
import java.util.Map;
import reactor.core.publisher.Mono;

/** The keys of the config file, indexed by hash; replaced whole when the config reloads. */
public class InMemoryVirtualKeyStore implements VirtualKeyStore, ConfigListener {

    private volatile Map<String, VirtualKey> byHash = Map.of();

    @Override
    public Mono<VirtualKey> findByHash(String keyHash) {
        return Mono.justOrEmpty(byHash.get(keyHash));
    }

    @Override
    public Runnable prepare(TollgateConfig config) {
        Map<String, VirtualKey> next = new HashMap<>();
        for (TollgateConfig.Key k : config.keys()) {
            next.put(k.keyHash(), new VirtualKey(k.name(), k.keyHash(), k.team(), k.project(), k.user(), k.models(), k.metadata(), k.limits()));
        }
        Map<String, VirtualKey> frozen = Map.copyOf(next);
        return () -> byHash = frozen;
    }
}
