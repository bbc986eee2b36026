package dev.tollgate.support;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * One Lettuce connection shared by the Redis-backed ports. Commands fail fast (short timeout, no
 * queueing while disconnected) so that the ports' failure policy decides what happens, not a
 * request stuck for a minute behind a dead socket. If Redis is down at start the connection is
 * retried in the background.
 */
public final class RedisConnector implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisConnector.class);
    /**
     * Between reconnect attempts after the connection dropped: 10 ms doubling up to 250 ms.
     * Lettuce's default doubles up to 30 s, so after a 13 s outage the next attempt came seconds
     * after Redis was back and every call in between got a 503 (issue 9, finding 4).
     */
    static final Delay RECONNECT_DELAY = Delay.exponential(Duration.ofMillis(10), Duration.ofMillis(250), 2, TimeUnit.MILLISECONDS);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final long START_RETRY_MILLIS = 250;

    private final RedisClient client;
    private final ClientResources resources;
    private final RedisURI uri;
    private final Duration deadline;
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile boolean closed;
    private final Map<String, String> shas = new ConcurrentHashMap<>();
    private RedisClient blockingClient;

    public RedisConnector(String url, Duration commandTimeout) {
        this.uri = RedisURI.create(url);
        this.uri.setTimeout(commandTimeout);
        // Lettuce's own timeout only starts once a command is handed to its endpoint; this one
        // covers the whole command, so a wedged connection fails the call by the policy instead
        // of hanging it.
        this.deadline = commandTimeout.multipliedBy(2).plusMillis(100);
        this.resources = ClientResources.builder().reconnectDelay(RECONNECT_DELAY).build();
        this.client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).keepAlive(true).build())
                // Results are emitted on Lettuce's computation threads, not its I/O event loop: a
                // follow-up command (settle -> alert check -> claim) dispatched from the I/O thread
                // while the connection closes livelocked Lettuce 6.8's endpoint lock (a test JVM
                // spun one core forever in SharedLock.incrementWriters during shutdown).
                .publishOnScheduler(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .build());
        if (!tryConnect()) {
            Thread t = new Thread(this::reconnectLoop, "tollgate-redis-connect");
            t.setDaemon(true);
            t.start();
        }
    }

    private boolean tryConnect() {
        try {
            connection = client.connect(uri);
            log.info("Connected to Redis at {}:{}", uri.getHost(), uri.getPort());
            return true;
        } catch (RuntimeException e) {
            log.error("Redis at {}:{} is unreachable ({}); the state failure policy applies until it is back",
                    uri.getHost(), uri.getPort(), e.getMessage());
            return false;
        }
    }

    private void reconnectLoop() {
        while (!closed && connection == null) {
            try {
                Thread.sleep(START_RETRY_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            tryConnect();
        }
    }

    /**
     * Runs a Lua script: EVALSHA first, EVAL when Redis answers NOSCRIPT (its script cache is empty
     * after a restart). Fails with an IllegalStateException while Redis was never reached.
     */
    public Mono<Object> eval(String script, ScriptOutputType type, String[] keys, String[] args) {
        return Mono.defer(() -> {
            RedisReactiveCommands<String, String> cmd = commands();
            if (cmd == null) {
                return Mono.error(new IllegalStateException("Redis is not connected"));
            }
            String sha = shas.computeIfAbsent(script, RedisConnector::sha1);
            return cmd.<Object>evalsha(sha, type, keys, args).next()
                    .onErrorResume(RedisNoScriptException.class, e -> cmd.<Object>eval(script, type, keys, args).next());
        }).timeout(deadline);
    }

    /**
     * The longest any one Redis command may take end to end (twice the command timeout): ports
     * apply it to commands they send outside {@link #eval}.
     */
    public Duration deadline() {
        return deadline;
    }

    /** PONG's round trip, for the health endpoint; fails while Redis is unreachable. */
    public Mono<Duration> ping() {
        return Mono.defer(() -> {
            RedisReactiveCommands<String, String> cmd = commands();
            if (cmd == null) {
                return Mono.error(new IllegalStateException("Redis is not connected"));
            }
            long start = System.nanoTime();
            return cmd.ping().map(pong -> Duration.ofNanos(System.nanoTime() - start));
        }).timeout(deadline);
    }

    private static String sha1(String script) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A connection of its own, for a caller that blocks on it (XREAD BLOCK would stall every
     * command multiplexed on the shared connection). Connecting blocks: call it on the caller's
     * own thread, never an event loop. The caller closes it.
     */
    public synchronized StatefulRedisConnection<String, String> dedicated(Duration commandTimeout) {
        if (closed) {
            throw new IllegalStateException("Redis connector is closed");
        }
        if (blockingClient == null) {
            // A client of its own: the shared client's short command timeout would cut blocking reads.
            blockingClient = RedisClient.create();
            blockingClient.setOptions(ClientOptions.builder().autoReconnect(true).publishOnScheduler(true)
                    .timeoutOptions(TimeoutOptions.enabled(commandTimeout)).build());
        }
        RedisURI blockingUri = RedisURI.builder(uri).withTimeout(commandTimeout).build();
        return blockingClient.connect(blockingUri);
    }

    public boolean isClosed() {
        return closed;
    }

    /** The reactive commands, or null while no connection was ever established. */
    public RedisReactiveCommands<String, String> commands() {
        StatefulRedisConnection<String, String> c = connection;
        return c == null || closed ? null : c.reactive();
    }

    @Override
    public void close() {
        // Stop handing out commands first, and let dispatches already under way finish: Lettuce
        // 6.8's endpoint lock can livelock when close() races a write from another thread (its
        // SharedLock spins forever; redis/lettuce#3880, #3804). Closing then runs on a thread of its
        // own with a deadline, so a wedged endpoint costs a warning, never a hung shutdown.
        closed = true;
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Thread closer = new Thread(() -> {
            if (connection != null) {
                connection.closeAsync();
            }
            client.shutdown();
            synchronized (this) {
                if (blockingClient != null) {
                    blockingClient.shutdown();
                }
            }
            resources.shutdown();
        }, "tollgate-redis-close");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closer.isAlive()) {
            log.warn("Redis client did not close within 5 s (Lettuce endpoint lock); leaving it to the JVM's exit");
        }
    }
}
