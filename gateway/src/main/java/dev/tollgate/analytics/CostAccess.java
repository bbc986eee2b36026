package dev.tollgate.analytics;

import dev.tollgate.admin.AdminIdentity;
import dev.tollgate.api.GatewayException;
import org.springframework.http.HttpStatus;

/**
 * Who may read which costs: owner, admin and billing read every team's; member and viewer read
 * only their own team's (the {@code team} of their admin entry), and one without a team reads none.
 */
public final class CostAccess {

    private CostAccess() {}

    /** The team the caller is limited to, or null when they may read every team. */
    public static String teamScope(AdminIdentity who) {
        return switch (who.role()) {
            case "owner", "admin", "billing" -> null;
            default -> {
                if (who.team() == null) {
                    throw forbidden("Role '" + who.role() + "' reads the costs of its own team, and '" + who.name()
                            + "' has no team in 'admins'. Owner, admin and billing read every team's.");
                }
                yield who.team();
            }
        };
    }

    /** Refuses a team filter other than the caller's own scope. */
    public static void checkTeam(AdminIdentity who, String scope, String askedTeam) {
        if (scope != null && askedTeam != null && !askedTeam.equals(scope)) {
            throw forbidden("Role '" + who.role() + "' reads team '" + scope + "' only, not '" + askedTeam + "'.");
        }
    }

    public static boolean canManageRecommendations(AdminIdentity who) {
        return who.role().equals("owner") || who.role().equals("admin") || who.role().equals("billing");
    }

    static GatewayException forbidden(String message) {
        return new GatewayException(HttpStatus.FORBIDDEN, "permission_error", "insufficient_role", null, message);
    }
}
