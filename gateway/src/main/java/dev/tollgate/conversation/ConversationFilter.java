package dev.tollgate.conversation;

import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.JsonBody;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.api.RequestValidator;
import dev.tollgate.frontdoor.responses.ResponsesCall;
import dev.tollgate.pipeline.FilterOrder;
import dev.tollgate.pipeline.GatewayRoutes;
import dev.tollgate.pipeline.LlmExchange;
import dev.tollgate.support.Json;
import java.util.ArrayList;
import java.util.List;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Conversation state of the Responses API, right after parsing: a request with
 * {@code previous_response_id} gets the stored conversation put in front of its own input (so
 * rate limits, budgets and the cache see the whole effective input, as the provider will), and
 * a request with {@code store} not false has its answer stored once it is complete.
 */
public class ConversationFilter implements GlobalFilter, Ordered {

    private final ResponseArchive archive;

    public ConversationFilter(ResponseArchive archive) {
        this.archive = archive;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (!GatewayRoutes.isLlmRoute(exchange)) {
            return chain.filter(exchange);
        }
        LlmExchange llm = LlmExchange.of(exchange);
        if (!(llm.frontDoor() instanceof ResponsesCall call)) {
            return chain.filter(exchange);
        }
        String owner = llm.key().name();
        String previousId = call.previousResponseId();
        Mono<List<JsonNode>> history = previousId == null ? Mono.just(List.of())
                : archive.find(owner, previousId)
                        .switchIfEmpty(Mono.error(() -> new GatewayException(HttpStatus.NOT_FOUND, "invalid_request_error",
                                "previous_response_not_found", "previous_response_id",
                                "Previous response with id '" + previousId + "' not found.")))
                        .map(stored -> messages(stored.conversation()));
        return history.flatMap(previous -> {
            if (!previous.isEmpty()) {
                llm.replaceRequest(continued(llm.request(), call, previous));
            }
            if (call.stored()) {
                call.onResponse(response -> archive.save(new ResponseStore.Stored(call.responseId(), owner, archive.now(),
                        Json.MAPPER.writeValueAsString(response), Json.MAPPER.writeValueAsString(call.inputItems()),
                        Json.MAPPER.writeValueAsString(call.conversation(previous, response)))));
            }
            return chain.filter(exchange);
        });
    }

    /** The request with the stored conversation between its instructions and its own input. */
    static LlmRequest continued(LlmRequest request, ResponsesCall call, List<JsonNode> previous) {
        ObjectNode body = request.json().deepCopy();
        ArrayNode messages = body.putArray("messages");
        JsonNode instructions = call.instructionsMessage();
        if (instructions != null) {
            messages.add(instructions);
        }
        previous.forEach(messages::add);
        call.inputMessages().forEach(messages::add);
        return RequestValidator.validate(Endpoint.CHAT_COMPLETIONS, JsonBody.parse(Json.MAPPER.writeValueAsBytes(body)));
    }

    private static List<JsonNode> messages(String json) {
        List<JsonNode> out = new ArrayList<>();
        Json.MAPPER.readTree(json).forEach(out::add);
        return out;
    }

    @Override
    public int getOrder() {
        return FilterOrder.CONVERSATION;
    }
}
