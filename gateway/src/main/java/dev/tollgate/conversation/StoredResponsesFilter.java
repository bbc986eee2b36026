package dev.tollgate.conversation;

import dev.tollgate.api.GatewayException;
import dev.tollgate.api.JsonBody;
import dev.tollgate.auth.VirtualKey;
import dev.tollgate.frontdoor.responses.ResponsesCall;
import dev.tollgate.frontdoor.responses.ResponsesFrontDoor;
import dev.tollgate.pipeline.FilterOrder;
import dev.tollgate.pipeline.GatewayRoutes;
import dev.tollgate.pipeline.LlmExchange;
import dev.tollgate.pipeline.ParseRequestFilter;
import dev.tollgate.routing.RoutingTable;
import dev.tollgate.support.Json;
import dev.tollgate.support.TokenCounter;
import java.util.ArrayList;
import java.util.List;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.util.unit.DataSize;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Terminal filter for {@code responses-store:}, what Tollgate answers itself around the Responses
 * API: {@code GET} and {@code DELETE /v1/responses/{id}}, {@code GET /v1/responses/{id}/input_items}
 * (only the key that created a response sees it: any other gets 404), and
 * {@code POST /v1/responses/input_tokens}, counted by Tollgate's tokenizer over the request as it
 * would reach the provider (a stored conversation it continues included).
 */
public class StoredResponsesFilter implements GlobalFilter, Ordered {

    private static final String PREFIX = "/v1/responses/";

    private final ResponseArchive archive;
    private final RoutingTable routing;
    private final int maxBytes;

    public StoredResponsesFilter(ResponseArchive archive, RoutingTable routing, DataSize maxRequestSize) {
        this.archive = archive;
        this.routing = routing;
        this.maxBytes = (int) Math.min(Integer.MAX_VALUE, maxRequestSize.toBytes());
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (!GatewayRoutes.isStoredResponsesRoute(exchange)) {
            return chain.filter(exchange);
        }
        ServerWebExchangeUtils.setAlreadyRouted(exchange);
        VirtualKey key = LlmExchange.of(exchange).key();
        String path = exchange.getRequest().getPath().value();
        String[] parts = path.substring(PREFIX.length()).split("/", -1);
        HttpMethod method = exchange.getRequest().getMethod();
        if (parts.length == 1 && parts[0].equals("input_tokens")) {
            return method == HttpMethod.POST ? inputTokens(exchange, key) : notAllowed(path, "POST");
        }
        String id = parts[0];
        if (parts.length == 1 && method == HttpMethod.GET) {
            return found(key, id).flatMap(stored -> write(exchange, stored.response().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        if (parts.length == 1 && method == HttpMethod.DELETE) {
            return archive.delete(key.name(), id).flatMap(deleted -> deleted
                    ? write(exchange, Json.MAPPER.writeValueAsBytes(Json.MAPPER.createObjectNode().put("id", id)
                            .put("object", "response.deleted").put("deleted", true)))
                    : Mono.error(notFound(id)));
        }
        if (parts.length == 2 && parts[1].equals("input_items") && method == HttpMethod.GET) {
            return found(key, id).flatMap(stored -> write(exchange, Json.MAPPER.writeValueAsBytes(
                    inputItems(Json.MAPPER.readTree(stored.inputItems()), exchange))));
        }
        if (parts.length == 2 && parts[1].equals("cancel")) {
            return Mono.error(GatewayException.invalidRequest(null,
                    "Only background responses can be cancelled, and Tollgate does not run responses in the background."));
        }
        if (parts.length == 1 || (parts.length == 2 && parts[1].equals("input_items"))) {
            return notAllowed(path, parts.length == 1 ? "GET, DELETE" : "GET");
        }
        return Mono.error(new GatewayException(HttpStatus.NOT_FOUND, "invalid_request_error", "unknown_url", null,
                "Unknown request URL: " + method + " " + path + "."));
    }

    private Mono<ResponseStore.Stored> found(VirtualKey key, String id) {
        return archive.find(key.name(), id).switchIfEmpty(Mono.error(() -> notFound(id)));
    }

    private static GatewayException notFound(String id) {
        return new GatewayException(HttpStatus.NOT_FOUND, "invalid_request_error", null, null,
                "Response with id '" + id + "' not found.");
    }

    private static Mono<Void> notAllowed(String path, String allowed) {
        return Mono.error(new GatewayException(HttpStatus.METHOD_NOT_ALLOWED, "invalid_request_error", "method_not_allowed", null,
                path + " accepts " + allowed + " only."));
    }

    /** The list page: {@code order} (default desc, newest first, as OpenAI), {@code limit} 1–100 (default 20), {@code after}. */
    static ObjectNode inputItems(JsonNode items, ServerWebExchange exchange) {
        List<JsonNode> all = new ArrayList<>();
        items.forEach(all::add);
        String order = exchange.getRequest().getQueryParams().getFirst("order");
        if (order == null || order.equals("desc")) {
            java.util.Collections.reverse(all);
        } else if (!order.equals("asc")) {
            throw GatewayException.invalidRequest("order", "order: expected asc or desc.");
        }
        int limit = 20;
        String limitParam = exchange.getRequest().getQueryParams().getFirst("limit");
        if (limitParam != null) {
            try {
                limit = Integer.parseInt(limitParam);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > 100) {
                throw GatewayException.invalidRequest("limit", "limit: expected an integer from 1 to 100.");
            }
        }
        String after = exchange.getRequest().getQueryParams().getFirst("after");
        int start = 0;
        if (after != null) {
            for (int i = 0; i < all.size(); i++) {
                if (after.equals(all.get(i).path("id").asString())) {
                    start = i + 1;
                }
            }
        }
        List<JsonNode> page = all.subList(Math.min(start, all.size()), Math.min(start + limit, all.size()));
        ObjectNode list = Json.MAPPER.createObjectNode().put("object", "list");
        ArrayNode data = list.putArray("data");
        page.forEach(data::add);
        list.put("first_id", page.isEmpty() ? null : page.get(0).path("id").asString());
        list.put("last_id", page.isEmpty() ? null : page.get(page.size() - 1).path("id").asString());
        list.put("has_more", start + limit < all.size());
        return list;
    }

    private Mono<Void> inputTokens(ServerWebExchange exchange, VirtualKey key) {
        return ParseRequestFilter.body(exchange, maxBytes).flatMap(bytes -> {
            JsonBody body = JsonBody.parse(bytes);
            ObjectNode tree = body.tree().deepCopy();
            if (!tree.path("model").isString()) {
                tree.put("model", "-"); // the model is optional when counting
            }
            if (!tree.has("input") && !tree.has("previous_response_id")) {
                tree.put("input", "");
            }
            String model = tree.get("model").asString();
            if (!model.equals("-") && routing.route(model) == null) {
                return Mono.error(GatewayException.modelNotFound(model));
            }
            if (!model.equals("-") && !key.allows(model)) {
                return Mono.error(GatewayException.modelNotAllowed(model, key.name()));
            }
            tree.remove("stream");
            ResponsesCall call = (ResponsesCall) new ResponsesFrontDoor(false)
                    .forRequest(JsonBody.parse(Json.MAPPER.writeValueAsBytes(tree)), new HttpHeaders());
            JsonBody chat = call.canonicalRequest(body);
            String previousId = call.previousResponseId();
            Mono<JsonNode> counted = previousId == null ? Mono.just(chat.tree())
                    : archive.find(key.name(), previousId)
                            .switchIfEmpty(Mono.error(() -> new GatewayException(HttpStatus.NOT_FOUND, "invalid_request_error",
                                    "previous_response_not_found", "previous_response_id",
                                    "Previous response with id '" + previousId + "' not found.")))
                            .map(stored -> {
                                List<JsonNode> previous = new ArrayList<>();
                                Json.MAPPER.readTree(stored.conversation()).forEach(previous::add);
                                return ConversationFilter.continued(
                                        dev.tollgate.api.RequestValidator.validate(dev.tollgate.api.Endpoint.CHAT_COMPLETIONS, chat),
                                        call, previous).json();
                            });
            return counted.flatMap(json -> write(exchange, Json.MAPPER.writeValueAsBytes(Json.MAPPER.createObjectNode()
                    .put("object", "response.input_tokens").put("input_tokens", TokenCounter.countInput(json)))));
        });
    }

    private static Mono<Void> write(ServerWebExchange exchange, byte[] body) {
        ServerHttpResponse response = exchange.getResponse();
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        response.getHeaders().setContentLength(body.length);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }

    @Override
    public int getOrder() {
        return FilterOrder.TERMINAL;
    }
}
