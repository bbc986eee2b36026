package dev.tollgate.conversation;

import java.time.Instant;
import reactor.core.publisher.Mono;

/**
 * Stored Responses API answers ({@code store: true}), each owned by the virtual key that created
 * it: a lookup by another key finds nothing.
 */
public interface ResponseStore {

    /**
     * One stored response.
     *
     * @param response the response object as the client received it (JSON)
     * @param inputItems the request's input items (JSON array), for {@code GET .../input_items}
     * @param conversation the whole conversation up to and including this answer as chat messages
     *     (JSON array, without instructions), what {@code previous_response_id} continues from
     */
    record Stored(String id, String owner, Instant createdAt, String response, String inputItems, String conversation) {}

    Mono<Void> save(Stored stored);

    /** Empty when there is no such response for this owner. */
    Mono<Stored> find(String owner, String id);

    /** True when a response was deleted. */
    Mono<Boolean> delete(String owner, String id);

    /** Deletes what was created before {@code cutoff}; the number of rows deleted. */
    Mono<Long> deleteCreatedBefore(Instant cutoff);
}
