package dev.tollgate.usage;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import dev.tollgate.support.Json;
import tools.jackson.databind.json.JsonMapper;

/**
 * The local append-only file that keeps usage events while the store is unreachable. One JSON
 * line per event, fsynced per append, so a crash loses nothing that was acknowledged. Replay
 * first renames the file, so new events keep flowing into a fresh one meanwhile. Called only from
 * the writer's own threads: it blocks on disk I/O by design.
 */
public class UsageSpool {

    private static final Logger log = LoggerFactory.getLogger(UsageSpool.class);
    private static final JsonMapper JSON = Json.MAPPER;
    /**
     * Lines spooled by an older gateway lack the fields added since (cache_write_tokens,
     * cost_unknown): they read as 0 and false instead of being skipped as unreadable.
     */
    private static final tools.jackson.databind.ObjectReader EVENTS = JSON.readerFor(UsageEvent.class)
            .without(tools.jackson.databind.DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    private static final String ACTIVE = "usage-spool.jsonl";
    private static final String REPLAY_SUFFIX = ".replay";

    private final Path dir;

    public UsageSpool(Path dir) {
        this.dir = dir;
    }

    public synchronized void append(List<UsageEvent> events) {
        try {
            Files.createDirectories(dir);
            StringBuilder lines = new StringBuilder(events.size() * 512);
            for (UsageEvent e : events) {
                lines.append(JSON.writeValueAsString(e)).append('\n');
            }
            try (var channel = java.nio.channels.FileChannel.open(dir.resolve(ACTIVE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                    OutputStream out = java.nio.channels.Channels.newOutputStream(channel)) {
                out.write(lines.toString().getBytes(StandardCharsets.UTF_8));
                out.flush();
                channel.force(false);
            }
        } catch (IOException e) {
            // The last line of defence failed too: say so loudly with the events themselves, so an
            // operator can still recover them from the log.
            log.error("Cannot spool {} usage events to {}: {}. Events: {}", events.size(), dir, e, events);
        }
    }

    public synchronized boolean hasData() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(p -> p.getFileName().toString().startsWith("usage-spool"));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Feeds spooled events to {@code sink} in batches; a file is deleted only once all of it was
     * accepted. Returns the number of events replayed. Throws what the sink throws.
     */
    public int replay(int batchSize, Consumer<List<UsageEvent>> sink) throws IOException {
        List<Path> files = new ArrayList<>();
        synchronized (this) {
            Path active = dir.resolve(ACTIVE);
            if (Files.exists(active)) {
                Files.move(active, dir.resolve("usage-spool-" + System.currentTimeMillis() + ".jsonl" + REPLAY_SUFFIX),
                        StandardCopyOption.ATOMIC_MOVE);
            }
            try (Stream<Path> list = Files.list(dir)) {
                list.filter(p -> p.getFileName().toString().endsWith(REPLAY_SUFFIX)).sorted().forEach(files::add);
            }
        }
        int replayed = 0;
        for (Path file : files) {
            List<UsageEvent> batch = new ArrayList<>(batchSize);
            try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.isBlank()) {
                        continue;
                    }
                    try {
                        batch.add(EVENTS.readValue(line));
                    } catch (JacksonException torn) {
                        // A line cut by a crash mid-write: it was never acknowledged as spooled.
                        log.warn("Skipping an unreadable line in {}: {}", file, torn.getOriginalMessage());
                    }
                    if (batch.size() == batchSize) {
                        sink.accept(batch);
                        replayed += batch.size();
                        batch = new ArrayList<>(batchSize);
                    }
                }
            }
            if (!batch.isEmpty()) {
                sink.accept(batch);
                replayed += batch.size();
            }
            Files.delete(file);
        }
        return replayed;
    }
}
