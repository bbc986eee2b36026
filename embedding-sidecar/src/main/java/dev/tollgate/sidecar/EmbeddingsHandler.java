package dev.tollgate.sidecar;

import dev.tollgate.embedding.BatchingEmbedder;
import dev.tollgate.embedding.Embedding;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's {@code POST /v1/embeddings}: {@code input} as a string or a list of strings,
 * {@code encoding_format} float or base64 (little-endian float32, as OpenAI sends it). Each item
 * also carries {@code tollgate: {tokens, covered_chars, truncated}}: how much of a long text the
 * model read, which the gateway's semantic cache needs. Errors use OpenAI's envelope.
 */
final class EmbeddingsHandler {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final BatchingEmbedder embedder;
    private final int maxInputs;

    EmbeddingsHandler(BatchingEmbedder embedder, int maxInputs) {
        this.embedder = embedder;
        this.maxInputs = maxInputs;
    }

    private static final class BadRequest extends RuntimeException {
        final HttpStatus status;
        final String param;
        final String code;

        BadRequest(HttpStatus status, String param, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.param = param;
            this.code = code;
        }
    }

    Mono<ServerResponse> embeddings(ServerRequest request) {
        return request.bodyToMono(byte[].class)
                .defaultIfEmpty(new byte[0])
                .flatMap(body -> {
                    JsonNode json = parse(body);
                    List<String> inputs = inputs(json.get("input"));
                    String model = json.path("model").asString(embedder.model().id());
                    if (!model.equals(embedder.model().id())) {
                        throw new BadRequest(HttpStatus.NOT_FOUND, "model", "model_not_found",
                                "This sidecar serves '" + embedder.model().id() + "', not '" + model + "'.");
                    }
                    String format = json.path("encoding_format").asString("float");
                    if (!format.equals("float") && !format.equals("base64")) {
                        throw new BadRequest(HttpStatus.BAD_REQUEST, "encoding_format", null,
                                "encoding_format: expected 'float' or 'base64', was '" + format + "'.");
                    }
                    JsonNode dimensions = json.get("dimensions");
                    if (dimensions != null && !dimensions.isNull() && dimensions.asInt() != embedder.model().dimensions()) {
                        throw new BadRequest(HttpStatus.BAD_REQUEST, "dimensions", null, "dimensions: "
                                + embedder.model().id() + " has " + embedder.model().dimensions() + " dimensions only.");
                    }
                    return Mono.fromFuture(() -> embedder.submitAll(inputs))
                            .publishOn(Schedulers.parallel())
                            .map(vectors -> answer(vectors, model, format.equals("base64")));
                })
                .flatMap(answer -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(answer))
                .onErrorResume(BadRequest.class, e -> error(e.status, e.getMessage(), e.param, e.code))
                .onErrorResume(RejectedExecutionException.class, e -> error(HttpStatus.SERVICE_UNAVAILABLE,
                        "The embedding queue is full; retry shortly. (" + e.getMessage() + ")", null, "overloaded"));
    }

    private static JsonNode parse(byte[] body) {
        try {
            JsonNode json = JSON.readTree(body);
            if (json == null || !json.isObject()) {
                throw new BadRequest(HttpStatus.BAD_REQUEST, null, null,
                        "The body must be a JSON object such as {\"input\": \"some text\"}.");
            }
            return json;
        } catch (JacksonException e) {
            throw new BadRequest(HttpStatus.BAD_REQUEST, null, null, "The body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private List<String> inputs(JsonNode input) {
        if (input == null || input.isNull()) {
            throw new BadRequest(HttpStatus.BAD_REQUEST, "input", null, "input: required, a string or a list of strings.");
        }
        List<String> out = new ArrayList<>();
        if (input.isString()) {
            out.add(input.asString());
        } else if (input.isArray()) {
            for (JsonNode item : input) {
                if (!item.isString()) {
                    throw new BadRequest(HttpStatus.BAD_REQUEST, "input", null,
                            "input: expected strings; token arrays are not supported by this sidecar.");
                }
                out.add(item.asString());
            }
        } else {
            throw new BadRequest(HttpStatus.BAD_REQUEST, "input", null, "input: expected a string or a list of strings.");
        }
        if (out.isEmpty() || out.size() > maxInputs) {
            throw new BadRequest(HttpStatus.BAD_REQUEST, "input", null,
                    "input: give between 1 and " + maxInputs + " texts, was " + out.size() + ".");
        }
        for (String text : out) {
            if (text.isEmpty()) {
                throw new BadRequest(HttpStatus.BAD_REQUEST, "input", null, "input: texts must not be empty.");
            }
        }
        return out;
    }

    private static byte[] answer(List<Embedding> vectors, String model, boolean base64) {
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        long tokens = 0;
        for (int i = 0; i < vectors.size(); i++) {
            Embedding e = vectors.get(i);
            tokens += e.tokens();
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            if (base64) {
                item.put("embedding", Embedding.toBase64(e.vector()));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float f : e.vector()) {
                    values.add(f);
                }
            }
            ObjectNode extra = item.putObject("tollgate");
            extra.put("tokens", e.tokens());
            extra.put("covered_chars", e.coveredChars());
            extra.put("truncated", e.truncated());
        }
        root.put("model", model);
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", tokens);
        usage.put("total_tokens", tokens);
        return JSON.writeValueAsBytes(root);
    }

    static Mono<ServerResponse> error(HttpStatus status, String message, String param, String code) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", status.is5xxServerError() ? "server_error" : "invalid_request_error");
        error.put("param", param);
        error.put("code", code);
        ServerResponse.BodyBuilder builder = ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON);
        if (status == HttpStatus.SERVICE_UNAVAILABLE) {
            builder.header("retry-after", "1");
        }
        return builder.bodyValue(JSON.writeValueAsBytes(root));
    }
}
