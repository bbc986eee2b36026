package dev.tollgate.experiment;

import dev.tollgate.api.GatewayException;
import dev.tollgate.auth.VirtualKey;
import dev.tollgate.auth.VirtualKeyStore;
import dev.tollgate.support.Json;
import dev.tollgate.support.KeyHash;
import java.math.BigDecimal;
import java.time.Instant;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/feedback {"request_id": ..., "rating": 1 | -1 | 0..1, "comment": ...}}: a rating
 * of any call, by its {@code x-request-id}, with a virtual key of the tenant that made the call
 * (its team, or the key itself when it has no team); any other tenant gets 404, as for an id that
 * does not exist. One rating per call, the latest wins; -1 is stored as 0. Experiment readouts
 * report the mean rating per variant.
 */
public final class FeedbackHandler {

    static final int MAX_COMMENT = 4000;

    private final ExperimentStore store;
    private final VirtualKeyStore keys;

    public FeedbackHandler(ExperimentStore store, VirtualKeyStore keys) {
        this.store = store;
        this.keys = keys;
    }

    public RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route().POST("/v1/feedback", this::feedback).build();
    }

    Mono<ServerResponse> feedback(ServerRequest request) {
        // The body is read before any refusal, so a refused client's connection stays usable.
        return JsonBodies.object(request).flatMap(body -> caller(request.headers().asHttpHeaders()).flatMap(key -> {
            String requestId = requestId(body);
            BigDecimal rating = rating(body.get("rating"));
            String comment = comment(body.get("comment"));
            String tenant = tenant(key.team(), key.name());
            return store.call(requestId)
                    .filter(call -> tenant(call.team(), call.keyName()).equals(tenant))
                    .switchIfEmpty(Mono.error(() -> notFound(requestId)))
                    .flatMap(call -> store.rate(new ExperimentStore.Feedback(requestId, rating, comment, key.name(), tenant, Instant.now())))
                    .then(Mono.defer(() -> {
                        ObjectNode out = Json.MAPPER.createObjectNode();
                        out.put("object", "feedback");
                        out.put("request_id", requestId);
                        out.put("rating", rating);
                        out.put("comment", comment);
                        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(Json.MAPPER.writeValueAsBytes(out));
                    }));
        }));
    }

    static String tenant(String team, String keyName) {
        return team != null ? "team:" + team : "key:" + keyName;
    }

    private static String requestId(JsonNode body) {
        JsonNode id = body.get("request_id");
        if (id == null || id.isNull()) {
            throw GatewayException.missingParam("request_id", "Missing required parameter: 'request_id' (the x-request-id of the call).");
        }
        if (!id.isString() || id.asString().isBlank() || id.asString().length() > 256) {
            throw GatewayException.invalidRequest("request_id", "request_id: expected the x-request-id of a call, a string of at most 256 characters.");
        }
        return id.asString();
    }

    /** 1 or -1 (thumbs up or down), or a score from 0 to 1; -1 is stored as 0. */
    static BigDecimal rating(JsonNode rating) {
        if (rating == null || rating.isNull()) {
            throw GatewayException.missingParam("rating", "Missing required parameter: 'rating' (1 or -1, or a score from 0 to 1).");
        }
        if (rating.isNumber()) {
            BigDecimal value = rating.decimalValue();
            if (value.compareTo(BigDecimal.ONE.negate()) == 0) {
                return BigDecimal.ZERO;
            }
            if (value.signum() >= 0 && value.compareTo(BigDecimal.ONE) <= 0) {
                return value.setScale(Math.min(5, Math.max(0, value.scale())), java.math.RoundingMode.HALF_EVEN);
            }
        }
        throw GatewayException.invalidRequest("rating", "rating: expected 1 or -1, or a score from 0 to 1, was " + rating + ".");
    }

    private static String comment(JsonNode comment) {
        if (comment == null || comment.isNull()) {
            return null;
        }
        if (!comment.isString() || comment.asString().length() > MAX_COMMENT) {
            throw GatewayException.invalidRequest("comment", "comment: expected a string of at most " + MAX_COMMENT + " characters.");
        }
        return comment.asString();
    }

    private Mono<VirtualKey> caller(HttpHeaders headers) {
        String auth = headers.getFirst(HttpHeaders.AUTHORIZATION);
        String presented = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
        if (presented == null || presented.isEmpty()) {
            return Mono.error(GatewayException.unauthorized(
                    "You didn't provide an API key. Send your Tollgate key as 'Authorization: Bearer tg-...'."));
        }
        return keys.findByHash(KeyHash.sha256(presented))
                .switchIfEmpty(Mono.error(() -> GatewayException.unauthorized("Incorrect API key provided.")));
    }

    private static GatewayException notFound(String requestId) {
        return new GatewayException(HttpStatus.NOT_FOUND, "invalid_request_error", "call_not_found", "request_id",
                "No call '" + requestId + "' for this key's tenant (a call can be rated once it is recorded, within a second or so after it ends).");
    }
}
