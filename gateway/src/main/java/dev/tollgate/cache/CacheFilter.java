package dev.tollgate.cache;

import dev.tollgate.api.Endpoint;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.config.TollgateConfig.CacheMode;
import dev.tollgate.embedding.Embedding;
import dev.tollgate.frontdoor.FrontDoor;
import dev.tollgate.metrics.GatewayMetrics;
import dev.tollgate.pipeline.CachedCalls;
import dev.tollgate.pipeline.FilterOrder;
import dev.tollgate.pipeline.GatewayRoutes;
import dev.tollgate.pipeline.LlmExchange;
import dev.tollgate.provider.StreamChunk;
import dev.tollgate.usage.UsageEvent;
import dev.tollgate.support.AfterCallWork;
import dev.tollgate.usage.UsageSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import tools.jackson.databind.JsonNode;

/**
 * Answers chat completions from the cache, or lets the call go on and keeps its answer.
 * <ol>
 *   <li>Exact stage: the canonical request's hash within the tenant scope ({@link CacheKeys}).</li>
 *   <li>Semantic stage, when the policy allows it and the request qualifies (last turn is user
 *       text; no tools unless allowed; temperature not above the configured maximum): the last user
 *       turn is embedded; its nearest entries of the same partition are candidates, and a hit needs
 *       the {@link CacheVerifier}'s score at the threshold (or with the verifier off, the cosine)
 *       and no veto from {@link SemanticGuards}.</li>
 * </ol>
 * A hit is written in the shape the client asked for (JSON, or SSE via {@link StreamReplay}) and
 * metered at cost 0. On a miss the response is copied as it streams by, and once the call's usage
 * event says it succeeded, the complete answer is stored. {@code Cache-Control: no-cache} skips
 * the lookup, {@code no-store} the storing. The cache never fails a call: a store or embedder
 * problem is logged, counted, and the call goes on as a miss.
 */
public class CacheFilter implements GlobalFilter, Ordered {

    private static final Logger log = LoggerFactory.getLogger(CacheFilter.class);

    public static final String CACHE_HEADER = "x-tollgate-cache";
    public static final String SIMILARITY_HEADER = "x-tollgate-cache-similarity";
    public static final String ID_HEADER = "x-tollgate-cache-id";
    /** The verifier's score of the best candidate, on hits and misses alike. */
    public static final String SCORE_HEADER = "x-tollgate-cache-score";
    /** Why the best candidate was refused by a guard (numbers differ, …), on a miss. */
    public static final String VETO_HEADER = "x-tollgate-cache-veto";
    /** How many nearest neighbours the verifier judges. */
    static final int CANDIDATES = 4;
    /** Larger answers are passed on but not kept. */
    static final int MAX_STORED_BYTES = 4 * 1024 * 1024;

    private final CacheBook book;
    private final CacheStore store;
    private final UsageSink usage;
    private final GatewayMetrics metrics;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
    private final Timer lookups;
    private final Counter failures;
    private final DistributionSummary similarity;

    private final AfterCallWork afterCall;

    public CacheFilter(CacheBook book, CacheStore store, UsageSink usage, GatewayMetrics metrics, MeterRegistry meters,
            Clock clock, AfterCallWork afterCall) {
        this.afterCall = afterCall;
        this.book = book;
        this.store = store;
        this.usage = usage;
        this.metrics = metrics;
        this.meters = meters;
        this.clock = clock;
        this.lookups = Timer.builder("tollgate_cache_lookup").description("Cache lookup time, embedding included")
                .publishPercentiles(0.5, 0.99).register(meters);
        this.failures = Counter.builder("tollgate_cache_errors_total")
                .description("Cache lookups or stores that failed; the call went on as a miss").register(meters);
        // Buckets where thresholds are set (0.80 to 1): is the threshold close to the hits it serves?
        this.similarity = DistributionSummary.builder("tollgate_cache_similarity")
                .description("Cosine similarity of semantic hits to the question they answered")
                .serviceLevelObjectives(0.8, 0.85, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99, 1.0).register(meters);
    }

    /**
     * What a lookup found: a hit ({@code entry} set), or on a miss the best candidate's similarity,
     * score and veto (all null when the partition held nothing near), so that a miss shows how close
     * it came.
     */
    private record Hit(CacheEntry entry, String outcome, Float similarity, Double score, String veto) {

        static final Hit NONE = new Hit(null, "miss", null, null, null);
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (!GatewayRoutes.isLlmRoute(exchange)) {
            return chain.filter(exchange);
        }
        LlmExchange llm = LlmExchange.of(exchange);
        LlmRequest request = llm.request();
        if (request.endpoint() != Endpoint.CHAT_COMPLETIONS) {
            return chain.filter(exchange);
        }
        CacheBook.Policy policy = book.policy(llm.key(), request.model());
        if (policy.mode() == CacheMode.OFF) {
            return chain.filter(exchange);
        }
        String cacheControl = String.join(",", exchange.getRequest().getHeaders().getOrEmpty(HttpHeaders.CACHE_CONTROL))
                .toLowerCase(Locale.ROOT);
        boolean lookUp = !cacheControl.contains("no-cache");
        boolean keep = !cacheControl.contains("no-store");
        CacheKeys keys = CacheKeys.of(policy.scope(), request.json());
        TextEmbedder embedder = book.embedder();
        boolean semantic = policy.mode() == CacheMode.SEMANTIC && embedder != null && keys.partition() != null
                && semanticAllowed(request);
        Mono<Embedding> embedding = semantic
                ? embedder.embed(keys.query()).onErrorResume(e -> failed("embedding", e)).cache()
                : Mono.empty();
        if (semantic) {
            // Offered to the routing classifier, which scores the same text: embedded once per call.
            llm.textEmbedding(new LlmExchange.TextEmbedding(keys.query(), embedder.model(), embedding));
        }
        long start = System.nanoTime();
        Mono<Hit> lookup = !lookUp ? Mono.empty()
                : store.exact(keys.exact()).map(e -> new Hit(e, "hit", 1f, null, null))
                        .switchIfEmpty(embedding.flatMap(e -> semanticLookup(keys.query(), e,
                                CacheKeys.withUnseenTail(keys.partition(), keys.query().substring(e.coveredChars())), policy)))
                        .onErrorResume(e -> failed("lookup", e));
        return lookup
                .defaultIfEmpty(Hit.NONE)
                .doOnNext(found -> lookups.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS))
                .flatMap(found -> found.entry() != null
                        ? serve(exchange, llm, found)
                        : miss(exchange, chain, llm, policy, keys, keep, semantic ? embedding : Mono.empty(), found));
    }

    /**
     * The nearest entries of the partition are candidates; the verifier (or, with it off, the cosine
     * threshold) and the guards decide whether one asks the same question.
     */
    private Mono<Hit> semanticLookup(String query, Embedding embedding, String partition, CacheBook.Policy policy) {
        CacheVerifier verifier = book.verifier();
        double floor = verifier != null ? verifier.minSimilarity() : policy.threshold();
        return store.candidates(partition, embedding.vector(), floor, CANDIDATES).map(candidates -> {
            Hit best = Hit.NONE;
            for (CacheStore.Match candidate : candidates) {
                CacheEntry entry = candidate.entry();
                CacheVerifier.Verdict verdict = verifier != null
                        ? verifier.judge(query, embedding.vector(), entry.query(), entry.vector(), policy.threshold())
                        : cosineOnly(query, entry, candidate.similarity(), policy.threshold());
                if (verdict.same()) {
                    return new Hit(entry, "semantic-hit", verdict.similarity(), verifier != null ? verdict.score() : null, null);
                }
                if (best.similarity() == null || verifier != null && verdict.score() > best.score()) {
                    best = new Hit(null, "miss", verdict.similarity(), verifier != null ? verdict.score() : null, verdict.veto());
                }
            }
            return best;
        });
    }

    private static CacheVerifier.Verdict cosineOnly(String query, CacheEntry entry, float similarity, double threshold) {
        String veto = SemanticGuards.veto(query, entry.query());
        return new CacheVerifier.Verdict(similarity, similarity, veto, veto == null && similarity >= threshold);
    }

    private boolean semanticAllowed(LlmRequest request) {
        JsonNode json = request.json();
        var semantic = book.config().semantic();
        JsonNode tools = json.get("tools");
        if (!semantic.tools() && (tools != null && tools.isArray() && !tools.isEmpty() || json.hasNonNull("functions"))) {
            return false;
        }
        JsonNode temperature = json.get("temperature");
        return temperature == null || !temperature.isNumber() || temperature.asDouble() <= semantic.maxTemperature();
    }

    private Mono<Void> serve(ServerWebExchange exchange, LlmExchange llm, Hit hit) {
        count(hit.outcome());
        if ("semantic-hit".equals(hit.outcome())) {
            similarity.record(hit.similarity());
        }
        llm.cacheOutcome(new LlmExchange.CacheOutcome(hit.outcome(), hit.entry().costUsd()));
        ServerHttpResponse response = exchange.getResponse();
        HttpHeaders headers = response.getHeaders();
        headers.set(CACHE_HEADER, hit.outcome());
        closeness(headers, hit);
        headers.set(ID_HEADER, hit.entry().id());
        DataBufferFactory buffers = response.bufferFactory();
        FrontDoor frontDoor = llm.frontDoor();
        Mono<Void> write;
        // Entries hold OpenAI-shaped answers; the caller's front door writes them in its API.
        if (llm.request().stream()) {
            headers.setContentType(MediaType.TEXT_EVENT_STREAM);
            headers.setCacheControl("no-cache");
            FrontDoor.StreamWriter writer = frontDoor.streamWriter(llm.request(), llm::inputTokenEstimate);
            List<StreamChunk> chunks = StreamReplay.chunks(hit.entry().body());
            write = response.writeAndFlushWith(Flux.fromIterable(chunks)
                    .map(chunk -> writer.frames(chunk))
                    .concatWith(Mono.fromSupplier(writer::end))
                    .filter(frames -> !frames.isEmpty())
                    .map(frames -> Flux.fromIterable(frames).map(buffers::wrap)));
        } else {
            byte[] stored = hit.entry().body();
            // No metered usage to impose: a front door that needs usage reads the stored answer's.
            byte[] body = frontDoor.completion(stored, null);
            headers.setContentType(MediaType.APPLICATION_JSON);
            headers.setContentLength(body.length);
            write = response.writeWith(Mono.just(buffers.wrap(body)));
        }
        return write.doFinally(signal -> CachedCalls.meter(llm, signal, usage, metrics));
    }

    /** Similarity, score and veto of the hit or of a miss's best candidate. */
    private static void closeness(HttpHeaders headers, Hit hit) {
        if (hit.similarity() != null) {
            headers.set(SIMILARITY_HEADER, String.format(Locale.ROOT, "%.4f", hit.similarity()));
        }
        if (hit.score() != null) {
            headers.set(SCORE_HEADER, String.format(Locale.ROOT, "%.4f", hit.score()));
        }
        if (hit.veto() != null) {
            headers.set(VETO_HEADER, hit.veto());
        }
    }

    private Mono<Void> miss(ServerWebExchange exchange, GatewayFilterChain chain, LlmExchange llm,
            CacheBook.Policy policy, CacheKeys keys, boolean keep, Mono<Embedding> embedding, Hit nearest) {
        count("miss");
        llm.cacheOutcome(new LlmExchange.CacheOutcome("miss", null));
        exchange.getResponse().getHeaders().set(CACHE_HEADER, "miss");
        closeness(exchange.getResponse().getHeaders(), nearest);
        if (!keep) {
            return chain.filter(exchange);
        }
        // The id the answer will be stored under: a client can rate the answer it got right away.
        String id = newId();
        exchange.getResponse().getHeaders().set(ID_HEADER, id);
        Tap tap = new Tap();
        llm.answerTap(tap);
        boolean stream = llm.request().stream();
        llm.onFinish(event -> {
            if (event.status() == 200 && !tap.overflow) {
                byte[] captured = tap.bytes.toByteArray();
                byte[] body = stream ? StreamAssembler.withUsage(StreamAssembler.assemble(captured),
                        event.inputTokens(), event.outputTokens()) : captured;
                if (body != null && body.length > 0) {
                    keepAnswer(id, keys, policy, embedding, body, event);
                }
            }
        });
        return chain.filter(exchange);
    }

    private static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return "tgc-" + Long.toHexString(random.nextLong() & Long.MAX_VALUE) + Long.toHexString(random.nextLong() & Long.MAX_VALUE);
    }

    private void keepAnswer(String id, CacheKeys keys, CacheBook.Policy policy, Mono<Embedding> embedding, byte[] body,
            UsageEvent event) {
        long now = clock.millis();
        BigDecimal cost = event.costUsd();
        // Queued, not retried: a lost cache entry costs one later miss. The queue bounds how many
        // stores may be under way and lets shutdown finish them.
        afterCall.submit("cache store " + id, false, () -> embedding.map(e -> new CacheEntry(id, policy.scope(), keys.exact(),
                        CacheKeys.withUnseenTail(keys.partition(), keys.query().substring(e.coveredChars())),
                        e.vector(), keys.query(), body, event.model(), cost, now, now + policy.ttl().toMillis()))
                .defaultIfEmpty(new CacheEntry(id, policy.scope(), keys.exact(), null, null, null, body, event.model(), cost, now,
                        now + policy.ttl().toMillis()))
                .flatMap(store::put)
                .onErrorResume(e -> failed("store", e)));
    }

    private <T> Mono<T> failed(String what, Throwable e) {
        failures.increment();
        log.warn("Cache {} failed; the call goes on as a miss: {}", what, e.toString());
        return Mono.empty();
    }

    private void count(String outcome) {
        outcomes.computeIfAbsent(outcome, o -> Counter.builder("tollgate_cache_requests_total")
                .description("Chat calls the cache looked at, by outcome").tag("outcome", o).register(meters)).increment();
    }

    /** Copies the provider's OpenAI-shaped answer, up to {@link #MAX_STORED_BYTES}. */
    private static final class Tap implements LlmExchange.AnswerTap {

        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        volatile boolean overflow;

        @Override
        public void completion(byte[] openAiBody) {
            copy(openAiBody);
        }

        @Override
        public void chunk(StreamChunk chunk) {
            copy(chunk.frame());
        }

        private void copy(byte[] data) {
            if (overflow || bytes.size() + data.length > MAX_STORED_BYTES) {
                overflow = true;
                return;
            }
            bytes.writeBytes(data);
        }
    }

    @Override
    public int getOrder() {
        return FilterOrder.CACHE;
    }
}
