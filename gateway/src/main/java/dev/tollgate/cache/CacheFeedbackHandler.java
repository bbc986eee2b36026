package dev.tollgate.cache;

import dev.tollgate.api.GatewayException;
import dev.tollgate.auth.VirtualKey;
import dev.tollgate.auth.VirtualKeyStore;
import dev.tollgate.support.Json;
import java.time.Instant;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a client can do with an answer it was served from the cache (its id is in
 * {@code x-tollgate-cache-id}), with the same virtual key it calls the API with:
 * <ul>
 *   <li>{@code GET /v1/cache/entries/{id}}: the entry and its ratings;</li>
 *   <li>{@code POST /v1/cache/entries/{id}/feedback} {@code {"rating": "good" | "bad"}}: a bad
 *       rating evicts the entry unless good ratings outweigh it (Wilson score, see
 *       {@link CacheStore.Votes#quality()});</li>
 *   <li>{@code DELETE /v1/cache/entries/{id}}: evicts it.</li>
 * </ul>
 * Only the tenant an entry belongs to can see it: another tenant gets 404, as for an id that does
 * not exist.
 */
public final class CacheFeedbackHandler {

    private final CacheStore store;
    private final CacheBook book;
    private final VirtualKeyStore keys;

    public CacheFeedbackHandler(CacheStore store, CacheBook book, VirtualKeyStore keys) {
        this.store = store;
        this.book = book;
        this.keys = keys;
    }

    public RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route()
                .GET("/v1/cache/entries/{id}", this::show)
                .POST("/v1/cache/entries/{id}/feedback", this::feedback)
                .DELETE("/v1/cache/entries/{id}", this::evict)
                .build();
    }

    Mono<ServerResponse> show(ServerRequest request) {
        return owned(request).flatMap(entry -> json(describe(entry, store.votes(entry.id()))));
    }

    Mono<ServerResponse> feedback(ServerRequest request) {
        // The body is read before any refusal, so a refused client's connection stays usable.
        return request.bodyToMono(byte[].class).defaultIfEmpty(new byte[0]).flatMap(body -> {
            boolean good = rating(body);
            return owned(request).flatMap(entry -> store.vote(entry.id(), good)
                    .switchIfEmpty(Mono.error(() -> notFound(entry.id())))
                    .flatMap(votes -> json(describe(entry, votes))));
        });
    }

    Mono<ServerResponse> evict(ServerRequest request) {
        return owned(request).flatMap(entry -> store.evict(entry.id()).flatMap(gone -> json(
                Json.MAPPER.createObjectNode().put("id", entry.id()).put("object", "cache.entry.deleted").put("deleted", gone))));
    }

    private static boolean rating(byte[] body) {
        JsonNode json;
        try {
            json = body.length == 0 ? null : Json.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw GatewayException.invalidJson("The body is not valid JSON: " + e.getOriginalMessage());
        }
        String rating = json == null ? null : json.path("rating").asString(null);
        if (!"good".equals(rating) && !"bad".equals(rating)) {
            throw GatewayException.invalidRequest("rating", "rating: expected \"good\" or \"bad\", e.g. {\"rating\": \"bad\"}.");
        }
        return rating.equals("good");
    }

    /** The entry, if the caller's key belongs to its tenant. */
    private Mono<CacheEntry> owned(ServerRequest request) {
        String id = request.pathVariable("id");
        return caller(request.headers().asHttpHeaders()).flatMap(key -> store.byId(id)
                .filter(entry -> entry.scope().equals(book.scope(key)))
                .switchIfEmpty(Mono.error(() -> notFound(id))));
    }

    private Mono<VirtualKey> caller(HttpHeaders headers) {
        return dev.tollgate.auth.BearerKey.resolve(keys, headers);
    }

    private static GatewayException notFound(String id) {
        return new GatewayException(HttpStatus.NOT_FOUND, "invalid_request_error", "cache_entry_not_found", null,
                "No cache entry '" + id + "' for this key's tenant (it may have expired or been evicted).");
    }

    private static ObjectNode describe(CacheEntry entry, CacheStore.Votes votes) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("id", entry.id());
        out.put("object", "cache.entry");
        out.put("model", entry.model());
        out.put("semantic", entry.semantic());
        out.put("created_at", Instant.ofEpochMilli(entry.createdAtMillis()).toString());
        out.put("expires_at", Instant.ofEpochMilli(entry.expiresAtMillis()).toString());
        ObjectNode feedback = out.putObject("feedback");
        feedback.put("good", votes.good());
        feedback.put("bad", votes.bad());
        feedback.put("quality", Math.round(votes.quality() * 1000) / 1000.0);
        out.put("evicted", votes.evicted());
        return out;
    }

    private static Mono<ServerResponse> json(ObjectNode body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(Json.MAPPER.writeValueAsBytes(body));
    }
}
