package dev.tollgate.admin;

import dev.tollgate.api.GatewayException;
import dev.tollgate.budget.BudgetBook;
import dev.tollgate.budget.BudgetLedger;
import dev.tollgate.budget.BudgetPeriods;
import dev.tollgate.budget.LedgerBalance;
import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigReader;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.health.ProviderHealth;
import dev.tollgate.health.ProviderProbes;
import dev.tollgate.support.KeyHash;
import dev.tollgate.usage.UsageEvent;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import dev.tollgate.support.Json;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /admin/v1}: virtual keys (create → the secret is shown once; list; revoke; rotate),
 * budgets (create, replace, delete, status), the audit log and provider health. Every change is audited with who
 * made it. Config-file keys and budgets are listed but can only be changed in the file.
 */
public class AdminHandlers {

    private static final JsonMapper JSON = Json.MAPPER;
    private static final String IDENTITY = AdminHandlers.class.getName() + ".identity";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** A key or budget definition is a few hundred bytes; anything near this is not one. */
    static final int MAX_BODY_BYTES = 64 * 1024;

    private final AdminAuthenticator auth;
    private final AdminStore store;
    private final StoredState state;
    private final BudgetBook budgets;
    private final BudgetLedger ledger;
    private final java.util.function.Supplier<TollgateConfig> config;
    private final ProviderHealth health;

    public AdminHandlers(AdminAuthenticator auth, AdminStore store, StoredState state, BudgetBook budgets, BudgetLedger ledger,
            java.util.function.Supplier<TollgateConfig> config, ProviderHealth health) {
        this.health = health;
        this.auth = auth;
        this.store = store;
        this.state = state;
        this.budgets = budgets;
        this.ledger = ledger;
        this.config = config;
    }

    public RouterFunction<ServerResponse> routes() {
        HandlerFilterFunction<ServerResponse, ServerResponse> authenticate = (request, next) -> {
            request.attributes().put(IDENTITY, auth.authenticate(request.headers().asHttpHeaders()));
            return next.handle(request);
        };
        return RouterFunctions.route()
                .path("/admin/v1", b -> b
                        .GET("/keys", this::listKeys)
                        .POST("/keys", this::createKey)
                        .DELETE("/keys/{name}", this::revokeKey)
                        .POST("/keys/{name}/rotate", this::rotateKey)
                        .GET("/budgets", this::listBudgets)
                        .POST("/budgets", this::putBudget)
                        .PUT("/budgets/{name}", this::putBudget)
                        .DELETE("/budgets/{name}", this::deleteBudget)
                        .GET("/budgets/{name}/status", this::budgetStatus)
                        .GET("/audit", this::audit)
                        .GET("/providers", this::providers))
                .filter(authenticate)
                .build();
    }

    // ---- keys ----

    Mono<ServerResponse> listKeys(ServerRequest request) {
        AdminIdentity who = identity(request);
        ArrayNode data = JSON.createArrayNode();
        for (TollgateConfig.Key k : config.get().keys()) {
            if (who.canSeeTeam(k.team())) {
                data.add(keyJson(k.name(), k.team(), k.project(), k.user(), k.models(), k.metadata(), "config", null, null));
            }
        }
        return store.keys(true).filter(k -> who.canSeeTeam(k.team()))
                .doOnNext(k -> data.add(keyJson(k.name(), k.team(), k.project(), k.user(), k.models(), k.metadata(), "api",
                        k.createdAt(), k.revokedAt())))
                .then(Mono.defer(() -> json(HttpStatus.OK, JSON.createObjectNode().put("object", "list").set("data", data))));
    }

    Mono<ServerResponse> createKey(ServerRequest request) {
        AdminIdentity who = identity(request);
        // The body is read before any refusal: answering while the client is still sending it
        // leaves its keep-alive connection in a state some HTTP clients never recover from.
        return body(request).flatMap(body -> {
            requireKeyWriter(who);
            TollgateConfig.Key parsed = validated("key", () -> new ConfigReader(n -> null).readApiKey(body, modelsAndAliases(config.get())));
            String name = parsed.name();
            if (name == null) {
                throw GatewayException.missingParam("name", "Missing required parameter: 'name'.");
            }
            if (config.get().keys().stream().anyMatch(k -> k.name().equals(name))) {
                throw conflict("A key named '" + name + "' is defined in the config file.");
            }
            String team = parsed.team();
            if (who.role().equals("member")) {
                if (team != null && !team.equals(who.team())) {
                    throw forbidden("Members create keys for their own team ('" + who.team() + "') only.");
                }
                team = who.team();
            }
            List<String> models = parsed.models();
            Map<String, String> metadata = parsed.metadata();
            TollgateConfig.Limits limits = parsed.limits();
            String keyTeam = team;
            return secret().flatMap(secret -> insert(who, parsed, name, keyTeam, models, metadata, limits, secret));
        });
    }

    private Mono<ServerResponse> insert(AdminIdentity who, TollgateConfig.Key parsed, String name, String team, List<String> models,
            Map<String, String> metadata, TollgateConfig.Limits limits, String secret) {
        AdminStore.StoredKey key = new AdminStore.StoredKey(name, KeyHash.sha256(secret), team, parsed.project(),
                parsed.user(), models, metadata, limits == null || limits.isEmpty() ? null : limits, Instant.now(),
                who.name(), null);
        return store.insertKey(key).flatMap(inserted -> {
            if (!inserted) {
                return Mono.error(conflict("A key named '" + name + "' already exists."));
            }
            return audit(who, "key.create", name, "team=" + team)
                    .then(state.reload())
                    .then(Mono.defer(() -> {
                        ObjectNode out = keyJson(name, team, key.project(), key.user(), models, metadata, "api", key.createdAt(), null);
                        out.put("key", secret);
                        out.put("note", "This is the only time the key is shown. Store it now.");
                        return json(HttpStatus.CREATED, out);
                    }));
        });
    }

    Mono<ServerResponse> revokeKey(ServerRequest request) {
        AdminIdentity who = identity(request);
        requireKeyWriter(who);
        String name = request.pathVariable("name");
        return ownedKey(who, name)
                .flatMap(k -> store.revokeKey(name, Instant.now()))
                .flatMap(done -> audit(who, "key.revoke", name, null).then(state.reload())
                        .then(json(HttpStatus.OK, JSON.createObjectNode().put("name", name).put("revoked", true))));
    }

    Mono<ServerResponse> rotateKey(ServerRequest request) {
        AdminIdentity who = identity(request);
        requireKeyWriter(who);
        String name = request.pathVariable("name");
        return ownedKey(who, name).zipWith(secret())
                .flatMap(t -> store.rotateKey(name, KeyHash.sha256(t.getT2())).thenReturn(t.getT2()))
                .flatMap(secret -> audit(who, "key.rotate", name, null).then(state.reload())
                        .then(json(HttpStatus.OK, JSON.createObjectNode().put("name", name).put("key", secret)
                                .put("note", "The previous key no longer works. This is the only time the new key is shown."))));
    }

    private Mono<AdminStore.StoredKey> ownedKey(AdminIdentity who, String name) {
        if (config.get().keys().stream().anyMatch(k -> k.name().equals(name))) {
            return Mono.error(conflict("The key '" + name + "' is defined in the config file; change it there."));
        }
        return store.keys(false).filter(k -> k.name().equals(name)).next()
                .switchIfEmpty(Mono.error(() -> notFound("No active key named '" + name + "'.")))
                .flatMap(k -> who.canSeeTeam(k.team()) ? Mono.just(k)
                        : Mono.error(forbidden("Members manage their own team's keys only.")));
    }

    // ---- budgets ----

    Mono<ServerResponse> listBudgets(ServerRequest request) {
        identity(request);
        ArrayNode data = JSON.createArrayNode();
        for (TollgateConfig.Budget b : budgets.budgets()) {
            data.add(budgetJson(b).put("source", budgets.definedInFile(b.name()) ? "config" : "api"));
        }
        return json(HttpStatus.OK, JSON.createObjectNode().put("object", "list").set("data", data));
    }

    Mono<ServerResponse> putBudget(ServerRequest request) {
        AdminIdentity who = identity(request);
        String pathName = request.pathVariables().get("name");
        return body(request).flatMap(body -> {
            if (!who.canWriteBudgets()) {
                throw forbidden("Role '" + who.role() + "' cannot change budgets (owner, admin or billing can).");
            }
            if (pathName != null) {
                ((ObjectNode) body).put("name", pathName);
            }
            TollgateConfig.Budget budget = validated("budget", () -> new ConfigReader(name -> null).readBudget(body));
            if (budgets.definedInFile(budget.name())) {
                throw conflict("The budget '" + budget.name() + "' is defined in the config file; change it there.");
            }
            String action = pathName == null ? "budget.create" : "budget.update";
            return store.upsertBudget(budget.name(), body.toString(), Instant.now())
                    .then(audit(who, action, budget.name(), body.toString()))
                    .then(state.reload())
                    .then(Mono.defer(() -> json(pathName == null ? HttpStatus.CREATED : HttpStatus.OK, budgetJson(budget))));
        });
    }

    Mono<ServerResponse> deleteBudget(ServerRequest request) {
        AdminIdentity who = identity(request);
        if (!who.canWriteBudgets()) {
            throw forbidden("Role '" + who.role() + "' cannot change budgets.");
        }
        String name = request.pathVariable("name");
        if (budgets.definedInFile(name)) {
            throw conflict("The budget '" + name + "' is defined in the config file; remove it there.");
        }
        return store.deleteBudget(name).flatMap(deleted -> deleted
                ? audit(who, "budget.delete", name, null).then(state.reload())
                        .then(json(HttpStatus.OK, JSON.createObjectNode().put("name", name).put("deleted", true)))
                : Mono.error(notFound("No budget named '" + name + "' was created through the API.")));
    }

    /** Spent, reserved and remaining in the current period; {@code ?instance=} for per-value budgets. */
    Mono<ServerResponse> budgetStatus(ServerRequest request) {
        identity(request);
        String name = request.pathVariable("name");
        TollgateConfig.Budget budget = budgets.budgets().stream().filter(b -> b.name().equals(name)).findFirst()
                .orElseThrow(() -> notFound("No budget named '" + name + "'."));
        String instance = request.queryParam("instance").orElse("all");
        BudgetPeriods.Window window = BudgetPeriods.of(budget.period(), Instant.now(), budgets.zone());
        String account = name + "|" + instance + "|" + window.id();
        return ledger.balances(List.of(account)).flatMap(list -> {
            LedgerBalance b = list.get(0);
            long amount = BudgetBook.micros(budget.amountUsd());
            ObjectNode out = budgetJson(budget);
            out.put("instance", instance);
            out.put("period", window.id());
            out.put("period_start", window.start().toString());
            out.put("period_end", window.end().toString());
            out.put("spent_usd", BudgetBook.usd(b.spentMicros()));
            out.put("reserved_usd", BudgetBook.usd(b.reservedMicros()));
            out.put("remaining_usd", BudgetBook.usd(Math.max(0, amount - b.committedMicros())));
            out.put("utilization_percent", amount == 0 ? 100 : b.spentMicros() * 100 / amount);
            java.math.BigDecimal forecast = dev.tollgate.budget.BudgetForecast.endOfPeriodUsd(b.spentMicros(), window.start(),
                    window.end(), Instant.now());
            out.put("forecast_usd", forecast);
            out.put("forecast_exceeds_amount", forecast == null ? null : forecast.compareTo(budget.amountUsd()) > 0);
            return json(HttpStatus.OK, out);
        });
    }

    Mono<ServerResponse> audit(ServerRequest request) {
        AdminIdentity who = identity(request);
        if (!who.canReadAudit()) {
            throw forbidden("Role '" + who.role() + "' cannot read the audit log.");
        }
        int limit = request.queryParam("limit").map(AdminHandlers::limitParam).orElse(100);
        ArrayNode data = JSON.createArrayNode();
        return store.auditLog(limit)
                .doOnNext(e -> data.addObject().put("id", e.id().toString()).put("at", e.at().toString()).put("actor", e.actor())
                        .put("role", e.role()).put("action", e.action()).put("target", e.target()).put("details", e.details()))
                .then(Mono.defer(() -> json(HttpStatus.OK, JSON.createObjectNode().put("object", "list").set("data", data))));
    }

    // ---- provider health ----

    /** Every provider and deployment: circuit breaker, recent errors and latency, probe, capabilities. Any admin role. */
    Mono<ServerResponse> providers(ServerRequest request) {
        identity(request);
        ArrayNode data = JSON.createArrayNode();
        for (ProviderHealth.ProviderView view : health.providers(config.get())) {
            TollgateConfig.Provider p = view.provider();
            ObjectNode o = data.addObject();
            o.put("name", p.name()).put("type", p.type().id()).put("base_host", p.baseUrl() == null ? null : p.baseUrl().getHost());
            ObjectNode probe = o.putObject("probe");
            probe.put("enabled", p.healthCheck() != null);
            if (p.healthCheck() != null) {
                ProviderProbes.Status s = view.probe();
                probe.put("interval_seconds", p.healthCheck().interval().toSeconds())
                        .put("method", p.healthCheck().model() != null ? "chat:" + p.healthCheck().model() : "models");
                if (s != null) {
                    probe.put("status", s.state()).put("checked_at", instant(s.checkedAt())).put("latency_ms", s.latencyMillis())
                            .put("error", s.error()).put("last_success_at", instant(s.lastSuccessAt()))
                            .put("consecutive_failures", s.consecutiveFailures());
                }
            }
            ArrayNode deployments = o.putArray("deployments");
            view.deployments().forEach(d -> deployments.add(deploymentJson(d)));
        }
        return json(HttpStatus.OK, JSON.createObjectNode().put("object", "list")
                .put("window_seconds", ProviderHealth.WINDOW.toSeconds()).set("data", data));
    }

    private static ObjectNode deploymentJson(ProviderHealth.DeploymentHealth d) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", d.target().id()).put("upstream_model", d.target().deployment().model()).put("state", d.state());
        ArrayNode models = o.putArray("models");
        d.models().forEach(models::add);
        ObjectNode cb = o.putObject("circuit_breaker");
        cb.put("state", d.circuit().name().toLowerCase(java.util.Locale.ROOT));
        // Resilience4j says -1 until the window has its minimum number of calls.
        float failureRate = d.circuitMetrics().getFailureRate();
        float slowRate = d.circuitMetrics().getSlowCallRate();
        cb.put("failure_rate_percent", failureRate < 0 ? null : failureRate)
                .put("slow_call_rate_percent", slowRate < 0 ? null : slowRate)
                .put("buffered_calls", d.circuitMetrics().getNumberOfBufferedCalls())
                .put("failed_calls", d.circuitMetrics().getNumberOfFailedCalls())
                .put("not_permitted_calls", d.circuitMetrics().getNumberOfNotPermittedCalls());
        ObjectNode recent = o.putObject("recent");
        recent.put("requests", d.recent().requests()).put("errors", d.recent().errors())
                .put("error_rate", Math.round(d.recent().errorRate() * 10_000) / 10_000.0);
        ObjectNode latency = recent.putObject("latency_ms");
        latency.put("p50", d.recent().p50Millis()).put("p95", d.recent().p95Millis()).put("p99", d.recent().p99Millis());
        if (d.lastError() != null) {
            o.putObject("last_error").put("code", d.lastError().code()).put("at", d.lastError().at().toString());
        } else {
            o.putNull("last_error");
        }
        TollgateConfig.Capabilities c = d.target().capabilities();
        ObjectNode caps = o.putObject("capabilities");
        caps.put("tools", c.tools()).put("vision", c.vision()).put("json-mode", c.jsonMode()).put("streaming", c.streaming())
                .put("context-window", c.contextWindow()).put("max-output", c.maxOutput());
        return o;
    }

    private static String instant(Instant at) {
        return at == null ? null : at.toString();
    }

    // ---- helpers ----

    private Mono<Void> audit(AdminIdentity who, String action, String target, String details) {
        return store.audit(new AdminStore.AuditEntry(UsageEvent.newId(), Instant.now(), who.name(), who.role(), action, target, details));
    }

    private static ObjectNode keyJson(String name, String team, String project, String user, List<String> models,
            Map<String, String> metadata, String source, Instant createdAt, Instant revokedAt) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", name).put("team", team).put("project", project).put("user", user).put("source", source);
        ArrayNode m = o.putArray("models");
        models.forEach(m::add);
        ObjectNode md = o.putObject("metadata");
        metadata.forEach(md::put);
        if (createdAt != null) {
            o.put("created_at", createdAt.toString());
        }
        o.put("revoked", revokedAt != null);
        return o;
    }

    private static ObjectNode budgetJson(TollgateConfig.Budget b) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", b.name());
        ObjectNode scope = o.putObject("scope");
        b.scope().forEach(scope::put);
        o.put("period", b.period().name().toLowerCase(java.util.Locale.ROOT));
        o.put("amount", b.amountUsd());
        o.put("enforcement", b.hard() ? "hard" : "soft");
        o.put("on-exceed", b.capMaxTokens() ? "cap-max-tokens" : "reject");
        ArrayNode alerts = o.putArray("alerts");
        b.alertThresholds().forEach(alerts::add);
        return o;
    }

    /** 192 random bits; SecureRandom may read the OS entropy pool, so never on an event loop. */
    private static Mono<String> secret() {
        return Mono.fromCallable(() -> {
            byte[] bytes = new byte[24];
            RANDOM.nextBytes(bytes);
            return "tg-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        }).subscribeOn(Schedulers.boundedElastic());
    }

    static Mono<JsonNode> body(ServerRequest request) {
        return DataBufferUtils.join(request.bodyToFlux(org.springframework.core.io.buffer.DataBuffer.class), MAX_BODY_BYTES)
                .onErrorMap(org.springframework.core.io.buffer.DataBufferLimitException.class, e -> new GatewayException(
                        HttpStatus.PAYLOAD_TOO_LARGE, "invalid_request_error", "request_too_large", null,
                        "Admin request bodies are at most " + MAX_BODY_BYTES / 1024 + " KiB."))
                .map(buffer -> {
                    try {
                        byte[] bytes = new byte[buffer.readableByteCount()];
                        buffer.read(bytes);
                        JsonNode node = JSON.readTree(bytes);
                        if (!node.isObject()) {
                            throw GatewayException.invalidJson("Expected a JSON object.");
                        }
                        return node;
                    } catch (JacksonException e) {
                        throw GatewayException.invalidJson("Invalid JSON: " + e.getOriginalMessage());
                    } finally {
                        DataBufferUtils.release(buffer);
                    }
                })
                .switchIfEmpty(Mono.error(() -> GatewayException.invalidJson("The request body is empty; expected a JSON object.")));
    }

    /**
     * Runs the config file's own validator on an API body: every problem is listed with the field
     * it concerns, and the first field is the error's {@code param}.
     */
    private static <T> T validated(String what, java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (ConfigException e) {
            String first = e.problems().get(0);
            int colon = first.indexOf(':');
            String param = colon > 0 ? first.substring(0, colon).replaceAll("\\[\\d+]", "") : null;
            throw GatewayException.invalidRequest(param != null && param.startsWith("(") ? null : param,
                    "Invalid " + what + ": " + String.join("; ", e.problems()) + ".");
        }
    }

    private static int limitParam(String text) {
        try {
            int limit = Integer.parseInt(text.trim());
            if (limit >= 1 && limit <= 1000) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw GatewayException.invalidRequest("limit", "limit: a whole number from 1 to 1000, was '"
                + (text.length() > 20 ? text.substring(0, 20) + "…" : text) + "'.");
    }

    private static AdminIdentity identity(ServerRequest request) {
        return (AdminIdentity) request.attributes().get(IDENTITY);
    }

    private static void requireKeyWriter(AdminIdentity who) {
        if (!who.canWriteKeys()) {
            throw forbidden("Role '" + who.role() + "' cannot change keys (owner, admin or member can).");
        }
    }

    static Mono<ServerResponse> json(HttpStatus status, JsonNode body) {
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON).bodyValue(JSON.writeValueAsBytes(body));
    }

    private static GatewayException forbidden(String message) {
        return new GatewayException(HttpStatus.FORBIDDEN, "permission_error", "insufficient_role", null, message);
    }

    private static GatewayException conflict(String message) {
        return new GatewayException(HttpStatus.CONFLICT, "invalid_request_error", "conflict", null, message);
    }

    private static GatewayException notFound(String message) {
        return new GatewayException(HttpStatus.NOT_FOUND, "invalid_request_error", "not_found", null, message);
    }


    /** What a key may be allowed: the config's models and its routing aliases. */
    private static java.util.Set<String> modelsAndAliases(TollgateConfig config) {
        java.util.Set<String> names = new java.util.HashSet<>(config.models().keySet());
        names.addAll(config.routing().aliases().keySet());
        return names;
    }
}
