package dev.tollgate.config;

import dev.tollgate.support.KeyHash;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Owns the live config: loads it at start (failing start-up with every problem listed), then
 * watches the file and reloads it on change. A reload is validated and prepared by every
 * {@link ConfigListener} before anything is swapped; a bad edit keeps the running config, is
 * logged with its reasons and counted in {@code tollgate.config.reloads{result="rejected"}}.
 */
public class ConfigWatcher implements SmartInitializingSingleton, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);
    public static final String EMBEDDED_DEFAULT = "tollgate-default.yaml";

    private final Path file;
    private final ConfigReader reader;
    private final List<ConfigListener> listeners;
    private final AtomicReference<Loaded> current = new AtomicReference<>();
    private final Counter reloadsApplied;
    private final Counter reloadsRejected;
    private volatile WatchService watchService;
    /** SHA-256 of the file as last applied; the text itself may hold secrets and is not kept. */
    private volatile String lastContentHash;

    /**
     * What is running now (the file with the runtime overrides applied), and when it was loaded
     * (the {@code created} of {@code /v1/models}); {@code file} is the file's own config and
     * {@code vanishedOverrides} the overrides whose target the file no longer has.
     */
    public record Loaded(TollgateConfig config, Instant loadedAt, String source, TollgateConfig file,
            List<String> vanishedOverrides) {}

    private volatile RuntimeOverrides overrides = RuntimeOverrides.NONE;

    public ConfigWatcher(Path file, ConfigReader reader, List<ConfigListener> listeners, MeterRegistry meters) {
        this.file = file;
        this.reader = reader;
        this.listeners = List.copyOf(listeners);
        this.reloadsApplied = Counter.builder("tollgate.config.reloads").tag("result", "applied")
                .description("Config file reloads").register(meters);
        this.reloadsRejected = Counter.builder("tollgate.config.reloads").tag("result", "rejected")
                .description("Config file reloads").register(meters);
    }

    /** Loads the initial config; any problem stops start-up with the full list. */
    public synchronized void loadInitial() {
        String source = file != null ? file.toString() : "classpath:" + EMBEDDED_DEFAULT;
        String content = file != null ? readFile(file) : readEmbedded();
        apply(reader.read(content, source), source);
        lastContentHash = KeyHash.sha256(content);
        if (file == null) {
            log.warn("No config file given (TOLLGATE_CONFIG or --tollgate.config=): running the embedded demo config "
                    + "with the simulated provider and the demo key 'tg-demo-key'. Do not expose this to a network.");
        } else {
            log.info("Loaded config {}: {} providers, {} models, {} keys", source,
                    current.get().config().providers().size(), current.get().config().models().size(),
                    current.get().config().keys().size());
        }
    }

    public Loaded current() {
        return current.get();
    }

    /** Re-reads the file now; returns the problems that rejected it, or an empty list. */
    public synchronized List<String> reload() {
        if (file == null) {
            return List.of();
        }
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            reloadsRejected.increment();
            log.error("Config reload of {} failed, keeping the running config: {}", file, e.toString());
            return List.of("cannot read " + file + ": " + e.getMessage());
        }
        String contentHash = KeyHash.sha256(content);
        if (Objects.equals(contentHash, lastContentHash)) {
            return List.of();
        }
        try {
            apply(reader.read(content, file.toString()), file.toString());
            lastContentHash = contentHash;
            reloadsApplied.increment();
            log.info("Config {} reloaded", file);
            return List.of();
        } catch (ConfigException e) {
            reloadsRejected.increment();
            log.error("Config reload rejected, keeping the running config. {}", e.getMessage());
            return e.problems();
        } catch (RuntimeException e) {
            reloadsRejected.increment();
            log.error("Config reload rejected, keeping the running config", e);
            return List.of(e.getMessage());
        }
    }

    /**
     * Applies runtime overrides (made through the admin API, read from the store by every replica)
     * on top of the running file's config; returns the problems when the listeners refused it, and
     * then keeps running what ran before.
     */
    public synchronized List<String> applyOverrides(RuntimeOverrides next) {
        Loaded running = current.get();
        if (running == null || next.equals(overrides)) {
            return List.of();
        }
        RuntimeOverrides previous = overrides;
        overrides = next;
        try {
            apply(running.file(), running.source());
            return List.of();
        } catch (RuntimeException e) {
            overrides = previous;
            log.error("Runtime overrides refused, keeping the running config: {}", e.getMessage());
            return e instanceof ConfigException c ? c.problems() : List.of(String.valueOf(e.getMessage()));
        }
    }

    public RuntimeOverrides overrides() {
        return overrides;
    }

    private void apply(TollgateConfig file, String source) {
        RuntimeOverrides.Applied applied = overrides.apply(file);
        if (!applied.vanished().isEmpty()) {
            log.warn("Runtime overrides whose target the config no longer has (kept until removed, applied if it returns): {}",
                    applied.vanished());
        }
        TollgateConfig config = applied.config();
        List<Runnable> commits = new ArrayList<>();
        try {
            for (ConfigListener listener : listeners) {
                commits.add(listener.prepare(config));
            }
        } catch (RuntimeException refused) {
            // Undo what the listeners before the refusing one prepared, newest first.
            for (int i = commits.size() - 1; i >= 0; i--) {
                if (commits.get(i) instanceof ConfigListener.Commit c) {
                    try {
                        c.abort();
                    } catch (RuntimeException e) {
                        refused.addSuppressed(e);
                    }
                }
            }
            throw refused;
        }
        commits.forEach(Runnable::run);
        current.set(new Loaded(config, Instant.now(), source, file, applied.vanished()));
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (file == null) {
            return;
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            watchService = FileSystems.getDefault().newWatchService();
            dir.register(watchService, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE);
            Thread t = new Thread(this::watchLoop, "tollgate-config-watcher");
            t.setDaemon(true);
            t.start();
        } catch (IOException e) {
            log.warn("Cannot watch {} for changes; hot reload is off: {}", file, e.toString());
        }
    }

    private void watchLoop() {
        while (true) {
            WatchKey key;
            try {
                key = watchService.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            // Any change in the directory counts: Kubernetes ConfigMaps swap a symlinked directory
            // rather than writing the file. Unchanged content is recognised by its hash and skipped.
            boolean changed = !key.pollEvents().isEmpty();
            key.reset();
            if (changed) {
                try {
                    Thread.sleep(100); // editors write in several steps; read once they are done
                } catch (InterruptedException e) {
                    return;
                }
                reload();
            }
        }
    }

    @Override
    public void destroy() throws IOException {
        if (watchService != null) {
            watchService.close();
        }
    }

    private static String readFile(Path path) {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(path.toString(), List.of("cannot read the file: " + e));
        }
    }

    private static String readEmbedded() {
        try (InputStream in = ConfigWatcher.class.getClassLoader().getResourceAsStream(EMBEDDED_DEFAULT)) {
            return new String(Objects.requireNonNull(in, EMBEDDED_DEFAULT).readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("embedded default config missing", e);
        }
    }
}
