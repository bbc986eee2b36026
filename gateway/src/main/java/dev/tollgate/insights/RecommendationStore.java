package dev.tollgate.insights;

import java.time.Instant;
import java.util.List;
import reactor.core.publisher.Mono;

/** Stored recommendations: the last computation of each, with the status an admin gave it. */
public interface RecommendationStore {

    /**
     * Stores what a computation found: new ones open, known ones updated with their status kept
     * (a dismissed one stays dismissed), and open ones no longer found removed.
     */
    Mono<Void> replace(List<Recommendation> found);

    Mono<List<Recommendation>> list(String status);

    /** False when there is no recommendation with this id. */
    Mono<Boolean> setStatus(String id, String status, String by, Instant at);
}
