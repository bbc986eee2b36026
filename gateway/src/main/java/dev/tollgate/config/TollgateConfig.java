package dev.tollgate.config;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * The validated content of {@code tollgate.yaml}. Immutable: a reload builds a new instance and
 * swaps it in whole, so a request never sees half of an old config and half of a new one.
 */
public record TollgateConfig(
        Map<String, Provider> providers,
        Map<String, Model> models,
        List<Key> keys,
        List<Budget> budgets,
        ZoneId budgetTimeZone,
        List<RateLimit> rateLimits,
        List<Webhook> webhooks,
        List<Admin> admins,
        Cache cache,
        List<Experiment> experiments,
        Routing routing,
        Insights insights) {

    /** The same config with the models, keys and rate limits that runtime overrides changed. */
    public TollgateConfig withOverrides(Map<String, Model> models, List<Key> keys, List<RateLimit> rateLimits) {
        return new TollgateConfig(providers, models, keys, budgets, budgetTimeZone, rateLimits, webhooks, admins, cache,
                experiments, routing, insights);
    }

    /** Config with only providers, models and keys (no budgets, limits or cache). */
    public TollgateConfig(Map<String, Provider> providers, Map<String, Model> models, List<Key> keys) {
        this(providers, models, keys, List.of(), ZoneOffset.UTC, List.of(), List.of(), List.of(), Cache.OFF, List.of(), Routing.NONE, Insights.DEFAULTS);
    }

    /** Config without routing aliases. */
    public TollgateConfig(Map<String, Provider> providers, Map<String, Model> models, List<Key> keys,
            List<Budget> budgets, ZoneId budgetTimeZone, List<RateLimit> rateLimits, List<Webhook> webhooks,
            List<Admin> admins, Cache cache) {
        this(providers, models, keys, budgets, budgetTimeZone, rateLimits, webhooks, admins, cache, List.of(), Routing.NONE, Insights.DEFAULTS);
    }

    /**
     * Response cache. {@code mode}: off, exact (same canonical request) or semantic (exact first,
     * then a similar last user turn with everything else equal). {@code scope}: whose entries a
     * caller may be served, {@code team} (keys of one team share) or {@code key}. Per-model and
     * per-key policies override mode, ttl and threshold; the stricter mode of the two wins.
     */
    public record Cache(
            CacheMode mode, Duration ttl, int maxEntries, String scope, Semantic semantic,
            Map<String, CachePolicy> models, Map<String, CachePolicy> keys) {
        public static final Cache OFF = new Cache(CacheMode.OFF, Duration.ofHours(1), 10_000, "team",
                Semantic.DEFAULTS, Map.of(), Map.of());
    }

    public enum CacheMode { OFF, EXACT, SEMANTIC }

    /** An override: any field may be null (inherit). */
    public record CachePolicy(CacheMode mode, Duration ttl, Double threshold) {}

    /**
     * The semantic stage. {@code threshold}: least score for a hit — with {@code verifier} on (the
     * default) the verifier's probability that the two last user turns ask the same question, with
     * it off their cosine similarity. Requests with tools, or with a temperature above {@code maxTemperature}, only use the
     * exact stage unless {@code tools} is true. {@code embedderUrl}: an embedding sidecar (its
     * OpenAI-compatible {@code /v1/embeddings}); null embeds in-process.
     */
    public record Semantic(String model, double threshold, double maxTemperature, boolean tools, URI embedderUrl,
            int maxBatch, Duration maxWait, boolean verifier) {
        /** The verifier's score bar (and with it off, the cosine); see docs/cache.md and the verifier's training report. */
        public static final double DEFAULT_THRESHOLD = 0.95;
        public static final Semantic DEFAULTS = new Semantic("all-minilm-l6-v2-q", DEFAULT_THRESHOLD, 1.0, false, null,
                1, Duration.ZERO, true);
    }

    /**
     * Someone who may use the admin API: owner, admin, member (keys of their own team), viewer
     * (read only) or billing (budgets and spend). Known only by the SHA-256 of their admin key.
     */
    public record Admin(String name, String keyHash, String role, String team) {}

    /**
     * Where alerts are sent. {@code slack}: a Slack-compatible {@code {"text": ...}} payload;
     * {@code json}: the full alert as JSON, signed with HMAC-SHA256 of {@code secret} when given.
     */
    public record Webhook(String name, URI url, String format, String secret) {
        @Override
        public String toString() {
            return "Webhook[" + name + ", " + url.getHost() + ", " + format + "]"; // the URL path and secret may be credentials
        }
    }

    public record Provider(
            String name,
            ProviderType type,
            URI baseUrl,
            String apiKey,
            Map<String, String> headers,
            Timeouts timeouts,
            Retry retry,
            CircuitBreaker circuitBreaker,
            Simulation simulation,
            UpstreamLimits limits,
            Cloud cloud,
            HealthCheck healthCheck) {

        /** A provider without cloud settings (every type but azure and bedrock) and without an active health check. */
        public Provider(String name, ProviderType type, URI baseUrl, String apiKey, Map<String, String> headers,
                Timeouts timeouts, Retry retry, CircuitBreaker circuitBreaker, Simulation simulation, UpstreamLimits limits) {
            this(name, type, baseUrl, apiKey, headers, timeouts, retry, circuitBreaker, simulation, limits, null, null);
        }

        @Override
        public String toString() {
            // Provider keys never reach a log line.
            return "Provider[" + name + ", type=" + type.id() + ", base-url=" + baseUrl + "]";
        }
    }

    /**
     * Settings of the cloud-hosted types: Azure's {@code api-version}; Bedrock's region and static
     * AWS credentials (the session token only for temporary credentials). Null for other types.
     */
    public record Cloud(String apiVersion, String region, String accessKeyId, String secretAccessKey, String sessionToken) {
        @Override
        public String toString() {
            // The secret key and session token never reach a log line.
            return "Cloud[api-version=" + apiVersion + ", region=" + region + ", access-key-id=" + accessKeyId + "]";
        }
    }

    /** Connect, time-to-first-byte, idle gap between stream chunks, and whole-call limits. */
    public record Timeouts(Duration connect, Duration firstByte, Duration idle, Duration total) {
        public static final Timeouts DEFAULTS =
                new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofMinutes(10));
    }

    /** Attempts on one deployment before moving to the next; backoff is exponential with jitter. */
    public record Retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration maxRetryAfter) {
        public static final Retry DEFAULTS =
                new Retry(2, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(2));
    }

    public record CircuitBreaker(
            float failureRateThreshold, int slidingWindowSize, int minimumCalls, Duration openDuration) {
        public static final CircuitBreaker DEFAULTS = new CircuitBreaker(50f, 20, 10, Duration.ofSeconds(30));
    }

    /**
     * An active probe of a provider every {@code interval}, each allowed {@code timeout}. With
     * {@code model} a one-token chat to that upstream model; without, {@code GET {base-url}/models}.
     * Its result is shown in {@code GET /admin/v1/providers}; it never opens a circuit breaker.
     */
    public record HealthCheck(Duration interval, String model, Duration timeout) {
        public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    }

    /**
     * What a model (or one of its deployments) can do. Null means not stated, which counts as
     * capable: configs written before capabilities existed keep routing as they did.
     *
     * @param contextWindow input plus output tokens the model accepts
     * @param maxOutput most tokens it generates in one answer
     */
    public record Capabilities(Boolean tools, Boolean vision, Boolean jsonMode, Boolean streaming,
            Integer contextWindow, Integer maxOutput) {
        public static final Capabilities UNKNOWN = new Capabilities(null, null, null, null, null, null);

        /** These capabilities with every field {@code override} states replacing this one's. */
        public Capabilities overriddenBy(Capabilities override) {
            if (override == null) {
                return this;
            }
            return new Capabilities(
                    override.tools != null ? override.tools : tools,
                    override.vision != null ? override.vision : vision,
                    override.jsonMode != null ? override.jsonMode : jsonMode,
                    override.streaming != null ? override.streaming : streaming,
                    override.contextWindow != null ? override.contextWindow : contextWindow,
                    override.maxOutput != null ? override.maxOutput : maxOutput);
        }
    }

    /** Only for {@code type: simulated}: the shape of the fake traffic. */
    public record Simulation(Duration ttft, double tokensPerSecond, double failureRate, int outputTokens) {
        public static final Simulation DEFAULTS = new Simulation(Duration.ofMillis(150), 80, 0.0, 48);
    }

    /**
     * @param price the config's own {@code price:} (a whole override of the catalog for every
     *     deployment of the model), or null; what each deployment costs is {@link Deployment#price()}
     * @param maxOutputTokens what a call may generate when the client sets no limit; the budget
     *     reservation assumes this worst case
     * @param strategy how the model orders its deployments for a call
     */
    public record Model(
            String name, List<Deployment> deployments, Price price, List<String> fallbacks, String ownedBy,
            int maxOutputTokens, Capabilities capabilities, RoutingStrategy strategy) {

        /** With capabilities not stated and the default strategy. */
        public Model(String name, List<Deployment> deployments, Price price, List<String> fallbacks, String ownedBy,
                int maxOutputTokens) {
            this(name, deployments, price, fallbacks, ownedBy, maxOutputTokens, Capabilities.UNKNOWN, RoutingStrategy.WEIGHTED);
        }
    }

    /**
     * What a provider account (or one deployment) accepts, e.g. a free tier: requests and tokens
     * per minute, requests per day. Near a limit a call waits up to {@code maxWait} for room,
     * otherwise it moves on to the next deployment instead of collecting the provider's 429.
     */
    public record UpstreamLimits(Long requestsPerMinute, Long tokensPerMinute, Long requestsPerDay, Duration maxWait) {
        public boolean isEmpty() {
            return requestsPerMinute == null && tokensPerMinute == null && requestsPerDay == null;
        }
    }

    /**
     * @param capabilities the effective capabilities: the model's, overridden field by field by the
     *     deployment's own
     * @param price what a call on this deployment costs: the model's {@code price:} when the config
     *     gives one, else the price catalog's entry for the provider type and upstream model; null
     *     when neither knows it (the cost of its calls is then recorded as unknown)
     */
    public record Deployment(String provider, String model, int weight, Timeouts timeouts, UpstreamLimits limits,
            Capabilities capabilities, Price price) {

        /** With capabilities not stated and no price. */
        public Deployment(String provider, String model, int weight, Timeouts timeouts, UpstreamLimits limits) {
            this(provider, model, weight, timeouts, limits, Capabilities.UNKNOWN, null);
        }

        public String id() {
            return provider + "/" + model;
        }
    }

    /**
     * USD per one million tokens, as exact decimals: plain input, input read from the prompt cache,
     * input written to it (Anthropic's and Bedrock's cache creation) and output. {@code version}
     * names the source: the config's {@code version} (default {@code config}) or the catalog's
     * version (e.g. {@code catalog-2026-11}).
     */
    public record Price(BigDecimal input, BigDecimal cachedInput, BigDecimal cacheWrite, BigDecimal output, String version) {}

    public record Key(
            String name,
            String keyHash,
            String team,
            String project,
            String user,
            List<String> models,
            Map<String, String> metadata,
            Limits limits) {}

    /** Per-minute request and token rates and concurrent calls; null = no limit of that kind. */
    public record Limits(Long requestsPerMinute, Long tokensPerMinute, Integer concurrent) {
        public boolean isEmpty() {
            return requestsPerMinute == null && tokensPerMinute == null && concurrent == null;
        }
    }

    /**
     * A rate limit applied to every {@code per} value (each key, team, user or model; or the whole
     * gateway with {@code global}) among the calls that {@code match}.
     */
    public record RateLimit(String name, String per, Map<String, String> match, Limits limits) {}

    public enum Period { DAILY, WEEKLY, MONTHLY }

    /**
     * Spend allowed per period for the calls in {@code scope} (team, project, key, user, model or
     * any metadata tag such as feature; a value of {@code *} gives every distinct value its own
     * budget; an empty scope is the whole organisation).
     */
    public record Budget(
            String name,
            Map<String, String> scope,
            Period period,
            BigDecimal amountUsd,
            boolean hard,
            boolean capMaxTokens,
            List<Integer> alertThresholds) {}
}
