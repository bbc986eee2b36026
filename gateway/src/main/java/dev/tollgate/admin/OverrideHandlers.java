package dev.tollgate.admin;

import dev.tollgate.api.GatewayException;
import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigReader;
import dev.tollgate.config.ConfigWatcher;
import dev.tollgate.config.RuntimeOverrides;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.support.Json;
import dev.tollgate.usage.UsageEvent;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /admin/v1/overrides}: runtime changes on top of the config file — drain a deployment,
 * change its weight or its place in the model's order, set a key's or a team's rate limits. Any
 * admin role reads them (with the file's value next to each); owner and admin change them. Every
 * change is audited, stored for every replica, and undone by deleting it.
 */
public class OverrideHandlers {

    private static final String IDENTITY = OverrideHandlers.class.getName() + ".identity";
    private static final Set<String> DEPLOYMENT_FIELDS = Set.of("model", "deployment", "enabled", "weight", "priority");

    private final AdminAuthenticator auth;
    private final AdminStore audit;
    private final OverrideStore store;
    private final OverrideState state;
    private final ConfigWatcher config;

    public OverrideHandlers(AdminAuthenticator auth, AdminStore audit, OverrideStore store, OverrideState state, ConfigWatcher config) {
        this.auth = auth;
        this.audit = audit;
        this.store = store;
        this.state = state;
        this.config = config;
    }

    public RouterFunction<ServerResponse> routes() {
        HandlerFilterFunction<ServerResponse, ServerResponse> authenticate = (request, next) -> {
            request.attributes().put(IDENTITY, auth.authenticate(request.headers().asHttpHeaders()));
            return next.handle(request);
        };
        return RouterFunctions.route()
                .path("/admin/v1/overrides", b -> b
                        .GET("", this::list)
                        .PUT("/deployments", this::putDeployment)
                        .DELETE("/deployments", this::deleteDeployment)
                        .PUT("/limits", this::putLimits)
                        .DELETE("/limits", this::deleteLimits))
                .filter(authenticate)
                .build();
    }

    /** Every deployment of every model (file value, override, effective), every limit override, and what vanished. */
    Mono<ServerResponse> list(ServerRequest request) {
        identity(request);
        ConfigWatcher.Loaded loaded = config.current();
        RuntimeOverrides overrides = config.overrides();
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode models = out.putArray("models");
        for (TollgateConfig.Model fileModel : loaded.file().models().values()) {
            TollgateConfig.Model live = loaded.config().models().get(fileModel.name());
            ObjectNode m = models.addObject().put("model", fileModel.name());
            ArrayNode deployments = m.putArray("deployments");
            for (int i = 0; i < fileModel.deployments().size(); i++) {
                TollgateConfig.Deployment d = fileModel.deployments().get(i);
                ObjectNode o = deployments.addObject().put("deployment", d.id());
                o.putObject("file").put("enabled", true).put("weight", d.weight()).put("position", i);
                int position = live == null ? -1 : indexOf(live.deployments(), d.id());
                ObjectNode effective = o.putObject("effective").put("enabled", position >= 0);
                if (position >= 0) {
                    effective.put("weight", live.deployments().get(position).weight()).put("position", position);
                }
                RuntimeOverrides.DeploymentOverride ov = overrides.deployments().stream()
                        .filter(x -> x.model().equals(fileModel.name()) && x.deployment().equals(d.id())).findFirst().orElse(null);
                if (ov != null) {
                    o.set("override", deploymentJson(ov));
                } else {
                    o.putNull("override");
                }
            }
        }
        ArrayNode deploymentOverrides = out.putArray("deployments");
        overrides.deployments().forEach(o -> deploymentOverrides.add(deploymentJson(o)
                .put("status", loaded.vanishedOverrides().contains("deployment " + o.model() + ":" + o.deployment())
                        ? "target-missing" : "active")));
        ArrayNode limits = out.putArray("limits");
        for (RuntimeOverrides.LimitOverride o : overrides.limits()) {
            ObjectNode l = limits.addObject().put("scope", o.scope()).put("name", o.name());
            l.set("override", limitsJson(o.limits()));
            TollgateConfig.Limits file = o.scope().equals("key") ? loaded.file().keys().stream()
                    .filter(k -> k.name().equals(o.name())).map(TollgateConfig.Key::limits).findFirst().orElse(null) : null;
            l.set("file", file == null ? null : limitsJson(file));
            l.put("updated_by", o.change().by()).put("updated_at", o.change().at().toString());
        }
        ArrayNode vanished = out.putArray("vanished");
        loaded.vanishedOverrides().forEach(vanished::add);
        return AdminHandlers.json(HttpStatus.OK, out);
    }

    Mono<ServerResponse> putDeployment(ServerRequest request) {
        AdminIdentity who = identity(request);
        return AdminHandlers.body(request).flatMap(body -> {
            requireOperator(who);
            List<String> problems = new java.util.ArrayList<>();
            body.propertyNames().forEach(f -> {
                if (!DEPLOYMENT_FIELDS.contains(f)) {
                    problems.add(f + ": unknown field (expected model, deployment, enabled, weight, priority)");
                }
            });
            String model = text(body, "model", problems);
            String deployment = text(body, "deployment", problems);
            TollgateConfig file = config.current().file();
            if (model != null && !file.models().containsKey(model)) {
                problems.add("model: unknown model '" + model + "'");
            } else if (model != null && deployment != null && indexOf(file.models().get(model).deployments(), deployment) < 0) {
                problems.add("deployment: model '" + model + "' has no deployment '" + deployment + "' (its deployments: "
                        + file.models().get(model).deployments().stream().map(TollgateConfig.Deployment::id).toList() + ")");
            }
            ObjectNode definition = Json.MAPPER.createObjectNode();
            if (body.has("enabled")) {
                if (!body.get("enabled").isBoolean()) {
                    problems.add("enabled: expected true or false");
                } else {
                    definition.put("enabled", body.get("enabled").asBoolean());
                }
            }
            wholeNumber(body, "weight", 0, 1000, definition, problems);
            wholeNumber(body, "priority", 0, 1000, definition, problems);
            if (problems.isEmpty() && definition.isEmpty()) {
                problems.add("enabled: give at least one of enabled, weight, priority");
            }
            if (!problems.isEmpty()) {
                throw invalid(problems);
            }
            return save(who, OverrideState.DEPLOYMENT, model + "|" + deployment, definition, "override.deployment.set");
        });
    }

    Mono<ServerResponse> deleteDeployment(ServerRequest request) {
        AdminIdentity who = identity(request);
        requireOperator(who);
        String model = query(request, "model");
        String deployment = query(request, "deployment");
        return remove(who, OverrideState.DEPLOYMENT, model + "|" + deployment, "override.deployment.remove");
    }

    Mono<ServerResponse> putLimits(ServerRequest request) {
        AdminIdentity who = identity(request);
        return AdminHandlers.body(request).flatMap(body -> {
            requireOperator(who);
            TollgateConfig.Limits limits;
            try {
                limits = new ConfigReader(n -> null).readLimits(body, Set.of("scope", "name"));
            } catch (ConfigException e) {
                throw invalid(e.problems());
            }
            List<String> problems = new java.util.ArrayList<>();
            String scope = text(body, "scope", problems);
            String name = text(body, "name", problems);
            if (scope != null && !scope.equals("key") && !scope.equals("team")) {
                problems.add("scope: expected key or team, was '" + scope + "'");
            }
            if (name != null && !name.matches("[A-Za-z0-9._-]{1,128}")) {
                problems.add("name: 1-128 letters, digits, '.', '_' or '-'");
            }
            if (!problems.isEmpty()) {
                throw invalid(problems);
            }
            ObjectNode definition = limitsJson(limits);
            return save(who, OverrideState.LIMITS, scope + "|" + name, definition, "override.limits.set");
        });
    }

    Mono<ServerResponse> deleteLimits(ServerRequest request) {
        AdminIdentity who = identity(request);
        requireOperator(who);
        return remove(who, OverrideState.LIMITS, query(request, "scope") + "|" + query(request, "name"), "override.limits.remove");
    }

    private Mono<ServerResponse> save(AdminIdentity who, String kind, String target, ObjectNode definition, String action) {
        String text = definition.toString();
        return store.put(new OverrideStore.StoredOverride(kind, target, text, Instant.now(), who.name()))
                .then(audit.audit(new AdminStore.AuditEntry(UsageEvent.newId(), Instant.now(), who.name(), who.role(), action,
                        target, text)))
                .then(state.reload())
                .then(Mono.defer(() -> AdminHandlers.json(HttpStatus.OK, Json.MAPPER.createObjectNode().put("kind", kind).put("target", target)
                        .put("updated_by", who.name()).set("override", definition))));
    }

    private Mono<ServerResponse> remove(AdminIdentity who, String kind, String target, String action) {
        return store.delete(kind, target).flatMap(deleted -> deleted
                ? audit.audit(new AdminStore.AuditEntry(UsageEvent.newId(), Instant.now(), who.name(), who.role(), action, target, null))
                        .then(state.reload())
                        .then(Mono.defer(() -> AdminHandlers.json(HttpStatus.OK, Json.MAPPER.createObjectNode().put("kind", kind)
                                .put("target", target).put("removed", true))))
                : Mono.error(new GatewayException(HttpStatus.NOT_FOUND, "invalid_request_error", "not_found", null,
                        "No override of " + kind + " '" + target.replace('|', ' ') + "'.")));
    }

    private static ObjectNode deploymentJson(RuntimeOverrides.DeploymentOverride o) {
        ObjectNode n = Json.MAPPER.createObjectNode().put("model", o.model()).put("deployment", o.deployment());
        if (o.enabled() != null) {
            n.put("enabled", o.enabled());
        }
        if (o.weight() != null) {
            n.put("weight", o.weight());
        }
        if (o.priority() != null) {
            n.put("priority", o.priority());
        }
        return n.put("updated_by", o.change().by()).put("updated_at", o.change().at().toString());
    }

    private static ObjectNode limitsJson(TollgateConfig.Limits l) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        if (l.requestsPerMinute() != null) {
            n.put("requests-per-minute", l.requestsPerMinute());
        }
        if (l.tokensPerMinute() != null) {
            n.put("tokens-per-minute", l.tokensPerMinute());
        }
        if (l.concurrent() != null) {
            n.put("concurrent", l.concurrent());
        }
        return n;
    }

    private static int indexOf(List<TollgateConfig.Deployment> deployments, String id) {
        for (int i = 0; i < deployments.size(); i++) {
            if (deployments.get(i).id().equals(id)) {
                return i;
            }
        }
        return -1;
    }

    private static void wholeNumber(JsonNode body, String field, int min, int max, ObjectNode into, List<String> problems) {
        if (!body.has(field)) {
            return;
        }
        JsonNode v = body.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
            problems.add(field + ": a whole number from " + min + " to " + max + ", was " + abbreviate(v.toString()));
        } else {
            into.put(field, v.asInt());
        }
    }

    private static String text(JsonNode body, String field, List<String> problems) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            problems.add(field + ": required");
            return null;
        }
        if (!v.isString() || v.asString().isEmpty() || v.asString().length() > 512) {
            problems.add(field + ": expected a non-empty text of at most 512 characters");
            return null;
        }
        return v.asString();
    }

    private static String query(ServerRequest request, String name) {
        return request.queryParam(name).filter(v -> !v.isBlank() && v.length() <= 512)
                .orElseThrow(() -> GatewayException.missingParam(name, "Missing query parameter '" + name + "'."));
    }

    private static String abbreviate(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "…" : text;
    }

    private static GatewayException invalid(List<String> problems) {
        String first = problems.get(0);
        int colon = first.indexOf(':');
        String param = colon > 0 && !first.startsWith("(") ? first.substring(0, colon) : null;
        return GatewayException.invalidRequest(param, "Invalid override: " + String.join("; ", problems) + ".");
    }

    private static void requireOperator(AdminIdentity who) {
        if (!who.canOperate()) {
            throw new GatewayException(HttpStatus.FORBIDDEN, "permission_error", "insufficient_role", null,
                    "Role '" + who.role() + "' cannot change runtime overrides (owner or admin can).");
        }
    }

    private static AdminIdentity identity(ServerRequest request) {
        return (AdminIdentity) request.attributes().get(IDENTITY);
    }

}
