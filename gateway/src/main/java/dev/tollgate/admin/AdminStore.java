package dev.tollgate.admin;

import dev.tollgate.config.TollgateConfig;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** What the admin API changes: stored virtual keys, stored budgets, and the audit log of both. */
public interface AdminStore {

    record StoredKey(String name, String keyHash, String team, String project, String user, List<String> models,
            Map<String, String> metadata, TollgateConfig.Limits limits, Instant createdAt, String createdBy, Instant revokedAt) {}

    record StoredBudget(String name, String definition, Instant updatedAt) {}

    record AuditEntry(UUID id, Instant at, String actor, String role, String action, String target, String details) {}

    Flux<StoredKey> keys(boolean includeRevoked);

    /** False when the name is taken. */
    Mono<Boolean> insertKey(StoredKey key);

    /** False when there is no active key of that name. */
    Mono<Boolean> revokeKey(String name, Instant at);

    Mono<Boolean> rotateKey(String name, String newHash);

    Flux<StoredBudget> budgets();

    Mono<Void> upsertBudget(String name, String definition, Instant at);

    Mono<Boolean> deleteBudget(String name);

    Mono<Void> audit(AuditEntry entry);

    Flux<AuditEntry> auditLog(int limit);
}
