package dev.tollgate.admin;

import java.time.Instant;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Runtime overrides as stored (one row per target), shared by every replica through the database. */
public interface OverrideStore {

    record StoredOverride(String kind, String target, String definition, Instant updatedAt, String updatedBy) {}

    Flux<StoredOverride> all();

    Mono<Void> put(StoredOverride override);

    /** False when there was no such override. */
    Mono<Boolean> delete(String kind, String target);
}
