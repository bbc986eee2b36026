package dev.tollgate.experiment;

import dev.tollgate.api.GatewayException;
import dev.tollgate.support.Json;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/** A small JSON object body (at most 64 KiB) of the feedback and experiment endpoints. */
final class JsonBodies {

    private JsonBodies() {}

    static Mono<JsonNode> object(ServerRequest request) {
        return DataBufferUtils.join(request.bodyToFlux(DataBuffer.class), 64 * 1024)
                .map(buffer -> {
                    try {
                        byte[] bytes = new byte[buffer.readableByteCount()];
                        buffer.read(bytes);
                        JsonNode node = Json.MAPPER.readTree(bytes);
                        if (!node.isObject()) {
                            throw GatewayException.invalidJson("Expected a JSON object.");
                        }
                        return node;
                    } catch (JacksonException e) {
                        throw GatewayException.invalidJson("Invalid JSON: " + e.getOriginalMessage());
                    } finally {
                        DataBufferUtils.release(buffer);
                    }
                })
                .switchIfEmpty(Mono.error(() -> GatewayException.invalidJson("The request body is empty; expected a JSON object.")));
    }
}
