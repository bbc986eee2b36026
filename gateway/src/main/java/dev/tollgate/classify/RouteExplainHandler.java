package dev.tollgate.classify;

import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.JsonBody;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.api.RequestValidator;
import dev.tollgate.auth.BearerKey;
import dev.tollgate.auth.VirtualKeyStore;
import dev.tollgate.config.Routing;
import dev.tollgate.pipeline.LlmExchange;
import dev.tollgate.support.Json;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/route/explain}: the body of a chat completion to a routing alias, answered with
 * the route it would take (tier, model, deciding stage and reason, complexity score, every rule
 * and whether it matched) without calling any provider. The LLM stage is not asked: when the
 * score falls inside its band the answer says so ({@code llm_classifier.would_ask}).
 */
public final class RouteExplainHandler {

    private final ClassifyFilter classify;
    private final RoutingBook book;
    private final VirtualKeyStore keys;

    public RouteExplainHandler(ClassifyFilter classify, RoutingBook book, VirtualKeyStore keys) {
        this.classify = classify;
        this.book = book;
        this.keys = keys;
    }

    public RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route().POST("/v1/route/explain", this::explain).build();
    }

    Mono<ServerResponse> explain(ServerRequest request) {
        // The body is read before any refusal, so a refused client's connection stays usable.
        return request.bodyToMono(byte[].class).defaultIfEmpty(new byte[0]).flatMap(bytes ->
                BearerKey.resolve(keys, request.headers().asHttpHeaders()).flatMap(key -> {
                    LlmRequest parsed = RequestValidator.validate(Endpoint.CHAT_COMPLETIONS, JsonBody.parse(bytes));
                    Routing.Alias alias = book.alias(parsed.model());
                    if (alias == null) {
                        return Mono.error(new GatewayException(HttpStatus.BAD_REQUEST, "invalid_request_error",
                                "not_a_routing_alias", "model", "'" + parsed.model() + "' is not a routing alias; aliases: "
                                        + String.join(", ", book.routing().aliases().keySet()) + " (docs/routing.md)."));
                    }
                    if (!key.allows(alias.name())) {
                        return Mono.error(GatewayException.modelNotAllowed(alias.name(), key.name()));
                    }
                    String requestId = request.headers().firstHeader("x-request-id");
                    LlmExchange llm = LlmExchange.outsidePipeline(request.exchange(),
                            requestId != null ? requestId : "explain-" + Long.toHexString(System.nanoTime()), key, parsed);
                    PromptFacts facts = ClassifyFilter.facts(llm, request.headers().asHttpHeaders());
                    return classify.decide(llm, alias, facts, false).flatMap(route -> json(describe(alias, facts, route)));
                }));
    }

    private static ObjectNode describe(Routing.Alias alias, PromptFacts facts, LlmExchange.AliasRoute route) {
        ObjectNode out = Json.MAPPER.createObjectNode().put("object", "route.explanation").put("alias", route.alias())
                .put("tier", route.tier()).put("model", route.model()).put("stage", route.stage())
                .put("reason", route.reason()).put("header", ClassifyFilter.header(route));
        if (route.complexity() == null) {
            out.putNull("complexity");
        } else {
            out.put("complexity", route.complexity());
        }
        out.putObject("baseline").put("tier", alias.baseline()).put("model", route.baselineModel());
        var rules = out.putArray("rules");
        for (Routing.Rule rule : alias.rules()) {
            rules.addObject().put("name", rule.name()).put("tier", rule.tier()).put("matched", RuleMatcher.matches(rule.when(), facts));
        }
        if (alias.classifier() != null) {
            ObjectNode thresholds = out.putObject("classifier").putObject("thresholds");
            for (Map.Entry<String, Double> t : alias.classifier().thresholds().entrySet()) {
                thresholds.put(t.getKey(), t.getValue());
            }
        }
        if (alias.llmClassifier() != null) {
            Routing.LlmClassifier llm = alias.llmClassifier();
            boolean inBand = route.complexity() != null && route.complexity() >= llm.bandLow()
                    && route.complexity() <= llm.bandHigh() && !"rule".equals(route.stage());
            out.putObject("llm_classifier").put("model", llm.model()).put("would_ask", inBand);
        }
        return out;
    }

    private static Mono<ServerResponse> json(ObjectNode body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(Json.MAPPER.writeValueAsBytes(body));
    }
}
