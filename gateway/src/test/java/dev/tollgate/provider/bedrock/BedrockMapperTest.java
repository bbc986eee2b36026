package dev.tollgate.provider.bedrock;

import static dev.tollgate.provider.bedrock.EventStreams.concat;
import static dev.tollgate.provider.bedrock.EventStreams.event;
import static dev.tollgate.provider.bedrock.EventStreams.exception;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.provider.StreamChunk;
import dev.tollgate.provider.TokenUsage;
import dev.tollgate.provider.UnsupportedRequest;
import dev.tollgate.provider.UpstreamException;
import dev.tollgate.support.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.eventstream.Message;
import tools.jackson.databind.JsonNode;

class BedrockMapperTest {

    static JsonNode json(String text) {
        return Json.MAPPER.readTree(text);
    }

    static JsonNode payload(StreamChunk chunk) {
        return json(new String(chunk.frame(), StandardCharsets.UTF_8).substring(6).strip());
    }

    static JsonNode delta(StreamChunk chunk) {
        return payload(chunk).path("choices").get(0).path("delta");
    }

    // ---------------------------------------------------------------- request

    @Test
    void translatesAConversationWithToolsIntoConverse() {
        JsonNode converse = BedrockMapper.toConverseRequest(json("""
                {"model":"claude","max_tokens":512,"temperature":0.2,"top_p":0.9,"stop":["END"],"seed":7,"user":"u-1",
                 "messages":[
                   {"role":"system","content":"You are terse."},
                   {"role":"user","content":"Weather in Paris and Rome?"},
                   {"role":"assistant","content":null,"tool_calls":[
                     {"id":"tooluse_a1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                     {"id":"tooluse_b2","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Rome\\"}"}}]},
                   {"role":"tool","tool_call_id":"tooluse_a1","content":"18C sunny"},
                   {"role":"tool","tool_call_id":"tooluse_b2","content":[{"type":"text","text":"22C"}]},
                   {"role":"user","content":"And tomorrow?"}],
                 "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather",
                   "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
                 "tool_choice":"required"}"""));

        assertThat(converse).isEqualTo(json("""
                {"system":[{"text":"You are terse."}],
                 "messages":[
                   {"role":"user","content":[{"text":"Weather in Paris and Rome?"}]},
                   {"role":"assistant","content":[
                     {"toolUse":{"toolUseId":"tooluse_a1","name":"get_weather","input":{"city":"Paris"}}},
                     {"toolUse":{"toolUseId":"tooluse_b2","name":"get_weather","input":{"city":"Rome"}}}]},
                   {"role":"user","content":[
                     {"toolResult":{"toolUseId":"tooluse_a1","content":[{"text":"18C sunny"}]}},
                     {"toolResult":{"toolUseId":"tooluse_b2","content":[{"text":"22C"}]}},
                     {"text":"And tomorrow?"}]}],
                 "inferenceConfig":{"maxTokens":512,"temperature":0.2,"topP":0.9,"stopSequences":["END"]},
                 "toolConfig":{"tools":[{"toolSpec":{"name":"get_weather","description":"Current weather",
                   "inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}}],
                   "toolChoice":{"any":{}}}}"""));
    }

    @Test
    void toolChoiceByNameAutoAndNone() {
        String tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"now\"}}]";
        String user = "\"messages\":[{\"role\":\"user\",\"content\":\"time?\"}]";
        JsonNode named = BedrockMapper.toConverseRequest(json("{" + user + "," + tools
                + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"now\"}},\"max_completion_tokens\":64}"));
        assertThat(named.path("toolConfig").get("toolChoice")).isEqualTo(json("{\"tool\":{\"name\":\"now\"}}"));
        assertThat(named.path("toolConfig").path("tools").get(0).path("toolSpec").path("inputSchema"))
                .isEqualTo(json("{\"json\":{\"type\":\"object\",\"properties\":{}}}"));
        assertThat(named.path("inferenceConfig").get("maxTokens").asInt()).isEqualTo(64);

        assertThat(BedrockMapper.toConverseRequest(json("{" + user + "," + tools + ",\"tool_choice\":\"auto\"}"))
                .path("toolConfig").get("toolChoice")).isEqualTo(json("{\"auto\":{}}"));
        assertThat(BedrockMapper.toConverseRequest(json("{" + user + "," + tools + ",\"tool_choice\":\"none\"}")).has("toolConfig"))
                .as("none: the model gets no tools").isFalse();
    }

    @Test
    void inlineImagesBecomeImageBlocksAndUrlsAreRefused() {
        JsonNode converse = BedrockMapper.toConverseRequest(json("""
                {"messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},
                  {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}"""));
        assertThat(converse.path("messages").get(0).path("content").get(1)).isEqualTo(json("""
                {"image":{"format":"png","source":{"bytes":"iVBORw0KGgo="}}}"""));

        assertThatThrownBy(() -> BedrockMapper.toConverseRequest(json("""
                {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}""")))
                .isInstanceOf(UnsupportedRequest.class)
                .hasMessageContaining("messages[0].content[0].image_url.url: Bedrock accepts images only as inline base64 data: URLs")
                .satisfies(e -> assertThat(((UnsupportedRequest) e).param()).isEqualTo("messages[0].content[0].image_url.url"));
        assertThatThrownBy(() -> BedrockMapper.toConverseRequest(json("""
                {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/tiff;base64,AAAA"}}]}]}""")))
                .hasMessageContaining("image type 'image/tiff' is not supported");
        assertThatThrownBy(() -> BedrockMapper.toConverseRequest(json("{\"n\":2,\"messages\":[]}")))
                .hasMessageContaining("n > 1");
        assertThatThrownBy(() -> BedrockMapper.toConverseRequest(json(
                "{\"response_format\":{\"type\":\"json_object\"},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")))
                .isInstanceOf(UnsupportedRequest.class);
    }

    // ---------------------------------------------------------------- response

    @Test
    void aTextAnswerWithCacheUsage() {
        JsonNode completion = BedrockMapper.toChatCompletion(json("""
                {"output":{"message":{"role":"assistant","content":[{"text":"Paris is the capital of France."}]}},
                 "stopReason":"end_turn",
                 "usage":{"inputTokens":12,"outputTokens":9,"totalTokens":121,"cacheReadInputTokens":100,"cacheWriteInputTokens":0},
                 "metrics":{"latencyMs":388}}"""), "chatcmpl-req-1", "anthropic.claude-3-haiku-20240307-v1:0", 1733000000);
        assertThat(completion.toString()).as("created and counts are longs, so compared as text").isEqualTo(json("""
                {"id":"chatcmpl-req-1","object":"chat.completion","created":1733000000,"model":"anthropic.claude-3-haiku-20240307-v1:0",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Paris is the capital of France.","refusal":null},
                   "logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":112,"completion_tokens":9,"total_tokens":121,"prompt_tokens_details":{"cached_tokens":100}}}""").toString());
        assertThat(BedrockMapper.usage(json("{\"inputTokens\":12,\"outputTokens\":9,\"cacheReadInputTokens\":100,\"cacheWriteInputTokens\":50}")))
                .isEqualTo(new TokenUsage(162, 9, 100, 50, false));
    }

    @Test
    void cacheWritesOfAJsonAnswerAreTheirOwnTokenType() {
        JsonNode converse = json("""
                {"output":{"message":{"role":"assistant","content":[{"text":"ok"}]}},"stopReason":"end_turn",
                 "usage":{"inputTokens":9,"outputTokens":3,"totalTokens":2012,"cacheReadInputTokens":0,"cacheWriteInputTokens":2000}}""");
        TokenUsage usage = BedrockMapper.usage(converse.get("usage"));
        assertThat(usage).isEqualTo(new TokenUsage(2009, 3, 0, 2000, false));
        assertThat(usage.plainInputTokens()).isEqualTo(9);
        assertThat(BedrockMapper.toChatCompletion(converse, "chatcmpl-1", "m", 1).path("usage").get("prompt_tokens").asLong())
                .isEqualTo(2009);
    }

    @Test
    void aStreamReportsCacheWritesFromItsMetadataEvent() {
        byte[] stream = EventStreams.concat(
                EventStreams.event("messageStart", "{\"role\":\"assistant\"}"),
                EventStreams.event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hi\"}}"),
                EventStreams.event("contentBlockStop", "{\"contentBlockIndex\":0}"),
                EventStreams.event("messageStop", "{\"stopReason\":\"end_turn\"}"),
                EventStreams.event("metadata", "{\"usage\":{\"inputTokens\":7,\"outputTokens\":2,\"totalTokens\":1609,"
                        + "\"cacheReadInputTokens\":100,\"cacheWriteInputTokens\":1500},\"metrics\":{\"latencyMs\":300}}"));
        List<StreamChunk> chunks = translate(stream, 7);
        StreamChunk usage = chunks.stream().filter(StreamChunk::usageOnly).findFirst().orElseThrow();
        assertThat(usage.usage()).isEqualTo(new TokenUsage(1607, 2, 100, 1500, false));
    }

    @Test
    void aToolUseAnswerBecomesToolCalls() {
        JsonNode completion = BedrockMapper.toChatCompletion(json("""
                {"output":{"message":{"role":"assistant","content":[
                   {"text":"Let me check."},
                   {"toolUse":{"toolUseId":"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q","name":"get_weather","input":{"city":"Paris"}}}]}},
                 "stopReason":"tool_use","usage":{"inputTokens":400,"outputTokens":60,"totalTokens":460}}"""), "chatcmpl-x", "m", 1);
        JsonNode choice = completion.path("choices").get(0);
        assertThat(choice.get("finish_reason").asString()).isEqualTo("tool_calls");
        assertThat(choice.path("message").get("content").asString()).isEqualTo("Let me check.");
        assertThat(choice.path("message").get("tool_calls")).isEqualTo(json("""
                [{"id":"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]"""));
    }

    @Test
    void stopReasons() {
        assertThat(BedrockMapper.finishReason("end_turn")).isEqualTo("stop");
        assertThat(BedrockMapper.finishReason("stop_sequence")).isEqualTo("stop");
        assertThat(BedrockMapper.finishReason("max_tokens")).isEqualTo("length");
        assertThat(BedrockMapper.finishReason("tool_use")).isEqualTo("tool_calls");
        assertThat(BedrockMapper.finishReason("content_filtered")).isEqualTo("content_filter");
        assertThat(BedrockMapper.finishReason("guardrail_intervened")).isEqualTo("content_filter");
    }

    // ---------------------------------------------------------------- streaming

    private static List<StreamChunk> translate(byte[] bytes, int chunkSize) {
        EventStreamFramer framer = new EventStreamFramer("bedrock");
        BedrockMapper.StreamTranslator translator = new BedrockMapper.StreamTranslator("bedrock", "chatcmpl-s", "model-x", 5);
        List<StreamChunk> out = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += chunkSize) {
            out.addAll(translator.accept(framer.feed(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + chunkSize)))));
        }
        assertThat(framer.hasPartialMessage()).isFalse();
        out.addAll(translator.end());
        return out;
    }

    @Test
    void aTextStreamBecomesOpenAiChunks() {
        List<StreamChunk> chunks = translate(EventStreams.textStream(), Integer.MAX_VALUE);
        assertThat(chunks).hasSize(6);
        assertThat(delta(chunks.get(0)).get("role").asString()).isEqualTo("assistant");
        assertThat(delta(chunks.get(1)).get("content").asString()).isEqualTo("Hello");
        assertThat(chunks.get(1).text()).isEqualTo("Hello");
        assertThat(delta(chunks.get(2)).get("content").asString()).isEqualTo(" there");
        assertThat(payload(chunks.get(3)).path("choices").get(0).get("finish_reason").asString()).isEqualTo("stop");
        assertThat(payload(chunks.get(3)).get("object").asString()).isEqualTo("chat.completion.chunk");
        assertThat(chunks.get(4).usageOnly()).isTrue();
        assertThat(chunks.get(4).usage()).isEqualTo(new TokenUsage(25, 7, 4, false));
        assertThat(payload(chunks.get(4)).path("usage").get("total_tokens").asLong()).isEqualTo(32);
        assertThat(chunks.get(5).done()).isTrue();
    }

    @Test
    void framesSplitAcrossEveryChunkBoundaryDecodeTheSame() {
        byte[] bytes = EventStreams.textStream();
        List<String> whole = translate(bytes, Integer.MAX_VALUE).stream().map(c -> new String(c.frame(), StandardCharsets.UTF_8)).toList();
        for (int size : new int[] {1, 3, 7, 12, 13, 50, 101}) {
            assertThat(translate(bytes, size).stream().map(c -> new String(c.frame(), StandardCharsets.UTF_8)).toList())
                    .as("chunks of %d bytes", size).isEqualTo(whole);
        }
    }

    @Test
    void aStreamedToolCallHasIndexedDeltas() {
        byte[] bytes = concat(
                event("messageStart", "{\"role\":\"assistant\"}"),
                event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Checking.\"}}"),
                event("contentBlockStop", "{\"contentBlockIndex\":0}"),
                event("contentBlockStart", "{\"contentBlockIndex\":1,\"start\":{\"toolUse\":{\"toolUseId\":\"tooluse_Q1\",\"name\":\"get_weather\"}}}"),
                event("contentBlockDelta", "{\"contentBlockIndex\":1,\"delta\":{\"toolUse\":{\"input\":\"{\\\"city\\\":\"}}}"),
                event("contentBlockDelta", "{\"contentBlockIndex\":1,\"delta\":{\"toolUse\":{\"input\":\"\\\"Paris\\\"}\"}}}"),
                event("contentBlockStop", "{\"contentBlockIndex\":1}"),
                event("contentBlockStart", "{\"contentBlockIndex\":2,\"start\":{\"toolUse\":{\"toolUseId\":\"tooluse_Q2\",\"name\":\"now\"}}}"),
                event("contentBlockStop", "{\"contentBlockIndex\":2}"),
                event("messageStop", "{\"stopReason\":\"tool_use\"}"),
                event("metadata", "{\"usage\":{\"inputTokens\":300,\"outputTokens\":40,\"totalTokens\":340},\"metrics\":{\"latencyMs\":900}}"));
        List<StreamChunk> chunks = translate(bytes, 64);

        assertThat(chunks).hasSize(10);
        assertThat(delta(chunks.get(1)).get("content").asString()).isEqualTo("Checking.");
        assertThat(delta(chunks.get(2)).path("tool_calls").get(0)).isEqualTo(json("""
                {"index":0,"id":"tooluse_Q1","type":"function","function":{"name":"get_weather","arguments":""}}"""));
        assertThat(delta(chunks.get(3)).path("tool_calls").get(0)).isEqualTo(json("{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}"));
        assertThat(delta(chunks.get(4)).path("tool_calls").get(0).path("function").get("arguments").asString()).isEqualTo("\"Paris\"}");
        assertThat(delta(chunks.get(5)).path("tool_calls").get(0).get("index").asInt()).isEqualTo(1);
        assertThat(delta(chunks.get(6)).path("tool_calls").get(0)).as("a call without input gets {}")
                .isEqualTo(json("{\"index\":1,\"function\":{\"arguments\":\"{}\"}}"));
        assertThat(payload(chunks.get(7)).path("choices").get(0).get("finish_reason").asString()).isEqualTo("tool_calls");
        assertThat(chunks.get(8).usage()).isEqualTo(new TokenUsage(300, 40, 0, false));
        assertThat(chunks.get(9).done()).isTrue();
    }

    @Test
    void aThrottlingExceptionBeforeContentFailsBeforeAnyChunk() {
        EventStreamFramer framer = new EventStreamFramer("bedrock");
        BedrockMapper.StreamTranslator translator = new BedrockMapper.StreamTranslator("bedrock", "id", "m", 1);
        List<Message> messages = framer.feed(concat(
                event("messageStart", "{\"role\":\"assistant\"}"),
                exception("throttlingException", "{\"message\":\"Too many requests, please wait before trying again.\"}")));
        assertThat(translator.accept(messages.subList(0, 1))).as("the role chunk is held back").isEmpty();
        assertThatThrownBy(() -> translator.accept(messages.subList(1, 2)))
                .isInstanceOfSatisfying(UpstreamException.class, e -> {
                    assertThat(e.status()).isEqualTo(429);
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.errorCode()).isEqualTo("ThrottlingException");
                    assertThat(e.getMessage()).isEqualTo("provider 'bedrock' answered 429: Too many requests, please wait before trying again.");
                });
    }

    @Test
    void aModelStreamErrorMidStreamIsARetryableServerError() {
        List<Message> messages = new EventStreamFramer("bedrock").feed(exception("modelStreamErrorException",
                "{\"message\":\"Model stream error\",\"originalStatusCode\":500,\"originalMessage\":\"boom\"}"));
        assertThatThrownBy(() -> new BedrockMapper.StreamTranslator("bedrock", "id", "m", 1).accept(messages))
                .isInstanceOfSatisfying(UpstreamException.class, e -> {
                    assertThat(e.status()).isEqualTo(500);
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.errorType()).isEqualTo("server_error");
                });
    }

    @Test
    void aStreamThatStopsBeforeMessageStopIsBroken() {
        BedrockMapper.StreamTranslator translator = new BedrockMapper.StreamTranslator("bedrock", "id", "m", 1);
        translator.accept(new EventStreamFramer("bedrock").feed(event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hi\"}}")));
        assertThatThrownBy(translator::end).isInstanceOfSatisfying(UpstreamException.class,
                e -> assertThat(e.kind()).isEqualTo(UpstreamException.Kind.CONNECTION_CLOSED));
    }

    @Test
    void badChecksumsAreBadResponsesThatAnotherDeploymentMayAnswer() {
        byte[] frame = event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hello\"}}");
        byte[] badPayload = frame.clone();
        badPayload[badPayload.length - 10] ^= 0x01;
        assertThatThrownBy(() -> new EventStreamFramer("bedrock").feed(badPayload))
                .isInstanceOfSatisfying(UpstreamException.class, e -> {
                    assertThat(e.kind()).isEqualTo(UpstreamException.Kind.BAD_RESPONSE);
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.getMessage()).contains("checksum");
                });
        byte[] badPrelude = frame.clone();
        badPrelude[2] ^= 0x40; // the total length: without the prelude CRC the framer would wait for bytes that never come
        assertThatThrownBy(() -> new EventStreamFramer("bedrock").feed(badPrelude))
                .isInstanceOfSatisfying(UpstreamException.class, e -> assertThat(e.getMessage()).contains("prelude"));
    }

    // ---------------------------------------------------------------- errors

    @Test
    void httpErrorsKeepAwsMessagesAndSayWhetherToRetry() {
        UpstreamException tooLong = BedrockErrors.httpError("bedrock", 400,
                "{\"message\":\"Input is too long for requested model.\"}".getBytes(StandardCharsets.UTF_8),
                "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/", null);
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.retryable()).isFalse();
        assertThat(tooLong.errorCode()).isEqualTo("context_length_exceeded");
        assertThat(tooLong.getMessage()).isEqualTo("provider 'bedrock' answered 400: Input is too long for requested model.");

        UpstreamException invalid = BedrockErrors.httpError("bedrock", 400,
                "{\"message\":\"The model returned the following errors: messages: roles must alternate\"}".getBytes(StandardCharsets.UTF_8),
                "ValidationException", null);
        assertThat(invalid.errorCode()).isEqualTo("ValidationException");
        assertThat(invalid.errorType()).isEqualTo("invalid_request_error");

        UpstreamException denied = BedrockErrors.httpError("bedrock", 403,
                "{\"Message\":\"You don't have access to the model with the specified model ID.\"}".getBytes(StandardCharsets.UTF_8),
                "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/", null);
        assertThat(denied.retryable()).isFalse();
        assertThat(denied.errorType()).isEqualTo("permission_error");
        assertThat(denied.getMessage()).endsWith("You don't have access to the model with the specified model ID.");

        UpstreamException throttled = BedrockErrors.httpError("bedrock", 429,
                "{\"message\":\"Too many requests, please wait before trying again.\"}".getBytes(StandardCharsets.UTF_8),
                "ThrottlingException", Duration.ofSeconds(2));
        assertThat(throttled.retryable()).isTrue();
        assertThat(throttled.errorType()).isEqualTo("rate_limit_exceeded");
        assertThat(throttled.retryAfter()).isEqualTo(Duration.ofSeconds(2));

        for (String[] c : new String[][] {{"503", "ServiceUnavailableException"}, {"429", "ModelNotReadyException"},
                {"500", "InternalServerException"}, {"408", "ModelTimeoutException"}}) {
            UpstreamException e = BedrockErrors.httpError("bedrock", Integer.parseInt(c[0]), "{\"message\":\"x\"}".getBytes(StandardCharsets.UTF_8), c[1], null);
            assertThat(e.retryable()).as(c[1]).isTrue();
            assertThat(e.status()).as(c[1]).isEqualTo(Integer.parseInt(c[0]));
        }
        UpstreamException bodyOnly = BedrockErrors.httpError("bedrock", 400,
                "{\"__type\":\"com.amazon.bedrock#ServiceQuotaExceededException\",\"message\":\"quota\"}".getBytes(StandardCharsets.UTF_8), null, null);
        assertThat(bodyOnly.status()).isEqualTo(429);
        assertThat(bodyOnly.retryable()).isTrue();
    }
}
