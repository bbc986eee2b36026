package dev.tollgate.sidecar;

import java.time.Instant;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What an OpenAI-compatible server says about itself: {@code GET /v1/models} lists the one model
 * this sidecar serves, {@code GET /v1/models/{id}} describes it, and any other path is a 404 in
 * the OpenAI error envelope that says what is served here.
 */
final class ModelsHandler {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String model;
    private final long created = Instant.now().getEpochSecond();

    ModelsHandler(String model) {
        this.model = model;
    }

    Mono<ServerResponse> list(ServerRequest request) {
        ObjectNode root = JSON.createObjectNode().put("object", "list");
        root.putArray("data").add(model());
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(JSON.writeValueAsBytes(root));
    }

    Mono<ServerResponse> one(ServerRequest request) {
        String id = request.pathVariable("id");
        if (!id.equals(model)) {
            return EmbeddingsHandler.error(HttpStatus.NOT_FOUND, "The model '" + id + "' does not exist here; this sidecar serves '"
                    + model + "'.", "model", "model_not_found");
        }
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(JSON.writeValueAsBytes(model()));
    }

    Mono<ServerResponse> unknown(ServerRequest request) {
        return EmbeddingsHandler.error(HttpStatus.NOT_FOUND, "Unknown request URL: " + request.method() + " " + request.path()
                + ". This embedding sidecar serves POST /v1/embeddings, GET /v1/models and GET /v1/models/{id}.", null, "unknown_url");
    }

    private ObjectNode model() {
        return JSON.createObjectNode().put("id", model).put("object", "model").put("created", created)
                .put("owned_by", "tollgate-sidecar");
    }
}
