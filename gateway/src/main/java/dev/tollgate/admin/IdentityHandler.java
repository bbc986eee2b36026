package dev.tollgate.admin;

import dev.tollgate.support.Json;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** {@code GET /admin/v1/me}: who the admin key belongs to and its role, so a client (the console) shows only what it may do. */
public final class IdentityHandler {

    private IdentityHandler() {}

    public static RouterFunction<ServerResponse> routes(AdminAuthenticator auth) {
        return RouterFunctions.route().GET("/admin/v1/me", request -> {
            AdminIdentity who = auth.authenticate(request.headers().asHttpHeaders());
            var out = Json.MAPPER.createObjectNode().put("name", who.name()).put("role", who.role()).put("team", who.team());
            var can = out.putObject("can");
            can.put("write_keys", who.canWriteKeys()).put("write_budgets", who.canWriteBudgets())
                    .put("read_audit", who.canReadAudit()).put("operate", who.canOperate());
            return AdminHandlers.json(HttpStatus.OK, out);
        }).build();
    }
}
