package dev.tollgate.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.PermissionDeniedException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolChoiceAny;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tollgate.testing.TestPostgres;
import dev.tollgate.testing.Transcripts;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The official anthropic-java SDK, unchanged but for base URL and key, against the gateway's
 * {@code /v1/messages}: an OpenAI-compatible upstream ({@code primary}), the Anthropic upstream
 * ({@code claude}) and cross-vendor fallback between them. The SDK blocks, so it is called from
 * the test thread only. Every answer is {@code validate()}d against the SDK's generated models.
 */
class MessagesFrontDoorIT extends GatewayTestBase {

    static final String CHAT = "/v1/chat/completions";
    static final String CLAUDE = "/anthropic/v1/messages";

    static final Tool WEATHER = Tool.builder().name("get_weather").description("Weather in a city")
            .inputSchema(Tool.InputSchema.builder().properties(Tool.InputSchema.Properties.builder()
                    .putAdditionalProperty("city", JsonValue.from(Map.of("type", "string"))).build()).build())
            .build();

    static final String OPENAI_TOOL_CALL = """
            {"id":"chatcmpl-tool","object":"chat.completion","created":1741569952,"model":"solo-upstream",
             "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
               {"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
             "logprobs":null,"finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":40,"completion_tokens":12,"total_tokens":52}}""";

    static final String OPENAI_TOOL_STREAM = Transcripts.chunk("solo-upstream", "{\"role\":\"assistant\",\"content\":null}", null)
            + Transcripts.chunk("solo-upstream", "{\"tool_calls\":[{\"index\":0,\"id\":\"call_abc\",\"type\":\"function\","
                    + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", null)
            + Transcripts.chunk("solo-upstream", "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}", null)
            + Transcripts.chunk("solo-upstream", "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}", null)
            + Transcripts.chunk("solo-upstream", "{}", "tool_calls")
            + Transcripts.usageChunk("solo-upstream", 40, 12)
            + "data: [DONE]\n\n";

    static final String CLAUDE_TOOL_USE = """
            {"id":"msg_01Aq9w938a90dw8q","type":"message","role":"assistant","model":"claude-sonnet-4-5",
             "content":[{"type":"text","text":"I'll check."},
                        {"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{"city":"Paris"}}],
             "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":380,"output_tokens":40}}""";

    static final String CLAUDE_TOOL_STREAM = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_2","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":380,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\": \\"Par"}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"is\\"}"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

            event: message_stop
            data: {"type":"message_stop"}

            """;

    private AnthropicClient client(String key) {
        return AnthropicOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port).apiKey(key).maxRetries(0).build();
    }

    private static MessageCreateParams.Builder ask(String model, String requestId) {
        return MessageCreateParams.builder().model(model).maxTokens(256).system("Be brief.")
                .addUserMessage("Say hello").putAdditionalHeader("x-request-id", requestId);
    }

    private static Message streamed(AnthropicClient client, MessageCreateParams params) {
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
            stream.stream().forEach(event -> accumulator.accumulate(event.validate()));
        }
        return accumulator.message().validate();
    }

    private static String text(Message message) {
        return message.content().stream().filter(ContentBlock::isText).map(b -> b.asText().text()).reduce("", String::concat);
    }

    private static ToolUseBlock toolUse(Message message) {
        return message.content().stream().filter(ContentBlock::isToolUse).map(ContentBlock::asToolUse).findFirst().orElseThrow();
    }

    private static void stubOpenAi(WireMockServer server, String complete, String stream) {
        server.stubFor(post(CHAT).atPriority(1).withRequestBody(matchingJsonPath("$.stream", equalTo("true")))
                .willReturn(aResponse().withHeader("content-type", "text/event-stream").withBody(stream)));
        server.stubFor(post(CHAT).atPriority(5)
                .willReturn(aResponse().withHeader("content-type", "application/json").withBody(complete)));
    }

    private static void stubClaude(String complete, String stream) {
        PRIMARY.stubFor(post(CLAUDE).atPriority(1).withRequestBody(matchingJsonPath("$.stream", equalTo("true")))
                .willReturn(aResponse().withHeader("content-type", "text/event-stream").withBody(stream)));
        PRIMARY.stubFor(post(CLAUDE).atPriority(5)
                .willReturn(aResponse().withHeader("content-type", "application/json").withBody(complete)));
    }

    // ------------------------------------------------------------ OpenAI-family upstream

    @Test
    void openAiUpstreamAnswersInAnthropicShapeAndIsMeteredAsAChatCall() {
        stubOpenAi(PRIMARY, Transcripts.chatCompletion("solo-upstream", "Hello there"), Transcripts.stream("solo-upstream"));

        Message message = client(KEY).messages().create(ask("solo", "it-msg-openai").build()).validate();

        assertThat(text(message)).isEqualTo("Hello there");
        assertThat(message.stopReason()).contains(StopReason.END_TURN);
        assertThat(message.usage().inputTokens()).isEqualTo(15);
        assertThat(message.usage().cacheReadInputTokens()).contains(4L);
        assertThat(message.usage().outputTokens()).isEqualTo(10);
        PRIMARY.verify(postRequestedFor(urlEqualTo("/v1" + "/chat/completions"))
                .withHeader("authorization", equalTo("Bearer sk-primary-secret-0000"))
                .withRequestBody(equalToJson("""
                        {"model":"solo-upstream","max_completion_tokens":256,
                         "messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hello"}]}""")));
        Map<String, Object> event = TestPostgres.usageEvent("it-msg-openai");
        assertThat(event).containsEntry("operation", "chat").containsEntry("provider", "primary").containsEntry("status", 200)
                .containsEntry("input_tokens", 19L).containsEntry("output_tokens", 10L).containsEntry("stream", false);

        Message stream = streamed(client(KEY), ask("solo", "it-msg-openai-stream").build());
        assertThat(text(stream)).isEqualTo("Hello there");
        assertThat(stream.stopReason()).contains(StopReason.END_TURN);
        assertThat(stream.usage().inputTokens()).isEqualTo(9); // the provider's count, merged over the start's estimate
        assertThat(stream.usage().outputTokens()).isEqualTo(2);
        assertThat(TestPostgres.usageEvent("it-msg-openai-stream")).containsEntry("stream", true)
                .containsEntry("input_tokens", 9L).containsEntry("output_tokens", 2L);
    }

    @Test
    void toolsAgainstAnOpenAiUpstreamStreamedAndRoundTripped() {
        stubOpenAi(PRIMARY, OPENAI_TOOL_CALL, OPENAI_TOOL_STREAM);
        MessageCreateParams params = ask("solo", "it-msg-tools").addTool(WEATHER).toolChoice(ToolChoiceAny.builder().build()).build();

        Message message = client(KEY).messages().create(params).validate();
        assertThat(message.stopReason()).contains(StopReason.TOOL_USE);
        ToolUseBlock call = toolUse(message);
        assertThat(call.id()).isEqualTo("call_abc");
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call._input().toString()).contains("Paris");
        PRIMARY.verify(postRequestedFor(urlEqualTo(CHAT)).withRequestBody(matchingJsonPath("$.tool_choice", equalTo("required")))
                .withRequestBody(matchingJsonPath("$.tools[0].function.parameters.properties.city.type", equalTo("string"))));

        Message stream = streamed(client(KEY), params);
        assertThat(stream.stopReason()).contains(StopReason.TOOL_USE);
        assertThat(toolUse(stream).id()).isEqualTo("call_abc");
        assertThat(toolUse(stream)._input().toString()).contains("Paris");

        // The tool's result goes back as the SDK builds it: the assistant turn, then a tool_result block.
        PRIMARY.resetRequests();
        client(KEY).messages().create(MessageCreateParams.builder().model("solo").maxTokens(100).addTool(WEATHER)
                .addUserMessage("Weather in Paris?").addMessage(message)
                .addUserMessageOfContentBlockParams(java.util.List.of(ContentBlockParam.ofToolResult(
                        ToolResultBlockParam.builder().toolUseId("call_abc").content("18C and sunny").build())))
                .build()).validate();
        PRIMARY.verify(postRequestedFor(urlEqualTo(CHAT))
                .withRequestBody(matchingJsonPath("$.messages[1].tool_calls[0].id", equalTo("call_abc")))
                .withRequestBody(matchingJsonPath("$.messages[2].role", equalTo("tool")))
                .withRequestBody(matchingJsonPath("$.messages[2].tool_call_id", equalTo("call_abc")))
                .withRequestBody(matchingJsonPath("$.messages[2].content", equalTo("18C and sunny"))));
    }

    // ------------------------------------------------------------ Anthropic upstream

    @Test
    void anthropicUpstreamRoundTripsTextAndTools() {
        stubClaude(AnthropicProviderIT.MESSAGE, AnthropicProviderIT.STREAM);

        Message message = client(KEY).messages().create(ask("claude-sonnet", "it-msg-claude").build()).validate();
        assertThat(message.id()).isEqualTo("msg_01XFDUDYJgAACzvnptvVoYEL");
        assertThat(text(message)).isEqualTo("Hello from Claude");
        assertThat(message.stopReason()).contains(StopReason.END_TURN);
        assertThat(message.usage().inputTokens()).isEqualTo(12);
        assertThat(message.usage().cacheReadInputTokens()).contains(4L);
        PRIMARY.verify(postRequestedFor(urlEqualTo(CLAUDE)).withHeader("x-api-key", equalTo("sk-ant-test-0000"))
                .withRequestBody(matchingJsonPath("$.system", equalTo("Be brief.")))
                .withRequestBody(matchingJsonPath("$.max_tokens", equalTo("256"))));
        assertThat(TestPostgres.usageEvent("it-msg-claude")).containsEntry("provider", "claude").containsEntry("output_tokens", 5L);

        Message stream = streamed(client(KEY), ask("claude-sonnet", "it-msg-claude-stream").build());
        assertThat(text(stream)).isEqualTo("Hello there");
        assertThat(stream.usage().outputTokens()).isEqualTo(7);

        PRIMARY.resetAll();
        stubClaude(CLAUDE_TOOL_USE, CLAUDE_TOOL_STREAM);
        MessageCreateParams tools = ask("claude-sonnet", "it-msg-claude-tools").addTool(WEATHER).build();
        Message called = client(KEY).messages().create(tools).validate();
        assertThat(text(called)).isEqualTo("I'll check.");
        assertThat(toolUse(called).id()).isEqualTo("toolu_01A09q90qw90lq917835lq9");
        assertThat(called.stopReason()).contains(StopReason.TOOL_USE);
        PRIMARY.verify(postRequestedFor(urlEqualTo(CLAUDE)).withRequestBody(matchingJsonPath("$.tools[0].input_schema.properties.city")));

        Message streamedCall = streamed(client(KEY), tools);
        assertThat(toolUse(streamedCall).id()).isEqualTo("toolu_01T1x1fJ34qAmk2tNTrN7Up6");
        assertThat(toolUse(streamedCall)._input().toString()).contains("Paris");
        assertThat(streamedCall.stopReason()).contains(StopReason.TOOL_USE);
        assertThat(streamedCall.usage().outputTokens()).isEqualTo(89);
    }

    /** Claude Code's prompt-caching breakpoints: on the system prompt and on the last tool. */
    static String cachedRequest(String model) {
        return """
                {"model":"%s","max_tokens":64,
                 "system":[{"type":"text","text":"You are Claude Code."},
                           {"type":"text","text":"Long project rules","cache_control":{"type":"ephemeral","ttl":"1h"}}],
                 "tools":[{"name":"read","description":"Read a file","input_schema":{"type":"object"}},
                          {"name":"grep","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral"}}],
                 "messages":[{"role":"user","content":[{"type":"text","text":"Say hello","cache_control":{"type":"ephemeral"}}]}]}"""
                .formatted(model);
    }

    @Test
    void promptCachingMarkersReachClaudeWhereTheClientPutThemAndTheCacheWritesComeBack() {
        stubClaude("""
                {"id":"msg_cache","type":"message","role":"assistant","model":"claude-sonnet-4-5",
                 "content":[{"type":"text","text":"Hello"}],"stop_reason":"end_turn","stop_sequence":null,
                 "usage":{"input_tokens":20,"cache_creation_input_tokens":1500,"cache_read_input_tokens":300,"output_tokens":3}}""",
                AnthropicProviderIT.STREAM);

        HttpResponse<String> answer = http.post("/v1/messages", KEY, "it-msg-cache", cachedRequest("claude-sonnet"));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("\"cache_creation_input_tokens\":1500").contains("\"cache_read_input_tokens\":300")
                .contains("\"input_tokens\":20");
        PRIMARY.verify(postRequestedFor(urlEqualTo(CLAUDE)).withRequestBody(equalToJson("""
                {"system":[{"type":"text","text":"You are Claude Code."},
                           {"type":"text","text":"Long project rules","cache_control":{"type":"ephemeral","ttl":"1h"}}],
                 "tools":[{"name":"read","description":"Read a file","input_schema":{"type":"object"}},
                          {"name":"grep","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral"}}],
                 "messages":[{"role":"user","content":[{"type":"text","text":"Say hello","cache_control":{"type":"ephemeral"}}]}]}""",
                false, true)));
    }

    @Test
    void promptCachingMarkersNeverReachAnOpenAiCompatibleUpstream() {
        stubOpenAi(PRIMARY, Transcripts.chatCompletion("solo-upstream", "Hello there"), Transcripts.stream("solo-upstream"));

        HttpResponse<String> answer = http.post("/v1/messages", KEY, "it-msg-cache-openai", cachedRequest("solo"));

        assertThat(answer.statusCode()).isEqualTo(200);
        var sent = PRIMARY.findAll(postRequestedFor(urlEqualTo(CHAT)));
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).getBodyAsString()).doesNotContain("cache_control").contains("Long project rules");
        PRIMARY.verify(postRequestedFor(urlEqualTo(CHAT))
                .withRequestBody(matchingJsonPath("$.tools[1].function.name", equalTo("grep")))
                .withRequestBody(matchingJsonPath("$.messages[0].content[1].text", equalTo("Long project rules"))));
    }

    @Test
    void overloadedClaudeFallsBackToTheOpenAiCompatibleBackupStreamingToo() {
        PRIMARY.stubFor(post(CLAUDE).willReturn(aResponse().withStatus(529)
                .withBody("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")));
        stubOpenAi(SECONDARY, Transcripts.chatCompletion("backup-upstream", "Hi from the backup"), Transcripts.stream("backup-upstream"));

        Message message = client(KEY).messages().create(ask("claude-sonnet", "it-msg-529").build()).validate();
        assertThat(text(message)).isEqualTo("Hi from the backup");
        assertThat(message.model().asString()).isEqualTo("backup-upstream");
        assertThat(TestPostgres.usageEvent("it-msg-529").get("fallback_path"))
                .isEqualTo("claude/claude-sonnet-4-5:529 > secondary/backup-upstream:ok");

        Message stream = streamed(client(KEY), ask("claude-sonnet", "it-msg-529-stream").build());
        assertThat(text(stream)).isEqualTo("Hello there");
        assertThat(stream.stopReason()).contains(StopReason.END_TURN);
        assertThat(TestPostgres.usageEvent("it-msg-529-stream").get("fallback_path"))
                .isEqualTo("claude/claude-sonnet-4-5:529 > secondary/backup-upstream:ok");
    }

    // ------------------------------------------------------------ count_tokens, auth and errors

    @Test
    void countTokensEstimatesWithTheGatewayTokenizer() {
        long plain = client(KEY).messages().countTokens(MessageCountTokensParams.builder().model("claude-sonnet")
                .addUserMessage("Hello, world").build()).inputTokens();
        long withSystemAndTools = client(KEY).messages().countTokens(MessageCountTokensParams.builder().model("gpt-4o-mini")
                .system("You are a meteorologist who answers in haiku.").addUserMessage("Hello, world")
                .addTool(WEATHER).build()).inputTokens();
        assertThat(plain).isPositive();
        assertThat(withSystemAndTools).isGreaterThan(plain + 10);
        assertThatThrownBy(() -> client(KEY).messages().countTokens(MessageCountTokensParams.builder().model("no-such-model")
                .addUserMessage("x").build())).isInstanceOf(NotFoundException.class);
        assertThat(PRIMARY.getAllServeEvents()).isEmpty(); // nothing reached a provider
    }

    @Test
    void errorsComeInAnthropicsShapeAndTheSdkRaisesTheMatchingException() {
        assertThatThrownBy(() -> client("tg-wrong-key-000000").messages().create(ask("solo", "it-msg-401").build()))
                .isInstanceOfSatisfying(UnauthorizedException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(401);
                    assertThat(e.body().toString()).contains("authentication_error");
                });
        assertThatThrownBy(() -> client(KEY).messages().create(ask("no-such-model", "it-msg-404").build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.getMessage()).contains("no-such-model"));
        assertThatThrownBy(() -> client(LIMITED_KEY).messages().create(ask("solo", "it-msg-403").build()))
                .isInstanceOf(PermissionDeniedException.class);
        assertThatThrownBy(() -> client(KEY).messages().create(MessageCreateParams.builder().model("solo").maxTokens(10)
                .addUserMessage("x").putAdditionalBodyProperty("temperature", JsonValue.from(1.5)).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.getMessage()).contains("temperature"));
        assertThat(TestPostgres.usageEvent("it-msg-404")).containsEntry("status", 404).containsEntry("operation", "chat");

        // Raw: the exact body, a field-naming validation error, Bearer auth, and chat keeping OpenAI's envelope.
        HttpResponse<String> noMax = http.post("/v1/messages", KEY, "it-msg-400",
                "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(noMax.statusCode()).isEqualTo(400);
        assertThat(noMax.body()).isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"message\":\"max_tokens: Field required\"}}");
        HttpResponse<String> anonymous = http.post("/v1/messages", null, null, "{}");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.body()).startsWith("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\"");
        HttpResponse<String> chat = http.post(CHAT, null, null, "{}");
        assertThat(chat.body()).startsWith("{\"error\":{");

        stubOpenAi(PRIMARY, Transcripts.chatCompletion("solo-upstream", "Hello there"), Transcripts.stream("solo-upstream"));
        HttpResponse<String> viaXApiKey = Http2.post(http.base() + "/v1/messages", Map.of("x-api-key", KEY,
                "anthropic-version", "2023-06-01", "anthropic-beta", "prompt-caching-2024-07-31"),
                "{\"model\":\"solo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(viaXApiKey.statusCode()).isEqualTo(200);
        assertThat(viaXApiKey.body()).contains("\"type\":\"message\"");
        HttpResponse<String> viaBearer = http.post("/v1/messages", KEY, null,
                "{\"model\":\"solo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(viaBearer.statusCode()).isEqualTo(200);
    }

    /** A POST with arbitrary headers (the shared helper sends only Bearer auth). */
    static final class Http2 {
        static HttpResponse<String> post(String url, Map<String, String> headers, String body) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("content-type", "application/json")
                    .timeout(java.time.Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body));
            headers.forEach(b::header);
            return dev.tollgate.testing.Http.send(b.build());
        }
    }
}
