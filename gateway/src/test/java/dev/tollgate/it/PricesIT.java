package dev.tollgate.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tollgate.config.PriceCatalog;
import dev.tollgate.testing.GatewayInstance;
import dev.tollgate.testing.TestPostgres;
import dev.tollgate.testing.Transcripts;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Prices through the real HTTP path: a Claude model priced only by the shipped catalog, with cache
 * writes billed at their own price, and a model nobody prices (cost NULL, flagged, counted).
 */
class PricesIT {

    static final WireMockServer UPSTREAM = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    static final String KEY = "tg-prices-it-key";
    static GatewayInstance gateway;

    /** A first call with a cache breakpoint: 1,800 tokens written to the cache, 200 read, 20 plain. */
    static final String MESSAGE = """
            {"id":"msg_prices_1","type":"message","role":"assistant","model":"claude-sonnet-4-20250514",
             "content":[{"type":"text","text":"Cached."}],"stop_reason":"end_turn","stop_sequence":null,
             "usage":{"input_tokens":20,"cache_creation_input_tokens":1800,"cache_read_input_tokens":200,"output_tokens":10}}""";

    static final String STREAM = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_prices_2","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":20,"cache_creation_input_tokens":1800,"cache_read_input_tokens":200,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Cached."}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":10}}

            event: message_stop
            data: {"type":"message_stop"}

            """;

    @BeforeAll
    static void start() throws Exception {
        UPSTREAM.start();
        Path dir = Files.createTempDirectory("tollgate-prices");
        Path file = dir.resolve("tollgate.yaml");
        Files.writeString(file, """
                providers:
                  claude:
                    type: anthropic
                    base-url: http://127.0.0.1:%1$d/anthropic/v1
                    api-key: sk-ant-test-0000
                    retry: { max-attempts: 1 }
                  homegrown:
                    type: openai-compatible
                    base-url: http://127.0.0.1:%1$d/v1
                    retry: { max-attempts: 1 }
                models:
                  claude-sonnet:
                    deployments: [ { provider: claude, model: claude-sonnet-4-20250514 } ]
                  homegrown-model:
                    deployments: [ { provider: homegrown, model: my-finetune-7b } ]
                keys:
                  - { name: prices-it, key: %2$s, team: prices }
                """.formatted(UPSTREAM.port(), KEY));
        gateway = GatewayInstance.start(GatewayInstance.properties(file, dir, "memory"));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        UPSTREAM.stop();
    }

    /** Claude Sonnet 4's catalog price: 20 × 3.00 + 1,800 × 3.75 + 200 × 0.30 + 10 × 15.00 per 1M tokens. */
    static final BigDecimal EXPECTED = new BigDecimal("0.00702"); // (60 + 6,750 + 60 + 150) / 1M

    @Test
    void cacheWritesAreRecordedAndPricedFromTheCatalog() {
        UPSTREAM.stubFor(post("/anthropic/v1/messages").willReturn(aResponse().withHeader("content-type", "application/json").withBody(MESSAGE)));

        HttpResponse<String> response = gateway.http().post("/v1/chat/completions", KEY, "it-prices-claude",
                "{\"model\":\"claude-sonnet\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"prompt_tokens\":2020");
        Map<String, Object> event = TestPostgres.usageEvent("it-prices-claude");
        assertThat(event).containsEntry("input_tokens", 2020L).containsEntry("cached_input_tokens", 200L)
                .containsEntry("cache_write_tokens", 1800L).containsEntry("output_tokens", 10L)
                .containsEntry("cost_unknown", false)
                .containsEntry("price_version", PriceCatalog.defaults().version());
        assertThat((BigDecimal) event.get("cost_usd")).isEqualByComparingTo(EXPECTED);
        assertThat(tokens("cache_write")).isGreaterThanOrEqualTo(1800);
    }

    @Test
    void aStreamedAnswerCarriesItsCacheWritesToo() {
        UPSTREAM.stubFor(post("/anthropic/v1/messages").willReturn(aResponse().withHeader("content-type", "text/event-stream").withBody(STREAM)));

        HttpResponse<String> response = gateway.http().post("/v1/chat/completions", KEY, "it-prices-claude-stream",
                "{\"model\":\"claude-sonnet\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, Object> event = TestPostgres.usageEvent("it-prices-claude-stream");
        assertThat(event).containsEntry("cache_write_tokens", 1800L).containsEntry("cached_input_tokens", 200L);
        assertThat((BigDecimal) event.get("cost_usd")).isEqualByComparingTo(EXPECTED);
    }

    @Test
    void aModelWithoutAnyPriceIsServedWithAnUnknownCost() {
        UPSTREAM.stubFor(post("/v1/chat/completions").willReturn(aResponse().withHeader("content-type", "application/json")
                .withBody(Transcripts.chatCompletion("my-finetune-7b", "Hi from a model nobody prices"))));
        double before = unknownCost();

        HttpResponse<String> response = gateway.http().post("/v1/chat/completions", KEY, "it-prices-unknown",
                "{\"model\":\"homegrown-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Map<String, Object> event = TestPostgres.usageEvent("it-prices-unknown");
        assertThat(event).containsEntry("cost_unknown", true).containsEntry("cache_write_tokens", 0L);
        assertThat(event.get("cost_usd")).isNull();
        assertThat(event.get("price_version")).isNull();
        assertThat(unknownCost()).isEqualTo(before + 1);
    }

    private static double unknownCost() {
        Counter counter = gateway.bean(MeterRegistry.class).find("tollgate.cost.unknown")
                .tag("gen_ai.request.model", "homegrown-model").tag("gen_ai.provider.name", "homegrown").counter();
        return counter == null ? 0 : counter.count();
    }

    private static double tokens(String type) {
        var summary = gateway.bean(MeterRegistry.class).find("gen_ai.client.token.usage")
                .tag("gen_ai.request.model", "claude-sonnet").tag("gen_ai.token.type", type).summary();
        return summary == null ? 0 : summary.totalAmount();
    }
}
