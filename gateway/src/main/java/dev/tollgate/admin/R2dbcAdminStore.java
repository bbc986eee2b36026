package dev.tollgate.admin;

import dev.tollgate.config.TollgateConfig;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import dev.tollgate.support.Json;
import tools.jackson.databind.json.JsonMapper;

/** The admin tables in the usage store's database (PostgreSQL, or the embedded H2). */
public class R2dbcAdminStore implements AdminStore {

    private static final JsonMapper JSON = Json.MAPPER;
    private static final String KEY_COLUMNS = "name, key_hash, team, project, end_user, models, metadata, limits, created_at, created_by, revoked_at";

    private final ConnectionFactory connections;

    public R2dbcAdminStore(ConnectionFactory connections) {
        this.connections = connections;
    }

    @Override
    public Flux<StoredKey> keys(boolean includeRevoked) {
        return query("SELECT " + KEY_COLUMNS + " FROM virtual_keys" + (includeRevoked ? "" : " WHERE revoked_at IS NULL")
                + " ORDER BY name", s -> s, R2dbcAdminStore::key);
    }

    @Override
    public Mono<Boolean> insertKey(StoredKey k) {
        return update("INSERT INTO virtual_keys (" + KEY_COLUMNS + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)", s -> {
            s.bind(0, k.name()).bind(1, k.keyHash());
            text(s, 2, k.team());
            text(s, 3, k.project());
            text(s, 4, k.user());
            text(s, 5, String.join(",", k.models()));
            text(s, 6, k.metadata().isEmpty() ? null : JSON.writeValueAsString(k.metadata()));
            text(s, 7, k.limits() == null ? null : JSON.writeValueAsString(k.limits()));
            s.bind(8, OffsetDateTime.ofInstant(k.createdAt(), ZoneOffset.UTC)).bind(9, k.createdBy());
            return s;
        }).map(n -> n == 1).onErrorResume(e -> isDuplicate(e) ? Mono.just(false) : Mono.error(e));
    }

    @Override
    public Mono<Boolean> revokeKey(String name, Instant at) {
        return update("UPDATE virtual_keys SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL",
                s -> s.bind(0, OffsetDateTime.ofInstant(at, ZoneOffset.UTC)).bind(1, name)).map(n -> n == 1);
    }

    @Override
    public Mono<Boolean> rotateKey(String name, String newHash) {
        return update("UPDATE virtual_keys SET key_hash = $1 WHERE name = $2 AND revoked_at IS NULL",
                s -> s.bind(0, newHash).bind(1, name)).map(n -> n == 1);
    }

    @Override
    public Flux<StoredBudget> budgets() {
        return query("SELECT name, definition, updated_at FROM budgets ORDER BY name", s -> s,
                r -> new StoredBudget(r.get("name", String.class), r.get("definition", String.class),
                        r.get("updated_at", OffsetDateTime.class).toInstant()));
    }

    @Override
    public Mono<Void> upsertBudget(String name, String definition, Instant at) {
        OffsetDateTime when = OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
        return update("UPDATE budgets SET definition = $1, updated_at = $2 WHERE name = $3",
                        s -> s.bind(0, definition).bind(1, when).bind(2, name))
                .flatMap(n -> n == 1 ? Mono.empty()
                        : update("INSERT INTO budgets (name, definition, created_at, updated_at) VALUES ($1, $2, $3, $3)",
                                s -> s.bind(0, name).bind(1, definition).bind(2, when)).then());
    }

    @Override
    public Mono<Boolean> deleteBudget(String name) {
        return update("DELETE FROM budgets WHERE name = $1", s -> s.bind(0, name)).map(n -> n == 1);
    }

    @Override
    public Mono<Void> audit(AuditEntry e) {
        return update("INSERT INTO audit_log (id, at, actor, role, action, target, details) VALUES ($1, $2, $3, $4, $5, $6, $7)", s -> {
            s.bind(0, e.id()).bind(1, OffsetDateTime.ofInstant(e.at(), ZoneOffset.UTC)).bind(2, e.actor()).bind(3, e.role())
                    .bind(4, e.action()).bind(5, e.target());
            text(s, 6, e.details());
            return s;
        }).then();
    }

    @Override
    public Flux<AuditEntry> auditLog(int limit) {
        return query("SELECT id, at, actor, role, action, target, details FROM audit_log ORDER BY at DESC LIMIT " + limit, s -> s,
                r -> new AuditEntry(r.get("id", UUID.class), r.get("at", OffsetDateTime.class).toInstant(), r.get("actor", String.class),
                        r.get("role", String.class), r.get("action", String.class), r.get("target", String.class),
                        r.get("details", String.class)));
    }

    @SuppressWarnings("unchecked")
    private static StoredKey key(Readable r) {
        String models = r.get("models", String.class);
        String metadata = r.get("metadata", String.class);
        String limits = r.get("limits", String.class);
        OffsetDateTime revoked = r.get("revoked_at", OffsetDateTime.class);
        return new StoredKey(r.get("name", String.class), r.get("key_hash", String.class), r.get("team", String.class),
                r.get("project", String.class), r.get("end_user", String.class),
                models == null || models.isEmpty() ? List.of() : Arrays.asList(models.split(",")),
                metadata == null ? Map.of() : JSON.readValue(metadata, Map.class),
                limits == null ? null : limits(JSON.readTree(limits)),
                r.get("created_at", OffsetDateTime.class).toInstant(), r.get("created_by", String.class),
                revoked == null ? null : revoked.toInstant());
    }

    private static TollgateConfig.Limits limits(JsonNode n) {
        return new TollgateConfig.Limits(n.path("requestsPerMinute").isNumber() ? n.path("requestsPerMinute").asLong() : null,
                n.path("tokensPerMinute").isNumber() ? n.path("tokensPerMinute").asLong() : null,
                n.path("concurrent").isNumber() ? n.path("concurrent").asInt() : null);
    }

    private <T> Flux<T> query(String sql, Function<Statement, Statement> bind, Function<Readable, T> map) {
        return Flux.usingWhen(connections.create(),
                c -> Flux.from(bind.apply(c.createStatement(sql)).execute()).concatMap(result -> result.map(map::apply)),
                Connection::close);
    }

    private Mono<Long> update(String sql, Function<Statement, Statement> bind) {
        return Mono.usingWhen(connections.create(),
                c -> Flux.from(bind.apply(c.createStatement(sql)).execute()).concatMap(r -> r.getRowsUpdated()).reduce(0L, Long::sum),
                Connection::close);
    }

    private static void text(Statement s, int index, String value) {
        if (value == null) {
            s.bindNull(index, String.class);
        } else {
            s.bind(index, value);
        }
    }

    private static boolean isDuplicate(Throwable e) {
        return e instanceof io.r2dbc.spi.R2dbcDataIntegrityViolationException;
    }
}
