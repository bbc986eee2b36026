package dev.tollgate.auth;

import reactor.core.publisher.Mono;

/** Looks a virtual key up by the SHA-256 hex digest of its plaintext; empty when unknown. */
public interface VirtualKeyStore {

    Mono<VirtualKey> findByHash(String keyHash);
}
