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

import com.github.tomakehurst.wiremock.WireMockServer;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.UnauthorizedException;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.StructuredResponse;
import com.openai.models.responses.StructuredResponseCreateParams;
import dev.tollgate.testing.TestPostgres;
import dev.tollgate.testing.Transcripts;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The official openai-java SDK's {@code client.responses()}, unchanged but for base URL and key,
 * against the gateway's {@code /v1/responses}: an OpenAI-compatible upstream ({@code primary}),
 * the Anthropic upstream ({@code claude}) and fallback from one to the other. The SDK blocks, so
 * it is called from the test thread only. Every answer and every stream event is
 * {@code validate()}d against the SDK's generated models.
 */
class ResponsesFrontDoorIT extends GatewayTestBase {

    static final String CHAT = "/v1/chat/completions";
    static final String CLAUDE = "/anthropic/v1/messages";

    static final FunctionTool WEATHER = FunctionTool.builder().name("get_weather").description("Weather in a city").strict(false)
            .parameters(FunctionTool.Parameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                    .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string")))).build())
            .build();

    private OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port + "/v1").apiKey(key).maxRetries(0).build();
    }

    private static ResponseCreateParams.Builder ask(String model, String requestId) {
        return ResponseCreateParams.builder().model(model).instructions("Be brief.").input("Say hello").maxOutputTokens(256L)
                .putAdditionalHeader("x-request-id", requestId);
    }

    /** Streams {@code params}, validating every event and checking their sequence numbers count up from 0. */
    static Response streamed(OpenAIClient client, ResponseCreateParams params, List<String> types) {
        ResponseAccumulator accumulator = ResponseAccumulator.create();
        List<Long> sequence = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(params)) {
            stream.stream().forEach(event -> {
                event.validate();
                accumulator.accumulate(event);
                com.fasterxml.jackson.databind.JsonNode json = com.openai.core.ObjectMappers.jsonMapper().valueToTree(event);
                types.add(json.path("type").asText());
                sequence.add(json.path("sequence_number").asLong(-1));
            });
        }
        for (int i = 0; i < sequence.size(); i++) {
            assertThat(sequence.get(i)).isEqualTo(i);
        }
        return accumulator.response().validate();
    }

    static Response streamed(OpenAIClient client, ResponseCreateParams params) {
        return streamed(client, params, new ArrayList<>());
    }

    static String text(Response response) {
        StringBuilder text = new StringBuilder();
        for (ResponseOutputItem item : response.output()) {
            item.message().ifPresent(m -> m.content().forEach(c -> c.outputText().ifPresent(t -> text.append(t.text()))));
        }
        return text.toString();
    }

    static Response parse(String body) {
        try {
            return com.openai.core.ObjectMappers.jsonMapper().readValue(body, Response.class).validate();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    static ResponseFunctionToolCall functionCall(Response response) {
        return response.output().stream().filter(ResponseOutputItem::isFunctionCall).map(ResponseOutputItem::asFunctionCall)
                .findFirst().orElseThrow();
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
    void openAiUpstreamAnswersAResponseAndIsMeteredAsResponsesApi() {
        stubOpenAi(SECONDARY, Transcripts.chatCompletion("backup-upstream", "Hello there"), Transcripts.stream("backup-upstream"));

        Response response = client(KEY).responses().create(ask("backup", "it-resp-openai").build()).validate();

        assertThat(response.id()).startsWith("resp_");
        assertThat(response.status()).contains(ResponseStatus.COMPLETED);
        assertThat(text(response)).isEqualTo("Hello there");
        assertThat(response.output().get(0).asMessage().id()).startsWith("msg_");
        assertThat(response.instructions().orElseThrow().asString()).isEqualTo("Be brief.");
        assertThat(response.maxOutputTokens()).contains(256L);
        assertThat(response.usage().orElseThrow().inputTokens()).isEqualTo(19);
        assertThat(response.usage().orElseThrow().inputTokensDetails().cachedTokens()).isEqualTo(4);
        assertThat(response.usage().orElseThrow().outputTokens()).isEqualTo(10);
        assertThat(response.usage().orElseThrow().totalTokens()).isEqualTo(29);
        SECONDARY.verify(postRequestedFor(urlEqualTo(CHAT))
                .withHeader("authorization", equalTo("Bearer sk-secondary-secret-1111"))
                .withRequestBody(equalToJson("""
                        {"model":"backup-upstream","max_completion_tokens":256,
                         "messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hello"}]}""")));
        assertThat(TestPostgres.usageEvent("it-resp-openai")).containsEntry("operation", "chat").containsEntry("api", "responses")
                .containsEntry("status", 200).containsEntry("input_tokens", 19L).containsEntry("output_tokens", 10L)
                .containsEntry("stream", false);

        List<String> types = new ArrayList<>();
        Response stream = streamed(client(KEY), ask("backup", "it-resp-openai-stream").build(), types);
        assertThat(text(stream)).isEqualTo("Hello there");
        assertThat(stream.status()).contains(ResponseStatus.COMPLETED);
        assertThat(stream.usage().orElseThrow().inputTokens()).isEqualTo(9);
        assertThat(stream.usage().orElseThrow().outputTokens()).isEqualTo(2);
        assertThat(types).containsExactly("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed");
        assertThat(TestPostgres.usageEvent("it-resp-openai-stream")).containsEntry("api", "responses").containsEntry("stream", true)
                .containsEntry("input_tokens", 9L).containsEntry("output_tokens", 2L);
    }

    @Test
    void functionToolsStreamedAndRoundTrippedWithInputItems() {
        stubOpenAi(SECONDARY, MessagesFrontDoorIT.OPENAI_TOOL_CALL, MessagesFrontDoorIT.OPENAI_TOOL_STREAM);
        ResponseCreateParams params = ask("backup", "it-resp-tools").addTool(WEATHER)
                .toolChoice(com.openai.models.responses.ToolChoiceOptions.REQUIRED).build();

        Response response = client(KEY).responses().create(params).validate();
        ResponseFunctionToolCall call = functionCall(response);
        assertThat(call.callId()).isEqualTo("call_abc");
        assertThat(call.id()).hasValueSatisfying(id -> assertThat(id).startsWith("fc_"));
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.arguments()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(response.tools()).hasSize(1);
        SECONDARY.verify(postRequestedFor(urlEqualTo(CHAT)).withRequestBody(matchingJsonPath("$.tool_choice", equalTo("required")))
                .withRequestBody(matchingJsonPath("$.tools[0].function.name", equalTo("get_weather")))
                .withRequestBody(matchingJsonPath("$.tools[0].function.strict", equalTo("false")))
                .withRequestBody(matchingJsonPath("$.tools[0].function.parameters.properties.city.type", equalTo("string"))));

        List<String> types = new ArrayList<>();
        Response stream = streamed(client(KEY), params, types);
        assertThat(functionCall(stream).callId()).isEqualTo("call_abc");
        assertThat(functionCall(stream).arguments()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(types).containsSubsequence("response.output_item.added", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done", "response.completed");

        // The result goes back as the SDK builds it: the user turn, the call item from the output, its output.
        SECONDARY.resetRequests();
        List<ResponseInputItem> items = List.of(
                ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder().role(EasyInputMessage.Role.USER)
                        .content("Weather in Paris?").build()),
                ResponseInputItem.ofFunctionCall(call),
                ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder().callId(call.callId())
                        .output("18C and sunny").build()));
        client(KEY).responses().create(ResponseCreateParams.builder().model("backup").addTool(WEATHER).inputOfResponse(items).build())
                .validate();
        SECONDARY.verify(postRequestedFor(urlEqualTo(CHAT)).withRequestBody(equalToJson("""
                {"model":"backup-upstream","messages":[
                  {"role":"user","content":"Weather in Paris?"},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"call_abc","type":"function",
                    "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
                  {"role":"tool","tool_call_id":"call_abc","content":"18C and sunny"}]}""", true, true)));
    }

    /** What the model is asked to produce, as the SDK derives a JSON schema from a class. */
    public static class Weather {
        public String city;
        public int celsius;
    }

    @Test
    void structuredOutputReachesTheUpstreamAsAJsonSchemaAndParsesBack() {
        stubOpenAi(SECONDARY, Transcripts.chatCompletion("backup-upstream", "{\\\"city\\\":\\\"Paris\\\",\\\"celsius\\\":18}"),
                Transcripts.stream("backup-upstream"));
        StructuredResponseCreateParams<Weather> params = ResponseCreateParams.builder().model("backup").input("Weather in Paris?")
                .text(Weather.class).build();

        StructuredResponse<Weather> response = client(KEY).responses().create(params);

        Weather weather = response.output().stream().flatMap(item -> item.message().stream())
                .flatMap(m -> m.content().stream()).flatMap(c -> c.outputText().stream()).findFirst().orElseThrow();
        assertThat(weather.city).isEqualTo("Paris");
        assertThat(weather.celsius).isEqualTo(18);
        SECONDARY.verify(postRequestedFor(urlEqualTo(CHAT))
                .withRequestBody(matchingJsonPath("$.response_format.type", equalTo("json_schema")))
                .withRequestBody(matchingJsonPath("$.response_format.json_schema.strict", equalTo("true")))
                .withRequestBody(matchingJsonPath("$.response_format.json_schema.schema.properties.celsius")));
    }

    // ------------------------------------------------------------ Anthropic upstream and fallback

    @Test
    void anthropicUpstreamAnswersResponsesWithTextAndTools() {
        stubClaude(AnthropicProviderIT.MESSAGE, AnthropicProviderIT.STREAM);

        Response response = client(KEY).responses().create(ask("claude-sonnet", "it-resp-claude").build()).validate();
        assertThat(text(response)).isEqualTo("Hello from Claude");
        assertThat(response.usage().orElseThrow().inputTokens()).isEqualTo(16); // Claude's 12 plus 4 read from its cache
        assertThat(response.usage().orElseThrow().inputTokensDetails().cachedTokens()).isEqualTo(4);
        PRIMARY.verify(postRequestedFor(urlEqualTo(CLAUDE)).withHeader("x-api-key", equalTo("sk-ant-test-0000"))
                .withRequestBody(matchingJsonPath("$.system", equalTo("Be brief.")))
                .withRequestBody(matchingJsonPath("$.max_tokens", equalTo("256"))));
        assertThat(TestPostgres.usageEvent("it-resp-claude")).containsEntry("provider", "claude").containsEntry("api", "responses");

        Response stream = streamed(client(KEY), ask("claude-sonnet", "it-resp-claude-stream").build());
        assertThat(text(stream)).isEqualTo("Hello there");
        assertThat(stream.usage().orElseThrow().outputTokens()).isEqualTo(7);

        PRIMARY.resetAll();
        stubClaude(MessagesFrontDoorIT.CLAUDE_TOOL_USE, MessagesFrontDoorIT.CLAUDE_TOOL_STREAM);
        ResponseCreateParams tools = ask("claude-sonnet", "it-resp-claude-tools").addTool(WEATHER).build();
        Response called = client(KEY).responses().create(tools).validate();
        assertThat(text(called)).isEqualTo("I'll check.");
        assertThat(functionCall(called).callId()).isEqualTo("toolu_01A09q90qw90lq917835lq9");
        assertThat(functionCall(called).arguments()).contains("Paris");
        PRIMARY.verify(postRequestedFor(urlEqualTo(CLAUDE)).withRequestBody(matchingJsonPath("$.tools[0].input_schema.properties.city")));

        Response streamedCall = streamed(client(KEY), tools);
        assertThat(functionCall(streamedCall).callId()).isEqualTo("toolu_01T1x1fJ34qAmk2tNTrN7Up6");
        assertThat(functionCall(streamedCall).arguments()).contains("Paris");
        assertThat(streamedCall.usage().orElseThrow().outputTokens()).isEqualTo(89);
    }

    @Test
    void overloadedClaudeFallsBackToTheOpenAiCompatibleBackupStreamingToo() {
        PRIMARY.stubFor(post(CLAUDE).willReturn(aResponse().withStatus(529)
                .withBody("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")));
        stubOpenAi(SECONDARY, Transcripts.chatCompletion("backup-upstream", "Hi from the backup"), Transcripts.stream("backup-upstream"));

        Response response = client(KEY).responses().create(ask("claude-sonnet", "it-resp-529").build()).validate();
        assertThat(text(response)).isEqualTo("Hi from the backup");
        assertThat(response.model().asString()).isEqualTo("backup-upstream");
        assertThat(TestPostgres.usageEvent("it-resp-529").get("fallback_path"))
                .isEqualTo("claude/claude-sonnet-4-5:529 > secondary/backup-upstream:ok");

        Response stream = streamed(client(KEY), ask("claude-sonnet", "it-resp-529-stream").build());
        assertThat(text(stream)).isEqualTo("Hello there");
        assertThat(TestPostgres.usageEvent("it-resp-529-stream").get("fallback_path"))
                .isEqualTo("claude/claude-sonnet-4-5:529 > secondary/backup-upstream:ok");
    }

    // ------------------------------------------------------------ stored responses

    @Test
    void storedResponsesAreRetrievedContinuedListedCountedAndDeletedPerKey() {
        stubOpenAi(SECONDARY, Transcripts.chatCompletion("backup-upstream", "Hello Ada"), Transcripts.stream("backup-upstream"));
        OpenAIClient client = client(KEY);
        Response first = client.responses().create(ResponseCreateParams.builder().model("backup").instructions("Be brief.")
                .input("My name is Ada").build()).validate();

        Response retrieved = client.responses().retrieve(first.id()).validate();
        assertThat(retrieved.id()).isEqualTo(first.id());
        assertThat(text(retrieved)).isEqualTo("Hello Ada");
        var items = client.responses().inputItems().list(first.id());
        assertThat(items.data()).hasSize(1);
        assertThat(items.data().get(0).validate().asResponseInputMessageItem().content().get(0).asInputText().text())
                .isEqualTo("My name is Ada");

        // The continuation carries the stored turn; the old instructions do not carry over, the new ones lead.
        SECONDARY.resetRequests();
        Response second = streamed(client, ResponseCreateParams.builder().model("backup").instructions("Answer in French.")
                .previousResponseId(first.id()).input("What is my name?").build());
        assertThat(second.previousResponseId()).contains(first.id());
        SECONDARY.verify(postRequestedFor(urlEqualTo(CHAT)).withRequestBody(equalToJson("""
                {"model":"backup-upstream","messages":[
                  {"role":"system","content":"Answer in French."},
                  {"role":"user","content":"My name is Ada"},
                  {"role":"assistant","content":"Hello Ada"},
                  {"role":"user","content":"What is my name?"}]}""", true, true)));
        Response streamedStored = client.responses().retrieve(second.id()).validate();
        assertThat(text(streamedStored)).isEqualTo("Hello there");

        long alone = client.responses().inputTokens().count(com.openai.models.responses.inputtokens.InputTokenCountParams.builder()
                .model("backup").input("What is my name?").build()).inputTokens();
        long continued = client.responses().inputTokens().count(com.openai.models.responses.inputtokens.InputTokenCountParams
                .builder().model("backup").previousResponseId(second.id()).input("What is my name?").build()).inputTokens();
        assertThat(alone).isPositive();
        assertThat(continued).isGreaterThan(alone + 10);

        // Another key never sees it; an unknown previous response is a 404 naming the parameter.
        assertThatThrownBy(() -> client(LIMITED_KEY).responses().retrieve(first.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> client(LIMITED_KEY).responses().delete(first.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> client.responses().create(ResponseCreateParams.builder().model("backup")
                .previousResponseId("resp_doesnotexist").input("x").build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.getMessage()).contains("resp_doesnotexist"));

        client.responses().delete(first.id());
        assertThatThrownBy(() -> client.responses().retrieve(first.id())).isInstanceOf(NotFoundException.class);

        Response unstored = client.responses().create(ResponseCreateParams.builder().model("backup").store(false).input("x").build());
        assertThat(unstored._additionalProperties().get("store")).isEqualTo(JsonValue.from(false));
        assertThatThrownBy(() -> client.responses().retrieve(unstored.id())).isInstanceOf(NotFoundException.class);
    }

    @Test
    void functionCallRoundTripWithPreviousResponseId() {
        stubOpenAi(SECONDARY, MessagesFrontDoorIT.OPENAI_TOOL_CALL, MessagesFrontDoorIT.OPENAI_TOOL_STREAM);
        OpenAIClient client = client(KEY);
        Response called = streamed(client, ResponseCreateParams.builder().model("backup").addTool(WEATHER)
                .input("Weather in Paris?").build());
        ResponseFunctionToolCall call = functionCall(called);

        SECONDARY.resetRequests();
        client.responses().create(ResponseCreateParams.builder().model("backup").addTool(WEATHER).previousResponseId(called.id())
                .inputOfResponse(List.of(ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                        .callId(call.callId()).output("18C and sunny").build()))).build()).validate();
        SECONDARY.verify(postRequestedFor(urlEqualTo(CHAT)).withRequestBody(equalToJson("""
                {"model":"backup-upstream","messages":[
                  {"role":"user","content":"Weather in Paris?"},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"call_abc","type":"function",
                    "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
                  {"role":"tool","tool_call_id":"call_abc","content":"18C and sunny"}]}""", true, true)));
    }

    // ------------------------------------------------------------ what Codex sends, and errors

    @Test
    void builtInToolsAreLeftOutAndNamedAndNamespacesAreFlattened() {
        stubOpenAi(SECONDARY, MessagesFrontDoorIT.OPENAI_TOOL_CALL, MessagesFrontDoorIT.OPENAI_TOOL_STREAM);
        String codexLike = """
                {"model":"backup","instructions":"You are a coding agent.","store":false,"stream":%s,
                 "include":["reasoning.encrypted_content"],"reasoning":{"effort":"medium","summary":"auto"},
                 "prompt_cache_key":"abc","parallel_tool_calls":false,
                 "input":[{"type":"message","role":"developer","content":[{"type":"input_text","text":"Sandbox: read-only"}]},
                          {"type":"message","role":"user","content":[{"type":"input_text","text":"Weather?"}]}],
                 "tools":[{"type":"function","name":"shell","parameters":{"type":"object","properties":{}},"strict":false},
                          {"type":"web_search","external_web_access":false},
                          {"type":"namespace","name":"mcp__weather","description":"Weather server",
                           "tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}}]}]}""";

        HttpResponse<String> complete = http.post("/v1/responses", KEY, "it-resp-codex", codexLike.formatted("false"));
        assertThat(complete.statusCode()).isEqualTo(200);
        assertThat(complete.headers().firstValue("x-tollgate-dropped-tools")).contains("web_search");
        Response response = parse(complete.body());
        ResponseFunctionToolCall call = functionCall(response);
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.namespace()).contains("mcp__weather");
        assertThat(response.tools()).hasSize(2); // shell and the namespace; web_search was left out
        SECONDARY.verify(postRequestedFor(urlEqualTo(CHAT))
                .withRequestBody(matchingJsonPath("$.messages[1].role", equalTo("developer")))
                .withRequestBody(matchingJsonPath("$.tools.length()", equalTo("2")))
                .withRequestBody(matchingJsonPath("$.tools[1].function.name", equalTo("get_weather")))
                .withRequestBody(matchingJsonPath("$.reasoning_effort", equalTo("medium")))
                .withRequestBody(matchingJsonPath("$.parallel_tool_calls", equalTo("false"))));

        HttpResponse<String> stream = http.post("/v1/responses", KEY, "it-resp-codex-stream", codexLike.formatted("true"));
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("x-tollgate-dropped-tools")).contains("web_search");
        assertThat(stream.body()).contains("event: response.output_item.added").contains("\"namespace\":\"mcp__weather\"")
                .contains("event: response.completed");
    }

    @Test
    void errorsAreOpenAiEnvelopesTheSdkRaisesAsItsExceptionClasses() {
        assertThatThrownBy(() -> client("tg-wrong-key-000000").responses().create(ask("backup", "it-resp-401").build()))
                .isInstanceOf(UnauthorizedException.class);
        assertThatThrownBy(() -> client(KEY).responses().create(ask("no-such-model", "it-resp-404").build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.getMessage()).contains("no-such-model"));
        assertThatThrownBy(() -> client(LIMITED_KEY).responses().create(ask("backup", "it-resp-403").build()))
                .isInstanceOf(PermissionDeniedException.class);
        assertThatThrownBy(() -> client(KEY).responses().create(ResponseCreateParams.builder().model("backup")
                .inputOfResponse(List.of(ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                        .callId("").output("x").build()))).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.getMessage()).contains("input[0].call_id"));
        assertThat(TestPostgres.usageEvent("it-resp-404")).containsEntry("status", 404).containsEntry("api", "responses");

        HttpResponse<String> rejected = http.post("/v1/responses", KEY, "it-resp-400",
                "{\"model\":\"solo\",\"input\":\"x\",\"background\":true}");
        assertThat(rejected.statusCode()).isEqualTo(400);
        assertThat(rejected.body()).startsWith("{\"error\":{").contains("\"param\":\"background\"");
        assertThat(SECONDARY.getAllServeEvents()).isEmpty(); // nothing reached a provider
    }
}
