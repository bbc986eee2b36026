package dev.tollgate.pipeline;

import dev.tollgate.api.Endpoint;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.auth.VirtualKey;
import dev.tollgate.frontdoor.FrontDoor;
import dev.tollgate.frontdoor.OpenAiFrontDoor;
import dev.tollgate.provider.StreamChunk;
import dev.tollgate.routing.ModelRoute;
import dev.tollgate.routing.RoutingTable;
import dev.tollgate.support.TokenCounter;
import dev.tollgate.usage.UsageEvent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.web.server.ServerWebExchange;

/**
 * The one per-request object the pipeline filters read and enrich. Filters share nothing else:
 * no loose exchange attributes, no thread locals.
 */
public final class LlmExchange {

    private static final String ATTRIBUTE = LlmExchange.class.getName();

    private final String requestId;
    private final long startNanos;
    private final long startEpochMillis;
    private VirtualKey key;
    private RoutingTable.Snapshot routes;
    private ModelRoute route;
    private LlmRequest request;
    private String endUser;
    private String feature;
    private Map<String, String> tags = Map.of();
    private final String operation;
    private final AtomicBoolean metered = new AtomicBoolean();
    private final List<Consumer<UsageEvent>> finishHooks = new CopyOnWriteArrayList<>();
    private Integer inputTokens;
    private Map<String, String> attributes;
    private volatile CacheOutcome cacheOutcome;
    private volatile AnswerTap answerTap;
    private volatile Experiment experiment;

    /**
     * The A/B experiment variant this call was assigned: the model the client asked for (the
     * request now names the variant's model) and the routing strategy the variant uses, null for
     * the model's own.
     */
    public record Experiment(String name, String variant, String requestedModel, dev.tollgate.config.RoutingStrategy strategy) {}

    private volatile AliasRoute aliasRoute;
    private volatile TextEmbedding textEmbedding;

    /**
     * How a routing alias was resolved: alias → tier → model, the stage that decided
     * ({@code rule}, {@code classifier}, {@code llm}, {@code default}) and why (rule name, score
     * threshold, LLM task type), the complexity score (null when it could not be computed) and the
     * alias's baseline model, on whose prices {@code baseline_cost_usd} is computed.
     */
    public record AliasRoute(String alias, String tier, String model, String stage, String reason, Double complexity,
            String baselineModel, dev.tollgate.config.TollgateConfig.Price baselinePrice) {}

    /**
     * A sentence embedding a step computed for this request (the semantic cache's of the last user
     * turn), offered to later steps so the same text is embedded once. Cold and cached: whoever
     * subscribes first runs it, everyone after gets the same vector.
     */
    public record TextEmbedding(String text, String model, reactor.core.publisher.Mono<dev.tollgate.embedding.Embedding> embedding) {}

    /**
     * Sees the provider's answer in the canonical OpenAI shape, before a front door translates it
     * for the client: the complete body, or every stream chunk (the usage chunk included, whether
     * or not the client asked for it). The cache keeps answers this way.
     */
    public interface AnswerTap {
        void completion(byte[] openAiBody);

        void chunk(StreamChunk chunk);
    }
    private FrontDoor frontDoor = OpenAiFrontDoor.INSTANCE;

    /**
     * What the cache did for this call: {@code hit}, {@code semantic-hit} (served, cost 0, with
     * what the answer cost originally) or {@code miss}.
     */
    public record CacheOutcome(String outcome, java.math.BigDecimal costSaved) {
        public boolean hit() {
            return !"miss".equals(outcome);
        }
    }

    private final String api;

    private LlmExchange(String requestId, String operation, String api) {
        this.requestId = requestId;
        this.operation = operation;
        this.api = api;
        this.startNanos = System.nanoTime();
        this.startEpochMillis = System.currentTimeMillis();
    }

    public static LlmExchange start(ServerWebExchange exchange, String requestId) {
        Endpoint endpoint = Endpoint.fromPath(exchange.getRequest().getPath().value());
        LlmExchange llm = new LlmExchange(requestId, endpoint != null ? endpoint.operation() : "other",
                endpoint == Endpoint.MESSAGES ? "anthropic" : endpoint == Endpoint.RESPONSES ? "responses" : "openai");
        exchange.getAttributes().put(ATTRIBUTE, llm);
        return llm;
    }

    /**
     * For an endpoint outside the proxy pipeline ({@code /v1/route/explain}): the exchange the
     * pipeline would have built for this key and request, with the same attributes (key metadata,
     * {@code x-tollgate-*} user, feature and tags).
     */
    public static LlmExchange outsidePipeline(ServerWebExchange exchange, String requestId, VirtualKey key, LlmRequest request) {
        LlmExchange llm = start(exchange, requestId);
        llm.authenticated(key);
        org.springframework.http.HttpHeaders headers = exchange.getRequest().getHeaders();
        llm.parsed(request, request.user() != null ? request.user() : headers.getFirst(ParseRequestFilter.USER_HEADER),
                headers.getFirst(ParseRequestFilter.FEATURE_HEADER), ParseRequestFilter.tags(headers));
        return llm;
    }

    public static LlmExchange of(ServerWebExchange exchange) {
        LlmExchange llm = exchange.getAttribute(ATTRIBUTE);
        if (llm == null) {
            throw new IllegalStateException("LlmExchange missing: the authentication filter did not run");
        }
        return llm;
    }

    /** The API the client called: {@code openai}, {@code anthropic} (/v1/messages) or {@code responses} (/v1/responses). */
    public String api() {
        return api;
    }

    /** The OpenTelemetry operation name of the endpoint called, known before the body is read. */
    public String operation() {
        return operation;
    }

    /** True exactly once: whoever gets it writes the call's one usage event. */
    boolean claimMetering() {
        return metered.compareAndSet(false, true);
    }

    public String requestId() {
        return requestId;
    }

    public long startNanos() {
        return startNanos;
    }

    public long startEpochMillis() {
        return startEpochMillis;
    }

    public VirtualKey key() {
        return key;
    }

    void authenticated(VirtualKey key) {
        this.key = key;
    }

    public LlmRequest request() {
        return request;
    }

    void parsed(LlmRequest request, String endUser, String feature, Map<String, String> tags) {
        this.request = request;
        this.endUser = endUser;
        this.feature = feature;
        this.tags = tags;
    }

    /** The API the client called: how answers and stream errors are written back to it. */
    public FrontDoor frontDoor() {
        return frontDoor;
    }

    void frontDoor(FrontDoor frontDoor) {
        this.frontDoor = frontDoor;
    }

    /**
     * The routing snapshot this request was authenticated against: its model, fallbacks and key
     * all come from one config, whatever reloads happen while it runs.
     */
    public RoutingTable.Snapshot routes() {
        return routes;
    }

    void routes(RoutingTable.Snapshot routes) {
        this.routes = routes;
    }

    /** The requested model's route, resolved once (when the key's access to it was checked). */
    public ModelRoute route() {
        return route;
    }

    /** Sets the route the rest of the pipeline uses, e.g. the tier a routing alias chose. */
    public void route(ModelRoute route) {
        this.route = route;
    }

    /** Replaces the request, e.g. with a lower max_tokens a budget can still pay for. */
    public void replaceRequest(LlmRequest replacement) {
        this.request = replacement;
    }

    /** Input tokens of the request by the tokenizer, counted once and only when a step asks. */
    public int inputTokenEstimate() {
        if (inputTokens == null) {
            inputTokens = TokenCounter.countInput(request.json());
        }
        return inputTokens;
    }

    /**
     * What budgets and rate limits match on: team, project, key, user, model, feature and every
     * metadata tag (the key's own, then the request's x-tollgate-tag-* headers).
     */
    public Map<String, String> attributes() {
        if (attributes == null) {
            Map<String, String> a = new HashMap<>(key.metadata());
            a.putAll(tags);
            put(a, "team", key.team());
            put(a, "project", key.project());
            put(a, "key", key.name());
            put(a, "user", endUser != null ? endUser : key.user());
            put(a, "model", request != null ? request.model() : null);
            put(a, "feature", feature);
            put(a, "alias", aliasRoute != null ? aliasRoute.alias() : null);
            attributes = Map.copyOf(a);
        }
        return attributes;
    }

    private static void put(Map<String, String> map, String name, String value) {
        if (value != null) {
            map.put(name, value);
        }
    }

    /**
     * Runs {@code hook} with the call's usage event once the call is over, however it ended. Hooks
     * run in reverse order of registration: the step that ran last before the call settles first.
     */
    public void onFinish(Consumer<UsageEvent> hook) {
        finishHooks.add(0, hook);
    }

    List<Consumer<UsageEvent>> finishHooks() {
        return finishHooks;
    }

    public AnswerTap answerTap() {
        return answerTap;
    }

    public void answerTap(AnswerTap tap) {
        this.answerTap = tap;
    }

    public CacheOutcome cacheOutcome() {
        return cacheOutcome;
    }

    public void cacheOutcome(CacheOutcome outcome) {
        this.cacheOutcome = outcome;
    }

    public Experiment experiment() {
        return experiment;
    }

    public void experiment(Experiment assigned) {
        this.experiment = assigned;
    }

    /** How the routing alias the client called was resolved; null for a call to a model. */
    public AliasRoute aliasRoute() {
        return aliasRoute;
    }

    /**
     * The alias was resolved: the request now names the tier's model, which is the route the rest
     * of the pipeline uses (budget, call, fallbacks); budgets and limits see it as {@code model}.
     */
    public void routed(AliasRoute decision, LlmRequest rewritten, ModelRoute tierRoute) {
        this.aliasRoute = decision;
        this.request = rewritten;
        this.route = tierRoute;
        this.attributes = null;
    }

    public TextEmbedding textEmbedding() {
        return textEmbedding;
    }

    public void textEmbedding(TextEmbedding embedding) {
        this.textEmbedding = embedding;
    }

    public String endUser() {
        return endUser;
    }

    public String feature() {
        return feature;
    }

    public Map<String, String> tags() {
        return tags;
    }
}
