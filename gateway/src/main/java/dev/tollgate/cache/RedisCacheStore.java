package dev.tollgate.cache;

import dev.tollgate.config.ConfigListener;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.embedding.Embedding;
import dev.tollgate.support.Json;
import dev.tollgate.support.RedisConnector;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The cache shared by every replica ({@code cluster} mode). Entries live in Redis under their TTL
 * ({@code {tollgate-cache}:entry:<id>}); every insert and eviction is also appended to the stream
 * {@code {tollgate-cache}:events}. Each replica answers lookups from its own in-memory index and
 * keeps that index in step by reading the stream on a thread of its own; a replica that starts
 * loads the live entries first, then reads the stream from the point it noted before loading, so
 * nothing falls in between. Keys share one hash tag so a Redis Cluster keeps them on one shard.
 * <p>
 * Failure policy: the cache never fails a call. If Redis is down, inserts stay local to this
 * replica (logged, counted by the cache filter), lookups keep working on what the replica has,
 * and the reader retries every two seconds. Ratings are counted per replica; the eviction a bad
 * rating causes is shared.
 */
public final class RedisCacheStore implements CacheStore, ConfigListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisCacheStore.class);
    static final String PREFIX = "{tollgate-cache}:";
    static final String STREAM = PREFIX + "events";
    static final String ENTRY = PREFIX + "entry:";

    private final RedisConnector redis;
    private final InMemoryCacheStore local;
    private final Clock clock;
    private final String origin = UUID.randomUUID().toString();
    private final Thread reader;
    private volatile int maxEntries = 10_000;
    private volatile boolean running = true;
    private volatile boolean caughtUp;

    public RedisCacheStore(RedisConnector redis, InMemoryCacheStore local, Clock clock) {
        this.redis = redis;
        this.local = local;
        this.clock = clock;
        this.reader = new Thread(this::follow, "tollgate-cache-stream");
        reader.setDaemon(true);
        reader.start();
    }

    /** True once this replica has loaded the shared entries (for health and tests). */
    public boolean caughtUp() {
        return caughtUp;
    }

    @Override
    public Runnable prepare(TollgateConfig config) {
        int next = config.cache().maxEntries(); // the local index is a listener of its own
        return () -> maxEntries = next;
    }

    @Override
    public Mono<CacheEntry> exact(String exactKey) {
        return local.exact(exactKey);
    }

    @Override
    public Mono<Match> nearest(String partition, float[] vector, double threshold, Predicate<CacheEntry> accept) {
        return local.nearest(partition, vector, threshold, accept);
    }

    @Override
    public Mono<java.util.List<Match>> candidates(String partition, float[] vector, double minSimilarity, int limit) {
        return local.candidates(partition, vector, minSimilarity, limit);
    }

    @Override
    public Mono<CacheEntry> byId(String id) {
        return local.byId(id);
    }

    @Override
    public Votes votes(String id) {
        return local.votes(id);
    }

    @Override
    public long size() {
        return local.size();
    }

    @Override
    public Mono<Void> put(CacheEntry entry) {
        local.add(entry);
        long ttl = entry.expiresAtMillis() - clock.millis();
        if (ttl <= 0) {
            return Mono.empty();
        }
        String payload = encode(entry);
        return withRedis(cmd -> cmd.set(ENTRY + entry.id(), payload, SetArgs.Builder.px(ttl))
                .then(cmd.xadd(STREAM, trim(), Map.of("op", "put", "id", entry.id(), "origin", origin, "entry", payload)))
                .then());
    }

    @Override
    public Mono<Boolean> evict(String id) {
        return local.evict(id).flatMap(existed -> withRedis(cmd -> cmd.del(ENTRY + id)
                        .then(cmd.xadd(STREAM, trim(), Map.of("op", "evict", "id", id, "origin", origin))).then())
                .thenReturn(existed));
    }

    @Override
    public Mono<Votes> vote(String id, boolean good) {
        return local.vote(id, good).flatMap(votes -> votes.evicted()
                ? withRedis(cmd -> cmd.del(ENTRY + id)
                        .then(cmd.xadd(STREAM, trim(), Map.of("op", "evict", "id", id, "origin", origin))).then())
                        .thenReturn(votes)
                : Mono.just(votes));
    }

    private XAddArgs trim() {
        // Approximate trimming keeps XADD O(1); a few times the cache size covers any replica
        // that falls behind briefly (one that falls further reloads the entries).
        return XAddArgs.Builder.maxlen(Math.max(1000L, 4L * maxEntries)).approximateTrimming();
    }

    private Mono<Void> withRedis(java.util.function.Function<RedisReactiveCommands<String, String>, Mono<Void>> work) {
        RedisReactiveCommands<String, String> cmd = redis.commands();
        if (cmd == null) {
            return Mono.error(new IllegalStateException("Redis is not connected; the entry stays on this replica"));
        }
        return work.apply(cmd).timeout(redis.deadline());
    }

    // ---- the reader thread: load, then follow the stream ----

    private void follow() {
        StatefulRedisConnection<String, String> connection = null;
        String last = null;
        while (running) {
            try {
                if (connection == null) {
                    connection = redis.dedicated(Duration.ofSeconds(10));
                }
                RedisCommands<String, String> cmd = connection.sync();
                if (last == null) {
                    last = lastId(cmd);
                    int loaded = load(cmd);
                    caughtUp = true;
                    log.info("Shared cache: {} entries loaded from Redis; following {} from {}", loaded, STREAM, last);
                }
                List<StreamMessage<String, String>> messages = cmd.xread(
                        XReadArgs.Builder.block(Duration.ofSeconds(2)).count(256), XReadArgs.StreamOffset.from(STREAM, last));
                for (StreamMessage<String, String> message : messages) {
                    apply(message.getBody());
                    last = message.getId();
                }
            } catch (RuntimeException e) {
                if (!running || redis.isClosed()) {
                    break;
                }
                log.warn("Shared cache: reading {} failed ({}); retrying in 2 s", STREAM, e.toString());
                if (connection != null) {
                    connection.closeAsync();
                    connection = null;
                }
                // Entries may have come and gone meanwhile: reload once Redis answers again.
                last = null;
                sleep(2000);
            }
        }
        if (connection != null) {
            connection.closeAsync();
        }
    }

    private static String lastId(RedisCommands<String, String> cmd) {
        List<StreamMessage<String, String>> newest = cmd.xrevrange(STREAM, Range.create("-", "+"), Limit.from(1));
        return newest.isEmpty() ? "0-0" : newest.get(0).getId();
    }

    private int load(RedisCommands<String, String> cmd) {
        int loaded = 0;
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = cmd.scan(cursor, ScanArgs.Builder.matches(ENTRY + "*").limit(500));
            for (String key : page.getKeys()) {
                String payload = cmd.get(key);
                if (payload != null) {
                    local.add(decode(payload));
                    loaded++;
                }
            }
            cursor = page;
        } while (!cursor.isFinished() && running);
        return loaded;
    }

    private void apply(Map<String, String> body) {
        if (origin.equals(body.get("origin"))) {
            return;
        }
        switch (body.getOrDefault("op", "")) {
            case "put" -> {
                CacheEntry entry = decode(body.get("entry"));
                if (!entry.expired(clock.millis())) {
                    local.add(entry);
                }
            }
            case "evict" -> local.drop(body.get("id"));
            default -> log.debug("Shared cache: ignoring stream message {}", body);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- encoding ----

    static String encode(CacheEntry e) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("id", e.id());
        json.put("scope", e.scope());
        json.put("exact", e.exactKey());
        json.put("partition", e.partition());
        if (e.vector() != null) {
            json.put("vector", Embedding.toBase64(e.vector()));
        }
        json.put("query", e.query());
        json.put("body", Base64.getEncoder().encodeToString(e.body()));
        json.put("model", e.model());
        if (e.costUsd() != null) {
            json.put("cost", e.costUsd().toPlainString());
        }
        json.put("created", e.createdAtMillis());
        json.put("expires", e.expiresAtMillis());
        return Json.MAPPER.writeValueAsString(json);
    }

    static CacheEntry decode(String payload) {
        JsonNode json = Json.MAPPER.readTree(payload);
        float[] vector = json.hasNonNull("vector") ? Embedding.fromBase64(json.get("vector").asString()) : null;
        return new CacheEntry(json.get("id").asString(), json.get("scope").asString(), json.get("exact").asString(),
                json.path("partition").asString(null), vector, json.path("query").asString(null),
                Base64.getDecoder().decode(json.get("body").asString()), json.path("model").asString(null),
                json.hasNonNull("cost") ? new BigDecimal(json.get("cost").asString()) : null,
                json.get("created").asLong(), json.get("expires").asLong());
    }

    @Override
    public void close() {
        running = false;
        reader.interrupt();
    }
}
