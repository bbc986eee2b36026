package dev.tollgate.usage;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Statement;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import dev.tollgate.support.Json;
import tools.jackson.databind.json.JsonMapper;

/**
 * Usage events over R2DBC, one multi-row statement per batch in one transaction. PostgreSQL in
 * production (monthly partitions, {@code ON CONFLICT DO NOTHING}); H2 as the embedded default
 * ({@code MERGE ... KEY}). Both make a replayed event a no-op.
 */
public class R2dbcUsageStore implements UsageStore {

    public enum Dialect { POSTGRESQL, H2 }

    private static final JsonMapper JSON = Json.MAPPER;
    private static final String COLUMNS = "event_id, request_id, created_at, key_name, team, project, end_user, feature, "
            + "operation, requested_model, model, provider, deployment, stream, input_tokens, output_tokens, "
            + "cached_input_tokens, tokens_estimated, cost_usd, price_version, latency_ms, ttft_ms, status, error_code, "
            + "fallback_path, attempts, cache_outcome, cost_saved_usd, cache_write_tokens, cost_unknown, api, "
            + "experiment, variant, tier, route_stage, route_reason, complexity, baseline_cost_usd, request_hash, metadata";
    private static final int COLUMN_COUNT = 40;

    private final ConnectionFactory connections;
    private final Dialect dialect;
    private final String insertSql;
    private final String description;
    private final R2dbcUsageRollups rollups;

    public R2dbcUsageStore(ConnectionFactory connections, Dialect dialect, String description) {
        this(connections, dialect, description, true);
    }

    /** {@code maintainRollups} false only to measure what maintaining them costs (bench). */
    public R2dbcUsageStore(ConnectionFactory connections, Dialect dialect, String description, boolean maintainRollups) {
        this.rollups = maintainRollups ? new R2dbcUsageRollups(dialect) : null;
        this.connections = connections;
        this.dialect = dialect;
        this.description = description;
        StringBuilder values = new StringBuilder();
        for (int i = 1; i <= COLUMN_COUNT; i++) {
            values.append(i == 1 ? "" : ", ").append('$').append(i);
            if (i == COLUMN_COUNT && dialect == Dialect.POSTGRESQL) {
                values.append("::jsonb");
            }
        }
        this.insertSql = dialect == Dialect.POSTGRESQL
                ? "INSERT INTO usage_events (" + COLUMNS + ") VALUES (" + values + ") ON CONFLICT DO NOTHING"
                : "MERGE INTO usage_events (" + COLUMNS + ") KEY (event_id, created_at) VALUES (" + values + ")";
    }

    @Override
    public Mono<Void> insert(List<UsageEvent> batch) {
        if (batch.isEmpty()) {
            return Mono.empty();
        }
        return Mono.usingWhen(connections.create(),
                c -> Mono.from(c.beginTransaction())
                        .then(rollups == null ? Mono.just(batch) : rollups.unseen(c, batch))
                        .flatMap(unseen -> Flux.from(bindAll(c.createStatement(insertSql), batch).execute())
                                .concatMap(r -> r.getRowsUpdated())
                                .then(rollups == null ? Mono.empty() : rollups.add(c, unseen)))
                        .then(Mono.from(c.commitTransaction())),
                Connection::close,
                (c, err) -> Mono.from(c.rollbackTransaction()).onErrorResume(e -> Mono.empty())
                        .then(Mono.from(c.close())),
                Connection::close);
    }

    private Statement bindAll(Statement s, List<UsageEvent> batch) {
        for (int i = 0; i < batch.size(); i++) {
            if (i > 0) {
                s.add();
            }
            bind(s, batch.get(i));
        }
        return s;
    }

    private void bind(Statement s, UsageEvent e) {
        int i = 0;
        s.bind(i++, e.eventId());
        s.bind(i++, e.requestId());
        s.bind(i++, OffsetDateTime.ofInstant(e.createdAt(), ZoneOffset.UTC));
        text(s, i++, e.keyName());
        text(s, i++, e.team());
        text(s, i++, e.project());
        text(s, i++, e.endUser());
        text(s, i++, e.feature());
        s.bind(i++, e.operation());
        text(s, i++, e.requestedModel());
        text(s, i++, e.model());
        text(s, i++, e.provider());
        text(s, i++, e.deployment());
        s.bind(i++, e.stream());
        s.bind(i++, e.inputTokens());
        s.bind(i++, e.outputTokens());
        s.bind(i++, e.cachedInputTokens());
        s.bind(i++, e.tokensEstimated());
        if (e.costUsd() == null) {
            s.bindNull(i++, BigDecimal.class);
        } else {
            s.bind(i++, e.costUsd());
        }
        text(s, i++, e.priceVersion());
        s.bind(i++, e.latencyMs());
        if (e.ttftMs() == null) {
            s.bindNull(i++, Integer.class);
        } else {
            s.bind(i++, e.ttftMs());
        }
        s.bind(i++, e.status());
        text(s, i++, e.errorCode());
        text(s, i++, e.fallbackPath());
        s.bind(i++, e.attempts());
        text(s, i++, e.cacheOutcome());
        if (e.costSavedUsd() == null) {
            s.bindNull(i++, BigDecimal.class);
        } else {
            s.bind(i++, e.costSavedUsd());
        }
        s.bind(i++, e.cacheWriteTokens());
        s.bind(i++, e.costUnknown());
        text(s, i++, e.api());
        text(s, i++, e.experiment());
        text(s, i++, e.variant());
        UsageEvent.Route route = e.route();
        text(s, i++, route == null ? null : route.tier());
        text(s, i++, route == null ? null : route.stage());
        text(s, i++, route == null ? null : route.reason());
        if (route == null || route.complexity() == null) {
            s.bindNull(i++, Double.class);
        } else {
            s.bind(i++, route.complexity());
        }
        if (e.baselineCostUsd() == null) {
            s.bindNull(i++, BigDecimal.class);
        } else {
            s.bind(i++, e.baselineCostUsd());
        }
        text(s, i++, e.requestHash());
        text(s, i, metadata(e.metadata()));
    }

    private static void text(Statement s, int index, String value) {
        if (value == null) {
            s.bindNull(index, String.class);
        } else {
            s.bind(index, value);
        }
    }

    private static String metadata(Map<String, String> metadata) {
        return metadata == null || metadata.isEmpty() ? null : JSON.writeValueAsString(metadata);
    }

    @Override
    public Mono<Void> ping() {
        return Mono.usingWhen(connections.create(),
                c -> Flux.from(c.createStatement("SELECT 1").execute()).concatMap(r -> r.map((row, meta) -> 1)).then(),
                Connection::close);
    }

    @Override
    public Mono<Void> maintain() {
        if (dialect != Dialect.POSTGRESQL) {
            return Mono.empty();
        }
        return Mono.usingWhen(connections.create(),
                c -> Flux.from(c.createStatement(
                                "SELECT tollgate_ensure_usage_partition((date_trunc('month', now()) + interval '1 month')::date), "
                                        + "tollgate_ensure_usage_partition((date_trunc('month', now()) + interval '2 month')::date)")
                        .execute()).concatMap(r -> r.map((row, meta) -> 1)).then(),
                Connection::close);
    }

    @Override
    public Flux<SpendRow> spendSince(Instant from) {
        String metadata = dialect == Dialect.POSTGRESQL ? "metadata::text" : "metadata";
        String sql = "SELECT created_at, team, project, key_name, end_user, requested_model, feature, " + metadata
                + " AS metadata, cost_usd FROM usage_events WHERE created_at >= $1 AND cost_usd > 0 ORDER BY created_at";
        return Flux.usingWhen(connections.create(),
                c -> Flux.from(c.createStatement(sql).bind(0, OffsetDateTime.ofInstant(from, ZoneOffset.UTC)).execute())
                        .concatMap(r -> r.map((row, meta) -> new SpendRow(
                                row.get("created_at", OffsetDateTime.class).toInstant(),
                                row.get("team", String.class), row.get("project", String.class),
                                row.get("key_name", String.class), row.get("end_user", String.class),
                                row.get("requested_model", String.class), row.get("feature", String.class),
                                parseMetadata(row.get("metadata", String.class)), row.get("cost_usd", BigDecimal.class)))),
                Connection::close);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> parseMetadata(String json) {
        return json == null || json.isBlank() ? Map.of() : JSON.readValue(json, Map.class);
    }

    @Override
    public String describe() {
        return description;
    }
}
