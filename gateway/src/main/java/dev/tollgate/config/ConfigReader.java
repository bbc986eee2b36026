package dev.tollgate.config;

import dev.tollgate.config.TollgateConfig.Admin;
import dev.tollgate.config.TollgateConfig.Budget;
import dev.tollgate.config.TollgateConfig.CircuitBreaker;
import dev.tollgate.config.TollgateConfig.Deployment;
import dev.tollgate.config.TollgateConfig.Key;
import dev.tollgate.config.TollgateConfig.Limits;
import dev.tollgate.config.TollgateConfig.Model;
import dev.tollgate.config.TollgateConfig.Period;
import dev.tollgate.config.TollgateConfig.Price;
import dev.tollgate.config.TollgateConfig.Cloud;
import dev.tollgate.config.TollgateConfig.Provider;
import dev.tollgate.config.TollgateConfig.RateLimit;
import dev.tollgate.config.TollgateConfig.Retry;
import dev.tollgate.config.TollgateConfig.Simulation;
import dev.tollgate.config.TollgateConfig.Timeouts;
import dev.tollgate.config.TollgateConfig.Webhook;
import dev.tollgate.support.KeyHash;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.springframework.boot.convert.DurationStyle;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads {@code tollgate.yaml} into a {@link TollgateConfig}. Every problem is collected with the
 * path of the value that caused it ({@code models.gpt-4o.deployments[1].provider: unknown
 * provider 'opnai'}) so one run of the gateway shows the user every mistake at once.
 */
public final class ConfigReader {

    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    /** Worst case assumed for budgets when neither client nor config limits the output. */
    static final int DEFAULT_MAX_OUTPUT_TOKENS = 4096;
    /** Azure OpenAI's data-plane API version when a provider sets none (GA, with stream usage). */
    public static final String DEFAULT_AZURE_API_VERSION = "2024-10-21";
    private static final Set<String> RATE_LIMIT_PER = Set.of("key", "team", "user", "model", "global");

    private final EnvSubstitution env;
    private final Function<String, String> environment;
    private final PriceCatalog catalog;
    private final List<String> problems = new ArrayList<>();
    /** Names under routing.aliases: a key may be allowed an alias like a model. */
    private Set<String> aliasNames = Set.of();

    public ConfigReader(Function<String, String> environment) {
        this(environment, PriceCatalog.defaults());
    }

    /** A reader that prices models without a {@code price:} from {@code catalog}. */
    public ConfigReader(Function<String, String> environment, PriceCatalog catalog) {
        this.env = new EnvSubstitution(environment);
        this.environment = environment;
        this.catalog = catalog;
    }

    public static ConfigReader withSystemEnvironment() {
        return new ConfigReader(name -> {
            String value = System.getenv(name);
            return value != null ? value : System.getProperty(name);
        });
    }

    public TollgateConfig read(String yaml, String source) {
        problems.clear();
        JsonNode root;
        try {
            root = YAML.readTree(env.protect(yaml));
        } catch (JacksonException e) {
            throw new ConfigException(source, List.of("not valid YAML: " + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ConfigException(source, List.of("the file is empty"));
        }
        if (!root.isObject()) {
            throw new ConfigException(source, List.of("(root): expected a mapping with providers, models and keys"));
        }
        allowOnly(root, "", Set.of("providers", "models", "keys", "budgets", "budget-time-zone", "rate-limits", "alerts", "admins", "cache",
                "experiments", "routing", "insights"));
        aliasNames = RoutingReader.aliasNames(root);

        Map<String, Provider> providers = new LinkedHashMap<>();
        JsonNode providersNode = root.path("providers");
        if (!providersNode.isObject() || providersNode.isEmpty()) {
            problems.add("providers: at least one provider is required");
        } else {
            for (Map.Entry<String, JsonNode> e : providersNode.properties()) {
                Provider p = provider(e.getKey(), e.getValue(), "providers." + e.getKey());
                if (p != null) {
                    providers.put(e.getKey(), p);
                }
            }
        }

        Map<String, Model> models = new LinkedHashMap<>();
        JsonNode modelsNode = root.path("models");
        if (!modelsNode.isObject() || modelsNode.isEmpty()) {
            problems.add("models: at least one model is required");
        } else {
            for (Map.Entry<String, JsonNode> e : modelsNode.properties()) {
                Model m = model(e.getKey(), e.getValue(), "models." + e.getKey(), providersNode, providers);
                if (m != null) {
                    models.put(e.getKey(), m);
                }
            }
            for (Model m : models.values()) {
                for (int i = 0; i < m.fallbacks().size(); i++) {
                    String fb = m.fallbacks().get(i);
                    if (!modelsNode.has(fb)) {
                        problems.add("models." + m.name() + ".fallbacks[" + i + "]: unknown model '" + fb + "'"
                                + suggestion(fb, modelsNode.propertyNames()));
                    } else if (fb.equals(m.name())) {
                        problems.add("models." + m.name() + ".fallbacks[" + i + "]: a model cannot fall back to itself");
                    }
                }
            }
        }

        List<Key> keys = keys(root.path("keys"), modelsNode);
        java.time.ZoneId zone = java.time.ZoneOffset.UTC;
        String zoneText = string(root, "budget-time-zone", "", null);
        if (zoneText != null) {
            try {
                zone = java.time.ZoneId.of(zoneText);
            } catch (java.time.DateTimeException e) {
                problems.add("budget-time-zone: unknown time zone '" + zoneText + "' (e.g. UTC, Europe/Berlin, America/New_York)");
            }
        }
        List<Budget> budgets = budgets(root.path("budgets"));
        List<RateLimit> rateLimits = rateLimits(root.path("rate-limits"));
        List<Webhook> webhooks = webhooks(root.path("alerts"));
        List<Admin> admins = admins(root.path("admins"));
        TollgateConfig.Cache cache = cache(root.path("cache"));
        List<Experiment> experiments = ExperimentsSection.read(root.path("experiments"), models.keySet(), problems);
        Routing routing = new RoutingReader(problems, (text, at) -> env.apply(text, at, problems))
                .read(root.path("routing"), models.keySet());
        Insights insights = new InsightsConfigReader(problems).read(root.path("insights"));
        if (!problems.isEmpty()) {
            throw new ConfigException(source, problems);
        }
        // Insertion order kept: /v1/models lists models in the order the file names them.
        return new TollgateConfig(java.util.Collections.unmodifiableMap(providers),
                java.util.Collections.unmodifiableMap(models), List.copyOf(keys), budgets, zone, rateLimits, webhooks, admins, cache,
                experiments, routing, insights);
    }

    private TollgateConfig.Cache cache(JsonNode node) {
        TollgateConfig.Cache d = TollgateConfig.Cache.OFF;
        if (node.isMissingNode() || node.isNull()) {
            return d;
        }
        if (!node.isObject()) {
            problems.add("cache: expected { mode: off|exact|semantic, ttl, max-entries, scope, semantic, models, keys }");
            return d;
        }
        allowOnly(node, "cache", Set.of("mode", "ttl", "max-entries", "scope", "semantic", "models", "keys"));
        TollgateConfig.CacheMode mode = cacheMode(node, "cache", TollgateConfig.CacheMode.SEMANTIC);
        Duration ttl = duration(node, "ttl", "cache", d.ttl());
        int maxEntries = (int) number(node, "max-entries", "cache", d.maxEntries());
        if (maxEntries < 1) {
            problems.add("cache.max-entries: must be at least 1");
        }
        String scope = string(node, "scope", "cache", d.scope());
        if (!Set.of("team", "key").contains(scope)) {
            problems.add("cache.scope: expected team or key, was '" + scope + "'");
        }
        TollgateConfig.Semantic s = TollgateConfig.Semantic.DEFAULTS;
        JsonNode sn = node.path("semantic");
        if (sn.isObject()) {
            String path = "cache.semantic";
            allowOnly(sn, path, Set.of("model", "threshold", "max-temperature", "tools", "embedder-url", "max-batch", "max-wait",
                    "verifier"));
            String model = string(sn, "model", path, s.model());
            if (dev.tollgate.embedding.EmbeddingModel.fromId(model).isEmpty()) {
                problems.add(path + ".model: unknown embedding model '" + model + "' (known: "
                        + dev.tollgate.embedding.EmbeddingModel.allIds() + ")");
            }
            double threshold = threshold(sn, path, s.threshold());
            double maxTemperature = number(sn, "max-temperature", path, s.maxTemperature());
            boolean tools = Boolean.parseBoolean(string(sn, "tools", path, Boolean.toString(s.tools())));
            String url = string(sn, "embedder-url", path, null);
            int maxBatch = (int) number(sn, "max-batch", path, s.maxBatch());
            if (maxBatch < 1) {
                problems.add(path + ".max-batch: must be at least 1");
            }
            s = new TollgateConfig.Semantic(model, threshold, maxTemperature, tools,
                    url == null ? null : uri(url, path + ".embedder-url"), Math.max(1, maxBatch),
                    duration(sn, "max-wait", path, s.maxWait()),
                    Boolean.parseBoolean(string(sn, "verifier", path, Boolean.toString(s.verifier()))));
        } else if (!sn.isMissingNode()) {
            problems.add("cache.semantic: expected { model, threshold, max-temperature, tools, embedder-url }");
        }
        return new TollgateConfig.Cache(mode, ttl, Math.max(1, maxEntries), scope, s,
                cachePolicies(node.path("models"), "cache.models"), cachePolicies(node.path("keys"), "cache.keys"));
    }

    private Map<String, TollgateConfig.CachePolicy> cachePolicies(JsonNode node, String path) {
        if (node.isMissingNode() || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            problems.add(path + ": expected a map of name to { mode, ttl, threshold }");
            return Map.of();
        }
        Map<String, TollgateConfig.CachePolicy> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String at = path + "." + e.getKey();
            JsonNode p = e.getValue();
            if (!p.isObject()) {
                problems.add(at + ": expected { mode, ttl, threshold }");
                continue;
            }
            allowOnly(p, at, Set.of("mode", "ttl", "threshold"));
            out.put(e.getKey(), new TollgateConfig.CachePolicy(cacheMode(p, at, null), duration(p, "ttl", at, null),
                    p.has("threshold") ? threshold(p, at, 0) : null));
        }
        return Map.copyOf(out);
    }

    private TollgateConfig.CacheMode cacheMode(JsonNode node, String path, TollgateConfig.CacheMode fallback) {
        String text = string(node, "mode", path, null);
        if (text == null) {
            return fallback;
        }
        try {
            return TollgateConfig.CacheMode.valueOf(text.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            problems.add(path + ".mode: expected off, exact or semantic, was '" + text + "'");
            return fallback;
        }
    }

    private double threshold(JsonNode node, String path, double fallback) {
        double t = number(node, "threshold", path, fallback);
        if (t <= 0 || t > 1) {
            problems.add(path + ".threshold: a score (verifier probability or cosine) between 0 (exclusive) and 1, was " + t);
        }
        return t;
    }

    private Provider provider(String name, JsonNode node, String path) {
        if (!node.isObject()) {
            problems.add(path + ": expected a mapping such as { type: openai, api-key: ${OPENAI_API_KEY} }");
            return null;
        }
        allowOnly(node, path, Set.of("type", "base-url", "api-key", "headers", "timeouts", "retry",
                "circuit-breaker", "ttft", "tokens-per-second", "failure-rate", "output-tokens", "limits",
                "api-version", "region", "access-key-id", "secret-access-key", "session-token", "health-check"));
        String typeId = string(node, "type", path, null);
        if (typeId == null) {
            problems.add(path + ".type: required, one of " + ProviderType.allIds());
            return null;
        }
        ProviderType type = ProviderType.fromId(typeId).orElse(null);
        if (type == null) {
            problems.add(path + ".type: unknown provider type '" + typeId + "', expected one of " + ProviderType.allIds());
            return null;
        }
        String apiKey = string(node, "api-key", path, null);
        Cloud cloud = cloud(node, path, type, apiKey);
        URI baseUrl = null;
        String defaultBaseUrl = type.defaultBaseUrl().orElse(null);
        if (type == ProviderType.BEDROCK && cloud != null && cloud.region() != null) {
            defaultBaseUrl = "https://bedrock-runtime." + cloud.region() + ".amazonaws.com";
        }
        String baseUrlText = string(node, "base-url", path, defaultBaseUrl);
        if (type.protocol() != ProviderType.Protocol.SIMULATED && !(type == ProviderType.BEDROCK && baseUrlText == null)) {
            if (baseUrlText == null) {
                problems.add(path + ".base-url: required for type " + type.id());
            } else {
                baseUrl = uri(baseUrlText, path + ".base-url");
            }
        }
        Map<String, String> headers = stringMap(node.path("headers"), path + ".headers");
        Timeouts timeouts = timeouts(node.path("timeouts"), path + ".timeouts", Timeouts.DEFAULTS);
        Retry retry = retry(node.path("retry"), path + ".retry");
        CircuitBreaker cb = circuitBreaker(node.path("circuit-breaker"), path + ".circuit-breaker");
        Simulation sim = null;
        if (type == ProviderType.SIMULATED) {
            Simulation d = Simulation.DEFAULTS;
            double failureRate = number(node, "failure-rate", path, d.failureRate());
            if (failureRate < 0 || failureRate > 1) {
                problems.add(path + ".failure-rate: must be between 0 and 1, was " + failureRate);
            }
            double tps = number(node, "tokens-per-second", path, d.tokensPerSecond());
            if (tps <= 0) {
                problems.add(path + ".tokens-per-second: must be positive, was " + tps);
            }
            sim = new Simulation(duration(node, "ttft", path, d.ttft()), tps, failureRate,
                    (int) number(node, "output-tokens", path, d.outputTokens()));
        } else {
            for (String simOnly : List.of("ttft", "tokens-per-second", "failure-rate", "output-tokens")) {
                if (node.has(simOnly)) {
                    problems.add(path + "." + simOnly + ": only valid for type simulated");
                }
            }
        }
        return new Provider(name, type, baseUrl, apiKey, headers, timeouts, retry, cb, sim,
                upstreamLimits(node.path("limits"), path + ".limits"), cloud,
                healthCheck(node.path("health-check"), path + ".health-check", type));
    }

    /** Azure's api-version; Bedrock's region and credentials; null for other types (which may not set them). */
    private Cloud cloud(JsonNode node, String path, ProviderType type, String apiKey) {
        List<String> azureOnly = List.of("api-version");
        List<String> bedrockOnly = List.of("region", "access-key-id", "secret-access-key", "session-token");
        for (String field : azureOnly) {
            if (node.has(field) && type != ProviderType.AZURE) {
                problems.add(path + "." + field + ": only valid for type azure");
            }
        }
        for (String field : bedrockOnly) {
            if (node.has(field) && type != ProviderType.BEDROCK) {
                problems.add(path + "." + field + ": only valid for type bedrock");
            }
        }
        if (type == ProviderType.AZURE) {
            String version = string(node, "api-version", path, DEFAULT_AZURE_API_VERSION);
            if (version != null && version.isBlank()) {
                problems.add(path + ".api-version: must not be empty");
            }
            return new Cloud(version, null, null, null, null);
        }
        if (type != ProviderType.BEDROCK) {
            return null;
        }
        String region = string(node, "region", path, environment.apply("AWS_REGION"));
        if (region == null || region.isBlank()) {
            problems.add(path + ".region: required for type bedrock (e.g. us-east-1), or set AWS_REGION");
            region = null;
        } else if (!region.matches("[a-z0-9-]+")) {
            problems.add(path + ".region: expected an AWS region such as us-east-1, was '" + region + "'");
            region = null;
        }
        // Static credentials only: the SDK's default chain would read profile files and call the
        // instance metadata service, blocking I/O that has no place on an event loop. The
        // environment variables it would read first are read here, once, at load time.
        boolean configured = node.has("access-key-id") || node.has("secret-access-key");
        String accessKeyId = string(node, "access-key-id", path, configured ? null : environment.apply("AWS_ACCESS_KEY_ID"));
        String secretAccessKey = string(node, "secret-access-key", path, configured ? null : environment.apply("AWS_SECRET_ACCESS_KEY"));
        String sessionToken = string(node, "session-token", path, configured ? null : environment.apply("AWS_SESSION_TOKEN"));
        boolean hasKeys = accessKeyId != null && !accessKeyId.isEmpty() && secretAccessKey != null && !secretAccessKey.isEmpty();
        if (!hasKeys && (apiKey == null || apiKey.isEmpty())) {
            if (accessKeyId == null || accessKeyId.isEmpty()) {
                problems.add(path + ".access-key-id: required for type bedrock (e.g. ${AWS_ACCESS_KEY_ID}), or set api-key to a Bedrock API key");
            }
            if (secretAccessKey == null || secretAccessKey.isEmpty()) {
                problems.add(path + ".secret-access-key: required for type bedrock (e.g. ${AWS_SECRET_ACCESS_KEY})");
            }
        }
        return new Cloud(null, region, hasKeys ? accessKeyId : null, hasKeys ? secretAccessKey : null,
                hasKeys && sessionToken != null && !sessionToken.isEmpty() ? sessionToken : null);
    }

    /** Off unless given; {@code enabled: false} keeps the block but turns the probe off. */
    private TollgateConfig.HealthCheck healthCheck(JsonNode node, String path, ProviderType type) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add(path + ": expected { interval: 30s, timeout: 5s, model: <upstream model> }");
            return null;
        }
        allowOnly(node, path, Set.of("enabled", "interval", "model", "timeout"));
        boolean enabled = bool(node, "enabled", path, true);
        Duration interval = duration(node, "interval", path, TollgateConfig.HealthCheck.DEFAULT_INTERVAL);
        Duration timeout = duration(node, "timeout", path, TollgateConfig.HealthCheck.DEFAULT_TIMEOUT);
        String model = string(node, "model", path, null);
        if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
            problems.add(path + ".interval: at least 1s, was " + interval.toMillis() + "ms");
        }
        if (timeout.isZero() || timeout.isNegative()) {
            problems.add(path + ".timeout: must be positive");
        }
        if (model == null && !Set.of(ProviderType.Protocol.OPENAI, ProviderType.Protocol.ANTHROPIC,
                ProviderType.Protocol.SIMULATED).contains(type.protocol())) {
            problems.add(path + ".model: required for type " + type.id() + " (the probe is a one-token chat to it)");
        }
        return enabled ? new TollgateConfig.HealthCheck(interval, model, timeout) : null;
    }

    /**
     * {@code capabilities: { tools, vision, json-mode, streaming, context-window, max-output }};
     * every field optional, absent = not stated (assumed capable).
     */
    private TollgateConfig.Capabilities capabilities(JsonNode node, String path) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add(path + ": expected { tools, vision, json-mode, streaming, context-window, max-output }");
            return null;
        }
        allowOnly(node, path, Set.of("tools", "vision", "json-mode", "streaming", "context-window", "max-output"));
        return new TollgateConfig.Capabilities(optionalBool(node, "tools", path), optionalBool(node, "vision", path),
                optionalBool(node, "json-mode", path), optionalBool(node, "streaming", path),
                positiveInt(node, "context-window", path), positiveInt(node, "max-output", path));
    }

    private Boolean optionalBool(JsonNode parent, String field, String path) {
        String text = string(parent, field, path, null);
        if (text == null) {
            return null;
        }
        return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> {
                problems.add(path + "." + field + ": expected true or false, was '" + text + "'");
                yield null;
            }
        };
    }

    private boolean bool(JsonNode parent, String field, String path, boolean fallback) {
        Boolean b = optionalBool(parent, field, path);
        return b != null ? b : fallback;
    }

    private Integer positiveInt(JsonNode parent, String field, String path) {
        if (!parent.has(field) || parent.get(field).isNull()) {
            return null;
        }
        int before = problems.size();
        double n = number(parent, field, path, -1);
        if (problems.size() > before) {
            return null; // already reported as not a number
        }
        if (n < 1 || n != Math.rint(n) || n > Integer.MAX_VALUE) {
            problems.add(path + "." + field + ": a whole number of tokens, at least 1, was '" + parent.get(field).asString() + "'");
            return null;
        }
        return (int) n;
    }

    private Model model(String name, JsonNode node, String path, JsonNode providersNode, Map<String, Provider> providers) {
        if (!node.isObject()) {
            problems.add(path + ": expected a mapping with deployments");
            return null;
        }
        allowOnly(node, path, Set.of("deployments", "price", "fallbacks", "owned-by", "max-output-tokens", "capabilities", "strategy"));
        TollgateConfig.Capabilities stated = capabilities(node.path("capabilities"), path + ".capabilities");
        TollgateConfig.Capabilities capabilities = stated != null ? stated : TollgateConfig.Capabilities.UNKNOWN;
        // The config's price overrides the catalog whole, for every deployment of the model.
        Price price = price(node.path("price"), path + ".price");
        List<Deployment> deployments = new ArrayList<>();
        JsonNode deps = node.path("deployments");
        if (!deps.isArray() || deps.isEmpty()) {
            problems.add(path + ".deployments: at least one deployment { provider, model } is required");
        } else {
            for (int i = 0; i < deps.size(); i++) {
                String dpath = path + ".deployments[" + i + "]";
                JsonNode d = deps.get(i);
                if (!d.isObject()) {
                    problems.add(dpath + ": expected { provider: ..., model: ... }");
                    continue;
                }
                allowOnly(d, dpath, Set.of("provider", "model", "weight", "timeouts", "limits", "capabilities", "price"));
                String provider = string(d, "provider", dpath, null);
                if (provider == null) {
                    problems.add(dpath + ".provider: required");
                    continue;
                }
                if (!providersNode.has(provider)) {
                    problems.add(dpath + ".provider: unknown provider '" + provider + "'"
                            + suggestion(provider, providersNode.propertyNames()));
                    continue;
                }
                String upstreamModel = string(d, "model", dpath, name);
                int weight = (int) number(d, "weight", dpath, 1);
                if (weight < 0) {
                    problems.add(dpath + ".weight: must be zero or positive, was " + weight);
                }
                // A deployment's timeouts override its provider's field by field.
                Provider p = providers.get(provider);
                Timeouts t = d.has("timeouts")
                        ? timeouts(d.path("timeouts"), dpath + ".timeouts", p != null ? p.timeouts() : null) : null;
                deployments.add(new Deployment(provider, upstreamModel, weight, t, upstreamLimits(d.path("limits"), dpath + ".limits"),
                        capabilities.overriddenBy(capabilities(d.path("capabilities"), dpath + ".capabilities")),
                        // A deployment's own price (e.g. a free tier at 0) overrides the model's and the catalog's.
                        d.has("price") ? price(d.path("price"), dpath + ".price")
                                : price != null ? price : p == null ? null : catalog.lookup(p.type(), upstreamModel).orElse(null)));
            }
            if (!deployments.isEmpty() && deployments.stream().allMatch(d -> d.weight() == 0)) {
                problems.add(path + ".deployments: at least one deployment needs a weight above 0");
            }
        }
        List<String> fallbacks = stringList(node.path("fallbacks"), path + ".fallbacks");
        String ownedBy = string(node, "owned-by", path, "tollgate");
        int maxOutput = (int) number(node, "max-output-tokens", path, DEFAULT_MAX_OUTPUT_TOKENS);
        if (maxOutput < 1) {
            problems.add(path + ".max-output-tokens: must be at least 1, was " + maxOutput);
        }
        RoutingStrategy strategy = StrategyReader.read(node.path("strategy"), path + ".strategy", problems);
        return new Model(name, List.copyOf(deployments), price, fallbacks, ownedBy, maxOutput, capabilities, strategy);
    }

    private Price price(JsonNode node, String path) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add(path + ": expected { input: <USD per 1M>, output: <USD per 1M> }");
            return null;
        }
        allowOnly(node, path, Set.of("input", "cached-input", "cache-write", "output", "version"));
        BigDecimal input = decimal(node, "input", path);
        BigDecimal output = decimal(node, "output", path);
        if (input == null) {
            problems.add(path + ".input: required (USD per 1M input tokens)");
        }
        if (output == null) {
            problems.add(path + ".output: required (USD per 1M output tokens)");
        }
        // Not given: cache reads and writes cost what plain input costs.
        BigDecimal cached = decimal(node, "cached-input", path);
        BigDecimal cacheWrite = decimal(node, "cache-write", path);
        String version = string(node, "version", path, "config");
        if (input == null || output == null) {
            return null;
        }
        return new Price(input, cached != null ? cached : input, cacheWrite != null ? cacheWrite : input, output, version);
    }

    private static final Set<String> KEY_FIELDS =
            Set.of("name", "key", "key-sha256", "team", "project", "user", "models", "metadata", "limits");
    /** What the admin API accepts for a key: the same fields less the secret, which it generates. */
    private static final Set<String> API_KEY_FIELDS = Set.of("name", "team", "project", "user", "models", "metadata", "limits");
    /** Longest name, team, project, user or metadata value: they are stored in bounded columns and echoed in logs. */
    static final int MAX_TEXT = 128;
    static final int MAX_METADATA_ENTRIES = 32;

    private List<Key> keys(JsonNode node, JsonNode modelsNode) {
        Set<String> names = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        return listSection(node, "keys", "{ name, key, team, project, models }", KEY_FIELDS, (k, path) -> {
            String plaintext = string(k, "key", path, null);
            String hash = string(k, "key-sha256", path, null);
            if (plaintext != null && hash != null) {
                problems.add(path + ": give either key or key-sha256, not both");
                return null;
            }
            if (plaintext != null) {
                if (!plaintext.startsWith(KeyHash.PREFIX) || plaintext.length() < 8) {
                    problems.add(path + ".key: virtual keys start with 'tg-' and have at least 5 more characters");
                    return null;
                }
                hash = KeyHash.sha256(plaintext);
            } else if (hash == null) {
                problems.add(path + ": key (or key-sha256) is required");
                return null;
            } else if (!KeyHash.isHexDigest(hash)) {
                problems.add(path + ".key-sha256: expected 64 lowercase hex characters");
                return null;
            }
            if (!hashes.add(hash)) {
                problems.add(path + ": the same key is configured twice");
            }
            Key key = keyFields(k, path, hash, modelsNode);
            if (key.name() != null && !names.add(key.name())) {
                problems.add(path + ".name: duplicate key name '" + key.name() + "'");
            }
            return key;
        });
    }

    /** Everything of a key but its secret, as the file and the admin API both give it. */
    private Key keyFields(JsonNode k, String path, String hash, JsonNode modelsNode) {
        String name = boundedText(k, "name", path);
        if (name == null && !k.has("name")) {
            problems.add(path + ".name: required");
        }
        List<String> models = stringList(k.path("models"), path + ".models");
        for (int m = 0; m < models.size(); m++) {
            String model = models.get(m);
            if (!model.equals("*") && !modelsNode.has(model) && !aliasNames.contains(model)) {
                problems.add(path + ".models[" + m + "]: unknown model '" + model + "'"
                        + suggestion(model, modelsNode.propertyNames()));
            }
        }
        return new Key(name, hash, boundedText(k, "team", path), boundedText(k, "project", path), boundedText(k, "user", path),
                models, metadata(k.path("metadata"), path + ".metadata"), limits(k.path("limits"), path + ".limits"));
    }

    /**
     * A key as the admin API receives it (the secret is generated, never given). The same fields
     * and checks as a key of the file, so nothing the file refuses can come in through the API:
     * unknown fields, a {@code models} that is not a list (which would otherwise mean every
     * model), limits below 1, text longer than the store keeps.
     *
     * @param models the names a key may be allowed (the config's models and routing aliases)
     */
    public Key readApiKey(JsonNode definition, Set<String> models) {
        problems.clear();
        Key key = null;
        if (!definition.isObject()) {
            problems.add("(body): expected a JSON object { name, team, project, user, models, metadata, limits }");
        } else {
            allowOnly(definition, "", API_KEY_FIELDS);
            tools.jackson.databind.node.ObjectNode known = YAML.createObjectNode();
            models.forEach(m -> known.put(m, true));
            key = keyFields(definition, "", null, known);
            if (key.name() != null && !key.name().matches("[A-Za-z0-9._-]{1,128}")) {
                problems.add("name: 1-128 letters, digits, '.', '_' or '-'");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException("key", problems.stream().map(ConfigReader::fieldPath).toList());
        }
        return key;
    }

    /**
     * Rate limits as the admin API receives them for a key or team override: the file's fields and
     * checks ({@code requests-per-minute}, {@code tokens-per-minute}, {@code concurrent}; whole
     * numbers from 1), plus the fields named in {@code alsoAllowed} that the caller reads itself.
     */
    public TollgateConfig.Limits readLimits(JsonNode definition, Set<String> alsoAllowed) {
        problems.clear();
        TollgateConfig.Limits limits = null;
        if (!definition.isObject()) {
            problems.add("(body): expected a JSON object { requests-per-minute, tokens-per-minute, concurrent }");
        } else {
            Set<String> allowed = new HashSet<>(alsoAllowed);
            allowed.addAll(Set.of("requests-per-minute", "tokens-per-minute", "concurrent"));
            allowOnly(definition, "", allowed);
            limits = limitValues(definition, "");
            if (limits.isEmpty()) {
                problems.add("requests-per-minute: give at least one of requests-per-minute, tokens-per-minute, concurrent");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException("limits", problems.stream().map(ConfigReader::fieldPath).toList());
        }
        return limits;
    }

    /** "(root)."-less paths for API bodies: ".limits.concurrent: ..." reads "limits.concurrent: ...". */
    private static String fieldPath(String problem) {
        return problem.startsWith(".") ? problem.substring(1) : problem;
    }

    private String boundedText(JsonNode parent, String field, String path) {
        String value = string(parent, field, path, null);
        if (value != null && value.length() > MAX_TEXT) {
            problems.add(path + "." + field + ": at most " + MAX_TEXT + " characters, was " + value.length());
            return null;
        }
        return value;
    }

    private Map<String, String> metadata(JsonNode node, String path) {
        Map<String, String> out = stringMap(node, path);
        if (out.size() > MAX_METADATA_ENTRIES) {
            problems.add(path + ": at most " + MAX_METADATA_ENTRIES + " entries, was " + out.size());
        }
        out.forEach((name, value) -> {
            if (name.length() > MAX_TEXT || value.length() > 4 * MAX_TEXT) {
                problems.add(path + "." + (name.length() > MAX_TEXT ? name.substring(0, 20) + "…" : name)
                        + ": names have at most " + MAX_TEXT + " characters and values at most " + 4 * MAX_TEXT);
            }
        });
        return out;
    }

    private static final Set<String> BUDGET_FIELDS = Set.of("name", "scope", "period", "amount", "enforcement", "on-exceed", "alerts");

    private List<Budget> budgets(JsonNode node) {
        Set<String> names = new HashSet<>();
        return listSection(node, "budgets", "{ name, scope, period, amount }", BUDGET_FIELDS, (b, path) -> {
            String name = string(b, "name", path, null);
            if (name == null) {
                problems.add(path + ".name: required");
            } else if (!name.matches("[A-Za-z0-9._-]{1,128}")) {
                problems.add(path + ".name: 1-128 letters, digits, '.', '_' and '-', was '"
                        + (name.length() > 40 ? name.substring(0, 40) + "…" : name) + "'");
                name = null;
            } else if (!names.add(name)) {
                problems.add(path + ".name: duplicate budget name '" + name + "'");
            }
            Map<String, String> scope = metadata(b.path("scope"), path + ".scope");
            String periodText = string(b, "period", path, "monthly");
            Period period = switch (periodText.toLowerCase(java.util.Locale.ROOT)) {
                case "daily" -> Period.DAILY;
                case "weekly" -> Period.WEEKLY;
                case "monthly" -> Period.MONTHLY;
                default -> {
                    problems.add(path + ".period: expected daily, weekly or monthly, was '" + periodText + "'");
                    yield Period.MONTHLY;
                }
            };
            BigDecimal amount = money(b, "amount", path);
            if (amount == null && !b.has("amount")) {
                problems.add(path + ".amount: required (USD per period)");
            }
            String enforcement = string(b, "enforcement", path, "hard");
            if (!enforcement.equals("hard") && !enforcement.equals("soft")) {
                problems.add(path + ".enforcement: expected hard (block) or soft (warn), was '" + enforcement + "'");
            }
            String onExceed = string(b, "on-exceed", path, "reject");
            if (!onExceed.equals("reject") && !onExceed.equals("cap-max-tokens")) {
                problems.add(path + ".on-exceed: expected reject or cap-max-tokens, was '" + onExceed + "'");
            }
            List<Integer> alerts = new ArrayList<>();
            List<String> alertText = b.has("alerts") ? stringList(b.path("alerts"), path + ".alerts") : List.of("50", "75", "90", "100");
            for (String a : alertText) {
                try {
                    int pct = Integer.parseInt(a.trim().replace("%", ""));
                    if (pct < 1 || pct > 1000) {
                        problems.add(path + ".alerts: thresholds are percentages between 1 and 1000, was " + pct);
                    }
                    alerts.add(pct);
                } catch (NumberFormatException e) {
                    problems.add(path + ".alerts: expected percentages such as [50, 75, 90, 100], was '" + a + "'");
                }
            }
            return name != null && amount != null
                    ? new Budget(name, scope, period, amount, enforcement.equals("hard"), onExceed.equals("cap-max-tokens"),
                            List.copyOf(alerts))
                    : null;
        });
    }

    /** A non-negative amount of USD, at most a billion, to the micro-dollar. */
    private BigDecimal money(JsonNode parent, String field, String path) {
        String text = string(parent, field, path, null);
        if (text == null) {
            return null;
        }
        try {
            BigDecimal value = new BigDecimal(text.trim());
            if (value.signum() < 0 || value.compareTo(MAX_USD) > 0 || value.stripTrailingZeros().scale() > 6) {
                problems.add(path + "." + field + ": expected USD between 0 and 1000000000 with at most 6 decimals, was '" + text + "'");
                return null;
            }
            return value;
        } catch (NumberFormatException e) {
            problems.add(path + "." + field + ": expected an amount of USD such as 250 or 12.5, was '" + text + "'");
            return null;
        }
    }

    private static final BigDecimal MAX_USD = BigDecimal.valueOf(1_000_000_000);

    /**
     * The skeleton every list section shares: absent or null → empty; anything but a list, or an
     * element that is not a mapping, is a problem named by its path; unknown fields are refused
     * (with a "did you mean"); {@code element} reads one entry and returns null when it is unusable.
     */
    private <T> List<T> listSection(JsonNode node, String section, String shape, Set<String> fields,
            java.util.function.BiFunction<JsonNode, String, T> element) {
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            problems.add(section + ": expected a list of " + shape);
            return List.of();
        }
        List<T> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String path = section + "[" + i + "]";
            JsonNode item = node.get(i);
            if (!item.isObject()) {
                problems.add(path + ": expected " + shape);
                continue;
            }
            allowOnly(item, path, fields);
            T value = element.apply(item, path);
            if (value != null) {
                out.add(value);
            }
        }
        return List.copyOf(out);
    }

    /** Roles of the admin API, from most to least powerful. */
    public static final List<String> ADMIN_ROLES = List.of("owner", "admin", "billing", "member", "viewer");

    private List<Admin> admins(JsonNode node) {
        return listSection(node, "admins", "{ name, key, role }", Set.of("name", "key", "key-sha256", "role", "team"), (a, path) -> {
            String name = string(a, "name", path, null);
            String role = string(a, "role", path, "viewer");
            if (name == null) {
                problems.add(path + ".name: required");
                return null;
            }
            if (!ADMIN_ROLES.contains(role)) {
                problems.add(path + ".role: expected one of " + ADMIN_ROLES + ", was '" + role + "'");
            }
            String plaintext = string(a, "key", path, null);
            String hash = string(a, "key-sha256", path, null);
            if (plaintext != null) {
                if (plaintext.length() < 16) {
                    problems.add(path + ".key: admin keys need at least 16 characters");
                    return null;
                }
                hash = KeyHash.sha256(plaintext);
            } else if (hash == null || !KeyHash.isHexDigest(hash)) {
                problems.add(path + ": key (or key-sha256, 64 hex characters) is required");
                return null;
            }
            String team = string(a, "team", path, null);
            if ("member".equals(role) && team == null) {
                problems.add(path + ".team: required for role member (members manage their own team's keys)");
            }
            return new Admin(name, hash, role, team);
        });
    }

    /** One budget definition as the admin API receives it (same fields as in the file). */
    public Budget readBudget(JsonNode definition) {
        problems.clear();
        tools.jackson.databind.node.ArrayNode list = YAML.createArrayNode();
        list.add(definition);
        List<Budget> budgets = budgets(list);
        if (!problems.isEmpty()) {
            throw new ConfigException("budget", problems.stream().map(p -> p.replace("budgets[0].", "").replace("budgets[0]", "(body)")).toList());
        }
        return budgets.get(0);
    }

    private List<Webhook> webhooks(JsonNode alerts) {
        List<Webhook> out = new ArrayList<>();
        if (alerts.isMissingNode() || alerts.isNull()) {
            return out;
        }
        if (!alerts.isObject()) {
            problems.add("alerts: expected { webhooks: [...] }");
            return out;
        }
        allowOnly(alerts, "alerts", Set.of("webhooks"));
        JsonNode list = alerts.path("webhooks");
        if (list.isMissingNode()) {
            return out;
        }
        if (!list.isArray()) {
            problems.add("alerts.webhooks: expected a list of { name, url, format }");
            return out;
        }
        for (int i = 0; i < list.size(); i++) {
            String path = "alerts.webhooks[" + i + "]";
            JsonNode w = list.get(i);
            if (!w.isObject()) {
                problems.add(path + ": expected { name, url, format, secret }");
                continue;
            }
            allowOnly(w, path, Set.of("name", "url", "format", "secret"));
            String name = string(w, "name", path, "webhook-" + i);
            String urlText = string(w, "url", path, null);
            if (urlText == null) {
                problems.add(path + ".url: required");
                continue;
            }
            URI url = uri(urlText, path + ".url");
            String format = string(w, "format", path, "json");
            if (!format.equals("json") && !format.equals("slack")) {
                problems.add(path + ".format: expected json or slack, was '" + format + "'");
            }
            if (url != null) {
                out.add(new Webhook(name, url, format, string(w, "secret", path, null)));
            }
        }
        return List.copyOf(out);
    }

    private List<RateLimit> rateLimits(JsonNode node) {
        Set<String> names = new HashSet<>();
        return listSection(node, "rate-limits", "{ name, per, match, requests-per-minute, tokens-per-minute, concurrent }",
                Set.of("name", "per", "match", "requests-per-minute", "tokens-per-minute", "concurrent"), (r, path) -> {
                    String name = string(r, "name", path, null);
                    if (name == null) {
                        problems.add(path + ".name: required");
                        return null;
                    }
                    if (!names.add(name)) {
                        problems.add(path + ".name: duplicate rate limit name '" + name + "'");
                    }
                    String per = string(r, "per", path, "key");
                    if (!RATE_LIMIT_PER.contains(per)) {
                        problems.add(path + ".per: expected one of " + RATE_LIMIT_PER + ", was '" + per + "'");
                    }
                    Limits l = limitValues(r, path);
                    if (l.isEmpty()) {
                        problems.add(path + ": give at least one of requests-per-minute, tokens-per-minute, concurrent");
                    }
                    return new RateLimit(name, per, stringMap(r.path("match"), path + ".match"), l);
                });
    }

    private TollgateConfig.UpstreamLimits upstreamLimits(JsonNode node, String path) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add(path + ": expected { requests-per-minute, tokens-per-minute, requests-per-day, max-wait }");
            return null;
        }
        allowOnly(node, path, Set.of("requests-per-minute", "tokens-per-minute", "requests-per-day", "max-wait"));
        TollgateConfig.UpstreamLimits limits = new TollgateConfig.UpstreamLimits(wholeNumber(node, "requests-per-minute", path),
                wholeNumber(node, "tokens-per-minute", path), wholeNumber(node, "requests-per-day", path),
                duration(node, "max-wait", path, java.time.Duration.ofMillis(500)));
        if (limits.isEmpty()) {
            problems.add(path + ": give at least one of requests-per-minute, tokens-per-minute, requests-per-day");
        }
        return limits;
    }

    private Limits limits(JsonNode node, String path) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add(path + ": expected { requests-per-minute, tokens-per-minute, concurrent }");
            return null;
        }
        allowOnly(node, path, Set.of("requests-per-minute", "tokens-per-minute", "concurrent"));
        return limitValues(node, path);
    }

    private Limits limitValues(JsonNode node, String path) {
        return new Limits(wholeNumber(node, "requests-per-minute", path), wholeNumber(node, "tokens-per-minute", path),
                node.has("concurrent") ? toInt(wholeNumber(node, "concurrent", path)) : null);
    }

    private static Integer toInt(Long value) {
        return value == null ? null : (int) Math.min(value, Integer.MAX_VALUE);
    }

    /** A limit: a whole number between 1 and 10^12; "1e400", "1.5", "-3" and "abc" are problems, not values. */
    private Long wholeNumber(JsonNode parent, String field, String path) {
        if (!parent.has(field) || parent.get(field).isNull()) {
            return null;
        }
        int before = problems.size();
        String text = string(parent, field, path, null);
        if (problems.size() > before || text == null) {
            return null;
        }
        try {
            BigDecimal n = new BigDecimal(text.trim());
            if (n.signum() > 0 && n.compareTo(MAX_LIMIT) <= 0 && n.stripTrailingZeros().scale() <= 0) {
                return n.longValueExact();
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // reported below
        }
        problems.add(path + "." + field + ": a whole number from 1 to 1000000000000, was '"
                + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "'");
        return null;
    }

    private static final BigDecimal MAX_LIMIT = BigDecimal.valueOf(1_000_000_000_000L);

    private Timeouts timeouts(JsonNode node, String path, Timeouts defaults) {
        Timeouts d = defaults != null ? defaults : Timeouts.DEFAULTS;
        if (node.isMissingNode() || node.isNull()) {
            return d;
        }
        if (!node.isObject()) {
            problems.add(path + ": expected { connect, first-byte, idle, total }");
            return d;
        }
        allowOnly(node, path, Set.of("connect", "first-byte", "idle", "total"));
        return new Timeouts(duration(node, "connect", path, d.connect()), duration(node, "first-byte", path, d.firstByte()),
                duration(node, "idle", path, d.idle()), duration(node, "total", path, d.total()));
    }

    private Retry retry(JsonNode node, String path) {
        Retry d = Retry.DEFAULTS;
        if (node.isMissingNode() || node.isNull()) {
            return d;
        }
        if (!node.isObject()) {
            problems.add(path + ": expected { max-attempts, initial-backoff, max-backoff, max-retry-after }");
            return d;
        }
        allowOnly(node, path, Set.of("max-attempts", "initial-backoff", "max-backoff", "max-retry-after"));
        int attempts = (int) number(node, "max-attempts", path, d.maxAttempts());
        if (attempts < 1) {
            problems.add(path + ".max-attempts: must be at least 1 (1 = no retry), was " + attempts);
        }
        return new Retry(attempts, duration(node, "initial-backoff", path, d.initialBackoff()),
                duration(node, "max-backoff", path, d.maxBackoff()), duration(node, "max-retry-after", path, d.maxRetryAfter()));
    }

    private CircuitBreaker circuitBreaker(JsonNode node, String path) {
        CircuitBreaker d = CircuitBreaker.DEFAULTS;
        if (node.isMissingNode() || node.isNull()) {
            return d;
        }
        if (!node.isObject()) {
            problems.add(path + ": expected { failure-rate-threshold, sliding-window-size, minimum-calls, open-duration }");
            return d;
        }
        allowOnly(node, path, Set.of("failure-rate-threshold", "sliding-window-size", "minimum-calls", "open-duration"));
        double threshold = number(node, "failure-rate-threshold", path, d.failureRateThreshold());
        if (threshold <= 0 || threshold > 100) {
            problems.add(path + ".failure-rate-threshold: a percentage in (0, 100], was " + threshold);
        }
        int window = (int) number(node, "sliding-window-size", path, d.slidingWindowSize());
        int minimum = (int) number(node, "minimum-calls", path, d.minimumCalls());
        if (window < 1 || minimum < 1) {
            problems.add(path + ": sliding-window-size and minimum-calls must be at least 1");
        }
        return new CircuitBreaker((float) threshold, window, minimum, duration(node, "open-duration", path, d.openDuration()));
    }

    // ---- scalar helpers: each records a path-named problem instead of throwing ----

    private String string(JsonNode parent, String field, String path, String fallback) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        String at = path.isEmpty() ? field : path + "." + field;
        if (!n.isValueNode()) {
            problems.add(at + ": expected a text value");
            return fallback;
        }
        return env.apply(n.asString(), at, problems);
    }

    private double number(JsonNode parent, String field, String path, double fallback) {
        String text = string(parent, field, path, null);
        if (text == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            problems.add(path + "." + field + ": expected a number, was '" + text + "'");
            return fallback;
        }
    }

    private BigDecimal decimal(JsonNode parent, String field, String path) {
        String text = string(parent, field, path, null);
        if (text == null) {
            return null;
        }
        try {
            BigDecimal value = new BigDecimal(text.trim());
            if (value.signum() < 0) {
                problems.add(path + "." + field + ": a price cannot be negative");
            }
            return value;
        } catch (NumberFormatException e) {
            problems.add(path + "." + field + ": expected a decimal number of USD per 1M tokens, was '" + text + "'");
            return null;
        }
    }

    private Duration duration(JsonNode parent, String field, String path, Duration fallback) {
        String text = string(parent, field, path, null);
        if (text == null) {
            return fallback;
        }
        try {
            Duration d = DurationStyle.detectAndParse(text.trim());
            if (d.isNegative()) {
                problems.add(path + "." + field + ": a duration cannot be negative");
            }
            return d;
        } catch (IllegalArgumentException e) {
            problems.add(path + "." + field + ": expected a duration such as 150ms, 2s or 1m, was '" + text + "'");
            return fallback;
        }
    }

    private URI uri(String text, String path) {
        try {
            URI uri = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getHost() == null) {
                problems.add(path + ": expected an http(s) URL such as https://api.openai.com/v1, was '" + text + "'");
                return null;
            }
            return uri;
        } catch (IllegalArgumentException e) {
            problems.add(path + ": not a valid URL: '" + text + "'");
            return null;
        }
    }

    private List<String> stringList(JsonNode node, String path) {
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            problems.add(path + ": expected a list");
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            if (!item.isValueNode()) {
                problems.add(path + "[" + i + "]: expected a text value");
                continue;
            }
            String v = env.apply(item.asString(), path + "[" + i + "]", problems);
            if (v != null) {
                out.add(v);
            }
        }
        return List.copyOf(out);
    }

    private Map<String, String> stringMap(JsonNode node, String path) {
        if (node.isMissingNode() || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            problems.add(path + ": expected a mapping of names to text values");
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String v = string(node, e.getKey(), path, null);
            if (v != null) {
                out.put(e.getKey(), v);
            }
        }
        return Map.copyOf(out);
    }

    private void allowOnly(JsonNode node, String path, Set<String> allowed) {
        for (String name : node.propertyNames()) {
            if (!allowed.contains(name)) {
                String where = path.isEmpty() ? name : path + "." + name;
                problems.add(where + ": unknown field" + suggestion(name, allowed));
            }
        }
    }

    /** " (did you mean 'x'?)" when a known name is within two edits of what was written. */
    static String suggestion(String written, Iterable<String> known) {
        String best = null;
        int bestDistance = 3;
        for (String candidate : known) {
            int d = editDistance(written, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
