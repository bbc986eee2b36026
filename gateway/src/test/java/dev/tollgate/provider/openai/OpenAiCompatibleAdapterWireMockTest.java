package dev.tollgate.provider.openai;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.JsonBody;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.api.RequestValidator;
import dev.tollgate.config.ProviderType;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.provider.ProviderRequest;
import dev.tollgate.support.Json;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.netty.resources.ConnectionProvider;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

/** What an OpenAI-family upstream receives: the client's bytes, minus Anthropic's prompt-caching markers. */
class OpenAiCompatibleAdapterWireMockTest {

    private static final WireMockServer SERVER = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    private static ConnectionProvider connections;
    private static OpenAiCompatibleAdapter adapter;

    private static final String COMPLETION = """
            {"id":"chatcmpl-1","object":"chat.completion","created":1733000000,"model":"up",
             "choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"ok"}}],
             "usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}""";

    @BeforeAll
    static void start() {
        SERVER.start();
        connections = ConnectionProvider.create("openai-test");
        adapter = new OpenAiCompatibleAdapter(new TollgateConfig.Provider("vendor", ProviderType.OPENAI_COMPATIBLE,
                URI.create("http://127.0.0.1:" + SERVER.port() + "/v1"), "sk-test", Map.of(), TollgateConfig.Timeouts.DEFAULTS,
                TollgateConfig.Retry.DEFAULTS, TollgateConfig.CircuitBreaker.DEFAULTS, null, null, null, null), connections);
    }

    @AfterAll
    static void stop() {
        connections.dispose();
        SERVER.stop();
    }

    @BeforeEach
    void reset() {
        SERVER.resetAll();
        SERVER.stubFor(post(urlPathEqualTo("/v1/chat/completions"))
                .willReturn(aResponse().withHeader("Content-Type", "application/json").withBody(COMPLETION)));
    }

    private static String send(String body, String upstreamModel) {
        LlmRequest llm = RequestValidator.validate(Endpoint.CHAT_COMPLETIONS, JsonBody.parse(body.getBytes(StandardCharsets.UTF_8)));
        StepVerifier.create(adapter.call(new ProviderRequest(llm, upstreamModel, "req-1", Duration.ofSeconds(2))))
                .expectNextCount(1).verifyComplete();
        List<LoggedRequest> requests = SERVER.findAll(anyRequestedFor(anyUrl()));
        assertThat(requests).hasSize(1);
        return requests.get(0).getBodyAsString();
    }

    @Test
    void cacheControlMarkersAreRemovedAndNothingElse() {
        String sent = send("""
                {"model":"m", "vendor_x":{"cache_control":"kept: not a marker place"},
                 "messages":[{"role":"system","content":[{"type":"text","text":"rules","cache_control":{"type":"ephemeral"}}]},
                  {"role":"user","content":"hi","cache_control":{"type":"ephemeral"}},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",
                    "function":{"name":"f","arguments":"{}"},"cache_control":{"type":"ephemeral"}}]},
                  {"role":"tool","tool_call_id":"c1","content":"r","cache_control":{"type":"ephemeral"}}],
                 "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object",
                   "properties":{"cache_control":{"type":"string"}}}},"cache_control":{"type":"ephemeral","ttl":"1h"}}]}""", "up");
        JsonNode body = Json.MAPPER.readTree(sent);
        assertThat(body).isEqualTo(Json.MAPPER.readTree("""
                {"model":"up", "vendor_x":{"cache_control":"kept: not a marker place"},
                 "messages":[{"role":"system","content":[{"type":"text","text":"rules"}]},
                  {"role":"user","content":"hi"},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
                  {"role":"tool","tool_call_id":"c1","content":"r"}],
                 "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object",
                   "properties":{"cache_control":{"type":"string"}}}}}]}"""));
    }

    @Test
    void aRequestWithoutMarkersGoesOutByteForByte() {
        String body = """
                {"model":"m",  "messages":[ {"role":"user","content":[{"type":"text","text":"about cache_control"}]} ],
                 "tools":[{"type":"function","function":{"name":"f","description":"\\"cache_control\\" is in text only"}}],
                 "x_vendor":  1.50 }""";
        assertThat(send(body, "m")).isEqualTo(body);
    }
}
