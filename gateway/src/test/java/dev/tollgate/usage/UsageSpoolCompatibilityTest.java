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

    @Test
    void anEventSpooledBeforeRoutingReplaysUnroutedWithItsCostAsBaseline() throws Exception {
        String beforeV7 = """
                {"eventId":"6f1c1a7e-9f0e-4a52-8d3b-2d7f3f0c1a12","requestId":"r-pre-v7","createdAt":"2026-11-20T10:00:00Z",
                 "keyName":"k","team":"t","project":null,"endUser":null,"feature":null,"operation":"chat","requestedModel":"m",
                 "model":"m","provider":"p","deployment":"p/m","stream":false,"inputTokens":12,"outputTokens":3,
                 "cachedInputTokens":0,"cacheWriteTokens":0,"tokensEstimated":false,"costUsd":0.0000123,"costUnknown":false,
                 "priceVersion":"v","latencyMs":5,"ttftMs":null,"status":200,"errorCode":null,"fallbackPath":"p/m:ok",
                 "attempts":1,"cacheOutcome":null,"costSavedUsd":null,"api":"openai","metadata":{}}""".replace("\n", "");
        Files.writeString(dir.resolve("usage-spool.jsonl"), beforeV7 + "\n");
        List<UsageEvent> replayed = new ArrayList<>();

        new UsageSpool(dir).replay(10, replayed::addAll);

        assertThat(replayed).singleElement().satisfies(e -> {
            assertThat(e.route()).isNull();
            assertThat(e.baselineCostUsd()).isEqualByComparingTo("0.0000123");
        });
    }

    @Test
    void aRoutedEventSurvivesTheSpool() throws Exception {
        UsageEvent routed = new UsageEvent(UsageEvent.newId(), "r-routed", java.time.Instant.parse("2026-12-03T10:00:00Z"),
                "k", "t", null, null, null, "chat", "auto", "small", "p", "p/small", false, 19, 10, 0, 0, false,
                new java.math.BigDecimal("0.00000885"), false, "v", 5, null, 200, null, "p/small:ok", 1, null, null, "openai",
                null, null, java.util.Map.of(), new UsageEvent.Route("utility", "classifier", "score<0.3", 0.123,
                        new java.math.BigDecimal("0.0001475")));
        UsageSpool spool = new UsageSpool(dir);
        spool.append(List.of(routed));
        List<UsageEvent> replayed = new ArrayList<>();

        spool.replay(10, replayed::addAll);

        assertThat(replayed).singleElement().satisfies(e -> {
            assertThat(e.route()).isEqualTo(routed.route());
            assertThat(e.baselineCostUsd()).isEqualByComparingTo("0.0001475");
        });
    }
}
