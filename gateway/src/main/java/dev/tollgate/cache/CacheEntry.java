package dev.tollgate.cache;

import java.math.BigDecimal;

/**
 * One cached answer: the complete chat completion (JSON, however it was first delivered), the keys
 * it is found under, and what it cost when a provider produced it (what each hit saves; null when
 * the model has no price). {@code vector} and {@code query} are null for an exact-only entry;
 * {@code scope} is the tenant it belongs to (who may see or rate it).
 */
public record CacheEntry(
        String id,
        String scope,
        String exactKey,
        String partition,
        float[] vector,
        String query,
        byte[] body,
        String model,
        BigDecimal costUsd,
        long createdAtMillis,
        long expiresAtMillis) {

    public boolean expired(long nowMillis) {
        return nowMillis >= expiresAtMillis;
    }

    public boolean semantic() {
        return vector != null;
    }
}
