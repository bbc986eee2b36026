package dev.tollgate.boot;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Process-level settings (Spring properties / environment, e.g. {@code TOLLGATE_USAGE_URL}).
 * What is routed where lives in the config file ({@code tollgate.config}), which reloads live.
 *
 * @param config path of {@code tollgate.yaml}; empty = the embedded demo config
 * @param maxRequestSize largest request body accepted (413 above)
 * @param usage where usage events are written
 * @param state where budgets and rate limits are kept
 * @param adminKey bootstrap admin key (role owner) for {@code /admin/v1}; {@code TOLLGATE_ADMIN_KEY}
 */
@ConfigurationProperties("tollgate")
public record TollgateProperties(
        String config,
        @DefaultValue("8MB") DataSize maxRequestSize,
        @DefaultValue Usage usage,
        @DefaultValue State state,
        String adminKey) {

    /**
     * Where budgets and rate limits are kept.
     *
     * @param store {@code memory} (single node, default) or {@code redis} (shared by all replicas)
     * @param redisUrl e.g. {@code redis://127.0.0.1:6379}
     * @param redisTimeout how long a Redis command may take before the failure policy applies
     * @param onRedisFailure {@code fail-closed} (refuse calls, default) or {@code fail-open}
     *     (enforce per replica until Redis is back)
     */
    public record State(
            @DefaultValue("memory") String store,
            @DefaultValue("redis://127.0.0.1:6379") String redisUrl,
            @DefaultValue("500ms") Duration redisTimeout,
            @DefaultValue("fail-closed") String onRedisFailure) {

        public State {
            if (!store.equals("memory") && !store.equals("redis")) {
                throw new IllegalArgumentException("tollgate.state.store: expected memory or redis, was '" + store + "'");
            }
            if (!onRedisFailure.equals("fail-open") && !onRedisFailure.equals("fail-closed")) {
                throw new IllegalArgumentException("tollgate.state.on-redis-failure: expected fail-open or fail-closed, was '"
                        + onRedisFailure + "'");
            }
        }
    }


    /**
     * @param url {@code h2:file:./data/tollgate-usage} (default, embedded), {@code h2:mem:name}, or
     *     {@code postgresql://host:5432/db}
     * @param queueCapacity events held in memory before overflow goes straight to the spool
     * @param batchSize events per insert
     * @param flushInterval how often the idle writer wakes up for housekeeping (probe, replay); a
     *     batch is written as soon as events are waiting, with whatever has queued up meanwhile
     * @param spoolDir where events wait while the store is unreachable
     * @param schema PostgreSQL schema for Tollgate's tables (default: the user's search path)
     */
    public record Usage(
            @DefaultValue("h2:file:./data/tollgate-usage") String url,
            String username,
            String password,
            @DefaultValue("10000") int queueCapacity,
            @DefaultValue("500") int batchSize,
            @DefaultValue("200ms") Duration flushInterval,
            @DefaultValue("./data/spool") Path spoolDir,
            @DefaultValue("4") int poolSize,
            String schema) {

        public Usage {
            // Empty environment variables (TOLLGATE_USAGE_USERNAME=) mean "not set".
            username = username == null || username.isBlank() ? null : username;
            password = password == null || password.isBlank() ? null : password;
            schema = schema == null || schema.isBlank() ? null : schema;
        }
    }
}
