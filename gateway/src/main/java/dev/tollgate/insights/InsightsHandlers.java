package dev.tollgate.insights;

import dev.tollgate.admin.AdminAuthenticator;
import dev.tollgate.admin.AdminIdentity;
import dev.tollgate.admin.AdminStore;
import dev.tollgate.api.GatewayException;
import dev.tollgate.support.Json;
import dev.tollgate.usage.UsageEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /admin/v1/recommendations} (list, dismiss, mark applied, reopen, recompute now) and
 * {@code /admin/v1/alerts} (list, acknowledge). Recommendations and alerts span every team, so
 * owner, admin and billing read and act on them; member and viewer do not. Changes are audited.
 */
public class InsightsHandlers {

    private static final String IDENTITY = InsightsHandlers.class.getName() + ".identity";
    private static final Map<String, String> ACTIONS = Map.of("dismiss", Recommendation.DISMISSED, "apply", Recommendation.APPLIED,
            "reopen", Recommendation.OPEN);

    private final AdminAuthenticator auth;
    private final AdminStore audit;
    private final RecommendationStore recommendations;
    private final Recommender recommender;
    private final AnomalyLog alerts;
    private final Clock clock;

    public InsightsHandlers(AdminAuthenticator auth, AdminStore audit, RecommendationStore recommendations, Recommender recommender,
            AnomalyLog alerts, Clock clock) {
        this.auth = auth;
        this.audit = audit;
        this.recommendations = recommendations;
        this.recommender = recommender;
        this.alerts = alerts;
        this.clock = clock;
    }

    public RouterFunction<ServerResponse> routes() {
        HandlerFilterFunction<ServerResponse, ServerResponse> authenticate = (request, next) -> {
            AdminIdentity who = auth.authenticate(request.headers().asHttpHeaders());
            if (!(who.role().equals("owner") || who.role().equals("admin") || who.role().equals("billing"))) {
                throw new GatewayException(HttpStatus.FORBIDDEN, "permission_error", "insufficient_role", null,
                        "Recommendations and alerts cover every team: owner, admin and billing read them, not '" + who.role() + "'.");
            }
            request.attributes().put(IDENTITY, who);
            return next.handle(request);
        };
        return RouterFunctions.route()
                .path("/admin/v1", b -> b
                        .GET("/recommendations", this::list)
                        .POST("/recommendations/refresh", this::refresh)
                        .POST("/recommendations/{id}/{action}", this::act)
                        .GET("/alerts", this::listAlerts)
                        .POST("/alerts/{id}/acknowledge", this::acknowledge))
                .filter(authenticate)
                .build();
    }

    Mono<ServerResponse> list(ServerRequest request) {
        String status = request.queryParam("status").orElse(Recommendation.OPEN);
        if (!List.of("open", "dismissed", "applied", "all").contains(status)) {
            throw GatewayException.invalidRequest("status", "status: expected open, dismissed, applied or all.");
        }
        return recommendations.list(status.equals("all") ? null : status).flatMap(this::listJson);
    }

    Mono<ServerResponse> refresh(ServerRequest request) {
        AdminIdentity who = (AdminIdentity) request.attributes().get(IDENTITY);
        return recommender.runOnce(clock.instant())
                .flatMap(found -> audit(who, "recommendations.refresh", "all", found.size() + " found"))
                .then(recommendations.list(Recommendation.OPEN)).flatMap(this::listJson);
    }

    Mono<ServerResponse> act(ServerRequest request) {
        AdminIdentity who = (AdminIdentity) request.attributes().get(IDENTITY);
        String id = request.pathVariable("id");
        String status = ACTIONS.get(request.pathVariable("action"));
        if (status == null) {
            throw GatewayException.invalidRequest("action", "Expected /recommendations/{id}/dismiss, /apply or /reopen.");
        }
        return recommendations.setStatus(id, status, who.name(), clock.instant()).flatMap(found -> found
                ? audit(who, "recommendation." + request.pathVariable("action"), id, null)
                        .then(json(Json.MAPPER.createObjectNode().put("id", id).put("status", status)))
                : Mono.error(new GatewayException(HttpStatus.NOT_FOUND, "invalid_request_error", "not_found", null,
                        "No recommendation '" + id + "'.")));
    }

    Mono<ServerResponse> listAlerts(ServerRequest request) {
        int limit = request.queryParam("limit").map(Integer::parseInt).orElse(100);
        boolean unacknowledged = request.queryParam("unacknowledged").map(Boolean::parseBoolean).orElse(false);
        return alerts.recent(Math.max(1, Math.min(limit, 1000)), unacknowledged).flatMap(list -> {
            ObjectNode out = Json.MAPPER.createObjectNode().put("object", "list");
            ArrayNode data = out.putArray("data");
            list.forEach(a -> data.add(Json.MAPPER.valueToTree(a)));
            return json(out);
        });
    }

    Mono<ServerResponse> acknowledge(ServerRequest request) {
        AdminIdentity who = (AdminIdentity) request.attributes().get(IDENTITY);
        String id = request.pathVariable("id");
        java.util.UUID uuid;
        try {
            uuid = java.util.UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalidRequest("id", "Not an alert id: '" + id + "'.");
        }
        return alerts.acknowledge(uuid, who.name(), clock.instant()).flatMap(found -> found
                ? audit(who, "alert.acknowledge", id, null)
                        .then(json(Json.MAPPER.createObjectNode().put("id", id).put("acknowledged", true)))
                : Mono.error(new GatewayException(HttpStatus.NOT_FOUND, "invalid_request_error", "not_found", null,
                        "No unacknowledged alert '" + id + "'.")));
    }

    private Mono<ServerResponse> listJson(List<Recommendation> list) {
        ObjectNode out = Json.MAPPER.createObjectNode().put("object", "list");
        ArrayNode data = out.putArray("data");
        for (Recommendation r : list) {
            ObjectNode o = data.addObject();
            o.put("id", r.id()).put("kind", r.kind()).put("subject", r.subject()).put("priority", r.priority())
                    .put("status", r.status()).put("title", r.title()).put("description", r.description())
                    .put("affected_calls", r.affectedCalls()).put("estimated_monthly_savings_usd", r.monthlySavingsUsd())
                    .put("window_start", r.windowStart().toString()).put("window_end", r.windowEnd().toString())
                    .put("computed_at", r.computedAt().toString());
            o.set("evidence", Json.MAPPER.valueToTree(r.evidence()));
            if (r.statusChangedAt() != null) {
                o.put("status_changed_at", r.statusChangedAt().toString()).put("status_changed_by", r.statusChangedBy());
            }
        }
        return json(out);
    }

    private Mono<Void> audit(AdminIdentity who, String action, String target, String details) {
        return audit.audit(new AdminStore.AuditEntry(UsageEvent.newId(), Instant.now(clock), who.name(), who.role(), action, target, details));
    }

    private static Mono<ServerResponse> json(ObjectNode body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(Json.MAPPER.writeValueAsBytes(body));
    }
}
