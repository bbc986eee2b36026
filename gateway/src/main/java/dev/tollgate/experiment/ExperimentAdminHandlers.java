package dev.tollgate.experiment;

import dev.tollgate.admin.AdminAuthenticator;
import dev.tollgate.admin.AdminIdentity;
import dev.tollgate.admin.AdminStore;
import dev.tollgate.api.GatewayException;
import dev.tollgate.config.Experiment;
import dev.tollgate.config.ExperimentReader;
import dev.tollgate.support.Json;
import dev.tollgate.usage.UsageEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /admin/v1/experiments}: list, create, replace and delete experiments, and the readout of
 * one. Owners and admins change them (each change audited); every admin role reads them, a member
 * only those limited to their own team. Experiments of the config file are listed and read out but
 * can only be changed in the file.
 */
public final class ExperimentAdminHandlers {

    /** How far back a readout looks for an experiment without a start time. */
    static final Duration DEFAULT_LOOKBACK = Duration.ofDays(90);

    private final AdminAuthenticator auth;
    private final AdminStore audit;
    private final ExperimentStore store;
    private final ExperimentBook book;

    public ExperimentAdminHandlers(AdminAuthenticator auth, AdminStore audit, ExperimentStore store, ExperimentBook book) {
        this.auth = auth;
        this.audit = audit;
        this.store = store;
        this.book = book;
    }

    public RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route()
                .path("/admin/v1/experiments", b -> b
                        .GET("", this::list)
                        .POST("", this::put)
                        .GET("/{name}", this::readout)
                        .PUT("/{name}", this::put)
                        .DELETE("/{name}", this::delete))
                .build();
    }

    Mono<ServerResponse> list(ServerRequest request) {
        AdminIdentity who = auth.authenticate(request.headers().asHttpHeaders());
        ArrayNode data = Json.MAPPER.createArrayNode();
        for (Experiment e : book.experiments().values()) {
            if (canRead(who, e)) {
                data.add(json(e).put("source", book.definedInFile(e.name()) ? "config" : "api"));
            }
        }
        return respond(HttpStatus.OK, Json.MAPPER.createObjectNode().put("object", "list").set("data", data));
    }

    Mono<ServerResponse> readout(ServerRequest request) {
        AdminIdentity who = auth.authenticate(request.headers().asHttpHeaders());
        String name = request.pathVariable("name");
        Experiment e = book.experiments().get(name);
        if (e == null || !canRead(who, e)) {
            return Mono.error(notFound(name));
        }
        Instant from = e.start() != null ? e.start() : Instant.now().minus(DEFAULT_LOOKBACK);
        return store.observations(name, from).collectList().flatMap(observations -> {
            ObjectNode out = Readout.of(e, observations);
            out.set("definition", json(e).put("source", book.definedInFile(name) ? "config" : "api"));
            return respond(HttpStatus.OK, out);
        });
    }

    Mono<ServerResponse> put(ServerRequest request) {
        // The body is read before any refusal: answering while the client is still sending it
        // leaves its keep-alive connection in a state some HTTP clients never recover from.
        String pathName = request.pathVariables().get("name");
        return JsonBodies.object(request).flatMap(body -> {
            AdminIdentity who = auth.authenticate(request.headers().asHttpHeaders());
            requireWriter(who);
            if (pathName != null && !body.has("name")) {
                ((ObjectNode) body).put("name", pathName);
            }
            List<String> problems = new ArrayList<>();
            Experiment e = ExperimentReader.read(body, "", book.models(), problems);
            if (e == null) {
                String first = problems.get(0).startsWith(".") ? problems.get(0).substring(1) : problems.get(0);
                String message = String.join("; ", problems.stream().map(p -> p.startsWith(".") ? p.substring(1) : p).toList());
                return Mono.error(GatewayException.invalidRequest(first.substring(0, Math.max(0, first.indexOf(':'))), message + "."));
            }
            if (pathName != null && !pathName.equals(e.name())) {
                return Mono.error(GatewayException.invalidRequest("name", "name: '" + e.name() + "' differs from the name in the path '" + pathName + "'."));
            }
            if (book.definedInFile(e.name())) {
                return Mono.error(conflict("The experiment '" + e.name() + "' is defined in the config file; change it there."));
            }
            if (pathName == null && book.experiments().containsKey(e.name())) {
                return Mono.error(conflict("An experiment named '" + e.name() + "' exists; replace it with PUT /admin/v1/experiments/" + e.name() + "."));
            }
            String action = pathName == null ? "experiment.create" : "experiment.update";
            return store.upsertExperiment(e.name(), body.toString(), Instant.now())
                    .then(audit(who, action, e.name(), body.toString()))
                    .then(book.reload())
                    .then(Mono.defer(() -> respond(pathName == null ? HttpStatus.CREATED : HttpStatus.OK, json(e).put("source", "api"))));
        });
    }

    Mono<ServerResponse> delete(ServerRequest request) {
        AdminIdentity who = auth.authenticate(request.headers().asHttpHeaders());
        requireWriter(who);
        String name = request.pathVariable("name");
        if (book.definedInFile(name)) {
            return Mono.error(conflict("The experiment '" + name + "' is defined in the config file; remove it there."));
        }
        return store.deleteExperiment(name).flatMap(deleted -> deleted
                ? audit(who, "experiment.delete", name, null).then(book.reload())
                        .then(Mono.defer(() -> respond(HttpStatus.OK, Json.MAPPER.createObjectNode()
                                .put("name", name).put("object", "experiment.deleted").put("deleted", true))))
                : Mono.error(notFound(name)));
    }

    private static boolean canRead(AdminIdentity who, Experiment e) {
        return !who.role().equals("member") || (who.team() != null && who.team().equals(e.team()));
    }

    private static void requireWriter(AdminIdentity who) {
        if (!who.role().equals("owner") && !who.role().equals("admin")) {
            throw new GatewayException(HttpStatus.FORBIDDEN, "permission_error", "insufficient_role", null,
                    "Role '" + who.role() + "' cannot change experiments (owner or admin can).");
        }
    }

    private Mono<Void> audit(AdminIdentity who, String action, String target, String details) {
        return audit.audit(new AdminStore.AuditEntry(UsageEvent.newId(), Instant.now(), who.name(), who.role(), action, target, details));
    }

    static ObjectNode json(Experiment e) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("name", e.name());
        o.put("model", e.model());
        o.put("unit", e.unit().name().toLowerCase(java.util.Locale.ROOT));
        ArrayNode variants = o.putArray("variants");
        for (Experiment.Variant v : e.variants()) {
            ObjectNode vn = variants.addObject().put("name", v.name()).put("weight", v.weight());
            if (v.model() != null) {
                vn.put("model", v.model());
            }
            if (v.strategy() != null) {
                vn.put("strategy", v.strategy().kind().id());
            }
        }
        o.put("team", e.team());
        o.put("feature", e.feature());
        o.put("start", e.start() == null ? null : e.start().toString());
        o.put("end", e.end() == null ? null : e.end().toString());
        o.put("min-calls", e.minCalls());
        o.put("active", e.activeAt(Instant.now()));
        return o;
    }

    private static Mono<ServerResponse> respond(HttpStatus status, JsonNode body) {
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON).bodyValue(Json.MAPPER.writeValueAsBytes(body));
    }

    private static GatewayException conflict(String message) {
        return new GatewayException(HttpStatus.CONFLICT, "invalid_request_error", "conflict", null, message);
    }

    private static GatewayException notFound(String name) {
        return new GatewayException(HttpStatus.NOT_FOUND, "invalid_request_error", "not_found", null, "No experiment named '" + name + "'.");
    }
}
