package dev.tollgate.experiment;

import dev.tollgate.api.LlmRequest;
import dev.tollgate.config.Experiment;
import dev.tollgate.pipeline.FilterOrder;
import dev.tollgate.pipeline.GatewayRoutes;
import dev.tollgate.pipeline.LlmExchange;
import dev.tollgate.routing.ModelRoute;
import java.time.Instant;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Puts a call into the variant of the first running experiment on the model it asked for: the
 * request then names the variant's model (so rate limits, the cache, budgets and the call itself
 * all see the model actually used) and carries the variant's strategy. The response says so in
 * {@code x-tollgate-experiment: name=variant}. A key allowed the experiment's model may be routed to
 * any of its variants, as to the tiers of an alias.
 */
public class ExperimentFilter implements GlobalFilter, Ordered {

    public static final String HEADER = "x-tollgate-experiment";

    private final ExperimentBook book;

    public ExperimentFilter(ExperimentBook book) {
        this.book = book;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (!GatewayRoutes.isLlmRoute(exchange) || book.experiments().isEmpty()) {
            return chain.filter(exchange);
        }
        LlmExchange llm = LlmExchange.of(exchange);
        Experiment experiment = applying(llm, Instant.now());
        if (experiment != null) {
            LlmRequest request = llm.request();
            Experiment.Variant variant = Assignment.variant(experiment, unit(experiment.unit(), llm));
            if (variant.model() != null && !variant.model().equals(request.model())) {
                ModelRoute route = llm.routes().route(variant.model());
                if (route == null) {
                    return chain.filter(exchange); // the variant's model was removed by a reload just now
                }
                llm.route(route);
                llm.replaceRequest(new LlmRequest(request.endpoint(), request.body(), variant.model(), request.stream(),
                        request.clientWantsUsage(), request.maxOutputTokens(), request.choices(), request.user()));
            }
            llm.experiment(new LlmExchange.Experiment(experiment.name(), variant.name(), request.model(), variant.strategy()));
            exchange.getResponse().getHeaders().set(HEADER, experiment.name() + "=" + variant.name());
        }
        return chain.filter(exchange);
    }

    private Experiment applying(LlmExchange llm, Instant now) {
        String model = llm.request().model();
        for (Experiment e : book.experiments().values()) {
            if (e.model().equals(model) && e.activeAt(now)
                    && (e.team() == null || e.team().equals(llm.key().team()))
                    && (e.feature() == null || e.feature().equals(llm.feature()))) {
                return e;
            }
        }
        return null;
    }

    /** The end user (from the request or the key), else the key: a call without a known user is sticky per key. */
    static String unit(Experiment.Unit unit, LlmExchange llm) {
        return switch (unit) {
            case USER -> {
                String user = llm.endUser() != null ? llm.endUser() : llm.key().user();
                yield user != null ? "user:" + user : "key:" + llm.key().name();
            }
            case KEY -> "key:" + llm.key().name();
            case REQUEST -> "request:" + llm.requestId();
        };
    }

    @Override
    public int getOrder() {
        return FilterOrder.EXPERIMENT;
    }
}
