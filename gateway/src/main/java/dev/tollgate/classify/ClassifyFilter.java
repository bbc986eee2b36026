package dev.tollgate.classify;

import dev.tollgate.api.JsonBody;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.api.RequestValidator;
import dev.tollgate.config.Routing;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.pipeline.FilterOrder;
import dev.tollgate.pipeline.GatewayRoutes;
import dev.tollgate.pipeline.LlmExchange;
import dev.tollgate.routing.ModelRoute;
import dev.tollgate.routing.RoutingTable;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Step CLASSIFY: resolves a routing alias (e.g. {@code auto}) to one of its tiers' models, cheapest
 * stage first: rules (first match wins), then the trained complexity classifier, then, only when
 * its score is inside the uncertainty band, the LLM classifier. The request then names the tier's
 * model, so the budget reserves on that model's prices and its fallbacks and deployments apply as
 * for a direct call. Runs after the cache (a hit needs no route) and before the budget.
 */
public class ClassifyFilter implements GlobalFilter, Ordered {

    private static final Logger log = LoggerFactory.getLogger(ClassifyFilter.class);
    public static final String ROUTE_HEADER = "x-tollgate-route";
    public static final String COMPLEXITY_HEADER = "x-tollgate-complexity";

    private final RoutingBook book;
    private final RoutingTable routing;
    private final LlmClassifierStage llmStage;
    private final MeterRegistry meters;
    private final Timer scoring;
    private final Map<String, Counter> decisions = new java.util.concurrent.ConcurrentHashMap<>();

    public ClassifyFilter(RoutingBook book, RoutingTable routing, LlmClassifierStage llmStage, MeterRegistry meters) {
        this.book = book;
        this.routing = routing;
        this.llmStage = llmStage;
        this.meters = meters;
        this.scoring = Timer.builder("tollgate_route_classification")
                .description("Time to score a prompt's complexity, embedding included")
                .publishPercentiles(0.5, 0.99).register(meters);
    }

    /** What the stages decided, before it is applied. */
    public record Decision(String tier, String stage, String reason) {}

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (!GatewayRoutes.isLlmRoute(exchange)) {
            return chain.filter(exchange);
        }
        LlmExchange llm = LlmExchange.of(exchange);
        Routing.Alias alias = book.alias(llm.request().model());
        if (alias == null) {
            return chain.filter(exchange);
        }
        PromptFacts facts = facts(llm, exchange.getRequest().getHeaders());
        return decide(llm, alias, facts, true).flatMap(route -> {
            apply(exchange, llm, route);
            return chain.filter(exchange);
        });
    }

    /**
     * The route for this request, without applying it. {@code askLlm} false ({@code /v1/route/explain},
     * which calls no provider): a score inside the LLM band keeps the trained decision, its reason
     * ending in {@code ,llm-band}.
     */
    public Mono<LlmExchange.AliasRoute> decide(LlmExchange llm, Routing.Alias alias, PromptFacts facts, boolean askLlm) {
        Routing.Rule rule = RuleMatcher.firstMatch(alias.rules(), facts);
        ComplexityScorer scorer = book.scorer();
        boolean scorable = alias.classifier() != null && scorer != null && facts.lastUserText() != null
                && !facts.lastUserText().isBlank() && !"embeddings".equals(facts.operation());
        long start = System.nanoTime();
        Mono<Optional<Double>> score = !scorable ? Mono.just(Optional.empty())
                : scorer.score(llm, facts.lastUserText())
                        .doOnNext(s -> scoring.record(System.nanoTime() - start, TimeUnit.NANOSECONDS))
                        .map(s -> Optional.of(s.score()))
                        .onErrorResume(e -> {
                            log.warn("Complexity scoring failed for request {}; routing without a score: {}",
                                    llm.requestId(), e.toString());
                            return Mono.empty();
                        })
                        .defaultIfEmpty(Optional.empty());
        return score.flatMap(s -> {
            Double complexity = s.orElse(null);
            if (rule != null) {
                return Mono.just(route(alias, new Decision(rule.tier(), "rule", rule.name()), complexity));
            }
            if (complexity == null) {
                return Mono.just(route(alias, new Decision(alias.defaultTier(), "default",
                        alias.classifier() == null ? "no-rule-matched" : "no-score"), complexity));
            }
            Decision trained = byScore(alias, complexity);
            Routing.LlmClassifier band = alias.llmClassifier();
            if (band == null || llmStage == null || complexity < band.bandLow() || complexity > band.bandHigh()) {
                return Mono.just(route(alias, trained, complexity));
            }
            if (!askLlm) {
                return Mono.just(route(alias, new Decision(trained.tier(), trained.stage(), trained.reason() + ",llm-band"),
                        complexity));
            }
            return llmStage.classify(llm, alias, band, facts.lastUserText())
                    .map(d -> route(alias, d, complexity))
                    .defaultIfEmpty(route(alias, new Decision(trained.tier(), trained.stage(),
                            trained.reason() + ",llm-unavailable"), complexity));
        });
    }

    /** The classifier's tier: the most capable tier whose threshold the score reaches, else the cheapest. */
    static Decision byScore(Routing.Alias alias, double score) {
        String tier = alias.tierNames().get(0);
        String reason = "score<" + first(alias);
        for (Map.Entry<String, Double> t : alias.classifier().thresholds().entrySet()) {
            if (score >= t.getValue()) {
                tier = t.getKey();
                reason = String.format(Locale.ROOT, "score>=%s", t.getValue());
            }
        }
        return new Decision(tier, "classifier", reason);
    }

    private static String first(Routing.Alias alias) {
        return alias.classifier().thresholds().values().stream().findFirst().map(String::valueOf).orElse("1");
    }

    private LlmExchange.AliasRoute route(Routing.Alias alias, Decision d, Double complexity) {
        return new LlmExchange.AliasRoute(alias.name(), d.tier(), alias.tiers().get(d.tier()), d.stage(), d.reason(),
                complexity, alias.tiers().get(alias.baseline()), baselinePrice(alias.tiers().get(alias.baseline())));
    }

    private void apply(ServerWebExchange exchange, LlmExchange llm, LlmExchange.AliasRoute route) {
        LlmRequest request = llm.request();
        Map<String, String> rewrite = JsonBody.fields();
        rewrite.put("model", JsonBody.quote(route.model()));
        LlmRequest rewritten = RequestValidator.validate(request.endpoint(), JsonBody.parse(request.body().rewrite(rewrite)));
        ModelRoute tier = llm.routes().route(route.model());
        if (tier == null) {
            // Only when a reload removed the tier's model after the alias was validated against it.
            throw dev.tollgate.api.GatewayException.modelNotFound(route.model());
        }
        llm.routed(route, rewritten, tier);
        HttpHeaders headers = exchange.getResponse().getHeaders();
        headers.set(ROUTE_HEADER, header(route));
        headers.set(COMPLEXITY_HEADER, route.complexity() == null ? "unknown"
                : String.format(Locale.ROOT, "%.3f", route.complexity()));
        decisions.computeIfAbsent(route.alias() + "|" + route.tier() + "|" + route.stage(), k -> Counter
                .builder("tollgate_route_decisions").description("Calls routed through an alias, by tier and deciding stage")
                .tag("alias", route.alias()).tag("tier", route.tier()).tag("stage", route.stage()).register(meters))
                .increment();
    }

    /** {@code auto > premium > gpt-4o; stage=rule; reason=code-generation}. */
    public static String header(LlmExchange.AliasRoute route) {
        return route.alias() + " > " + route.tier() + " > " + route.model() + "; stage=" + route.stage() + "; reason="
                + route.reason();
    }

    public static PromptFacts facts(LlmExchange llm, HttpHeaders httpHeaders) {
        Map<String, String> headers = new HashMap<>();
        httpHeaders.forEach((name, values) -> {
            if (!values.isEmpty()) {
                headers.put(name.toLowerCase(Locale.ROOT), values.get(0));
            }
        });
        return PromptFacts.of(llm.request().json(), llm.attributes(), headers, llm.operation(), llm::inputTokenEstimate);
    }

    /** The price the baseline tier's model would have charged: the model's own, else its first priced deployment's. */
    public TollgateConfig.Price baselinePrice(String model) {
        ModelRoute route = model == null ? null : routing.route(model);
        if (route == null) {
            return null;
        }
        if (route.model().price() != null) {
            return route.model().price();
        }
        return route.deployments().stream().map(t -> t.price()).filter(p -> p != null).findFirst().orElse(null);
    }

    @Override
    public int getOrder() {
        return FilterOrder.CLASSIFY;
    }
}
