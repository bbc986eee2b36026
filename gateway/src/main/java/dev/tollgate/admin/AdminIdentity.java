package dev.tollgate.admin;

/** Who is calling the admin API, and what their role lets them do. */
public record AdminIdentity(String name, String role, String team) {

    public boolean canWriteKeys() {
        return role.equals("owner") || role.equals("admin") || role.equals("member");
    }

    public boolean canWriteBudgets() {
        return role.equals("owner") || role.equals("admin") || role.equals("billing");
    }

    /** Runtime overrides: drain a deployment, re-weight or re-order it, change a key's or team's limits. */
    public boolean canOperate() {
        return role.equals("owner") || role.equals("admin");
    }

    public boolean canReadAudit() {
        return role.equals("owner") || role.equals("admin") || role.equals("billing");
    }

    /** Members see and manage only their own team's keys; every other role sees all. */
    public boolean canSeeTeam(String keyTeam) {
        return !role.equals("member") || (team != null && team.equals(keyTeam));
    }
}
