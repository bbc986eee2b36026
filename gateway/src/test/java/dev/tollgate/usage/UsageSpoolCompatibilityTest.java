package dev.tollgate.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Events spooled by a gateway before cache_write_tokens and cost_unknown existed still replay. */
class UsageSpoolCompatibilityTest {

    @TempDir
    Path dir;

    @Test
    void anEventSpooledBeforeTheNewFieldsReplaysWithTheirDefaults() throws Exception {
        String before = """
                {"eventId":"6f1c1a7e-9f0e-4a52-8d3b-2d7f3f0c1a11","requestId":"r-old","createdAt":"2026-11-01T10:00:00Z",
                 "keyName":"k","team":"t","project":null,"endUser":null,"feature":null,"operation":"chat","requestedModel":"m",
                 "model":"m","provider":"p","deployment":"p/m","stream":false,"inputTokens":12,"outputTokens":3,
                 "cachedInputTokens":0,"tokensEstimated":false,"costUsd":null,"priceVersion":null,"latencyMs":5,"ttftMs":null,
                 "status":200,"errorCode":null,"fallbackPath":"p/m:ok","attempts":1,"cacheOutcome":null,"costSavedUsd":null,
                 "metadata":{}}""".replace("\n", "");
        Files.writeString(dir.resolve("usage-spool.jsonl"), before + "\n");
        List<UsageEvent> replayed = new ArrayList<>();

        int count = new UsageSpool(dir).replay(10, replayed::addAll);

        assertThat(count).isEqualTo(1);
        assertThat(replayed.get(0).requestId()).isEqualTo("r-old");
        assertThat(replayed.get(0).cacheWriteTokens()).isZero();
        assertThat(replayed.get(0).costUnknown()).isFalse();
        assertThat(replayed.get(0).experiment()).as("spooled before experiments existed").isNull();
        assertThat(replayed.get(0).variant()).isNull();
    }
}
