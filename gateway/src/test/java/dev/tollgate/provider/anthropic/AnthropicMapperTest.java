package dev.tollgate.provider.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.provider.StreamChunk;
import dev.tollgate.provider.TokenUsage;
import dev.tollgate.provider.UnsupportedRequest;
import dev.tollgate.provider.UpstreamException;
import dev.tollgate.streaming.SseFrames;
import dev.tollgate.streaming.SseSplitter;
import dev.tollgate.support.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class AnthropicMapperTest {

    private static final String MODEL = "claude-sonnet-4-5-20250929";

    private static ObjectNode json(String text) {
        return (ObjectNode) Json.MAPPER.readTree(text);
    }

    private static ObjectNode request(String chat) {
        return AnthropicMapper.toAnthropicRequest(json(chat), MODEL);
    }

    // ------------------------------------------------------------ requests

    @Test
    void plainTextRequestWithSystemPromptAndSampling() {
        ObjectNode out = request("""
                {"model":"claude","messages":[
                  {"role":"system","content":"You are terse."},
                  {"role":"user","content":"Hello"}],
                 "temperature":0.2,"top_p":0.9,"stop":"END","user":"user-42","stream":true,
                 "seed":7,"logprobs":false,"presence_penalty":0.5,"some_vendor_field":{"x":1}}""");
        assertThat(out).isEqualTo(json("""
                {"model":"claude-sonnet-4-5-20250929","max_tokens":4096,"system":"You are terse.",
                 "messages":[{"role":"user","content":"Hello"}],
                 "stop_sequences":["END"],"temperature":0.2,"top_p":0.9,
                 "metadata":{"user_id":"user-42"},"stream":true}"""));
    }

    @Test
    void maxTokensComeFromEitherOpenAiFieldAndTemperatureIsClampedToAnthropicsRange() {
        assertThat(request("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":300}")
                .get("max_tokens").asInt()).isEqualTo(300);
        ObjectNode out = request("""
                {"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":300,"max_completion_tokens":200,
                 "temperature":1.7,"stop":["a","b"]}""");
        assertThat(out.get("max_tokens").asInt()).isEqualTo(200);
        assertThat(out.get("temperature").asDouble()).isEqualTo(1.0);
        assertThat(out.get("stop_sequences")).isEqualTo(json("{\"s\":[\"a\",\"b\"]}").get("s"));
        assertThat(out.has("stream")).isFalse();
        assertThat(out.has("metadata")).isFalse();
        // The adapter decides about streaming, whatever the client's flag says.
        assertThat(AnthropicMapper.toAnthropicRequest(json("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":true}"),
                "m", false).has("stream")).isFalse();
    }

    @Test
    void severalSystemAndDeveloperMessagesBecomeTextBlocksKeepingCacheControl() {
        ObjectNode out = request("""
                {"model":"m","messages":[
                  {"role":"system","content":"Rule one."},
                  {"role":"developer","content":[{"type":"text","text":"Long shared context","cache_control":{"type":"ephemeral"}}]},
                  {"role":"user","content":"Hi"},
                  {"role":"assistant","content":"Hello!"},
                  {"role":"user","content":[{"type":"text","text":"Again"},{"type":"text","text":""}]}]}""");
        assertThat(out.get("system")).isEqualTo(json("""
                {"s":[{"type":"text","text":"Rule one."},
                      {"type":"text","text":"Long shared context","cache_control":{"type":"ephemeral"}}]}""").get("s"));
        assertThat(out.get("messages")).isEqualTo(json("""
                {"m":[{"role":"user","content":"Hi"},
                      {"role":"assistant","content":"Hello!"},
                      {"role":"user","content":[{"type":"text","text":"Again"}]}]}""").get("m"));
    }

    @Test
    void cacheControlFromLiteralChatJsonLandsOnTheSameBlocksAndTools() {
        ObjectNode out = request("""
                {"model":"m","messages":[
                  {"role":"system","content":"Long system prompt","cache_control":{"type":"ephemeral","ttl":"1h"}},
                  {"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/a.png"},"cache_control":{"type":"ephemeral"}},
                                            {"type":"file","file":{"file_data":"data:application/pdf;base64,JVBERi0x"},"cache_control":{"type":"ephemeral"}}]},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                     "function":{"name":"read","arguments":"{}"},"cache_control":{"type":"ephemeral"}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"body","cache_control":{"type":"ephemeral"}},
                  {"role":"user","content":"next","cache_control":{"type":"ephemeral"}}],
                 "tools":[{"type":"function","function":{"name":"read","parameters":{"type":"object",
                            "properties":{"cache_control":{"type":"string"}}}},"cache_control":{"type":"ephemeral"}}]}""");
        assertThat(out.get("system")).isEqualTo(json("""
                {"s":[{"type":"text","text":"Long system prompt","cache_control":{"type":"ephemeral","ttl":"1h"}}]}""").get("s"));
        assertThat(out.get("messages")).isEqualTo(json("""
                {"m":[{"role":"user","content":[
                        {"type":"image","source":{"type":"url","url":"https://x/a.png"},"cache_control":{"type":"ephemeral"}},
                        {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0x"},
                         "cache_control":{"type":"ephemeral"}}]},
                      {"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"read","input":{},"cache_control":{"type":"ephemeral"}}]},
                      {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"body","cache_control":{"type":"ephemeral"}},
                                                {"type":"text","text":"next","cache_control":{"type":"ephemeral"}}]}]}""").get("m"));
        assertThat(out.get("tools")).isEqualTo(json("""
                {"t":[{"name":"read","input_schema":{"type":"object","properties":{"cache_control":{"type":"string"}}},
                       "cache_control":{"type":"ephemeral"}}]}""").get("t"));
    }

    @Test
    void withoutMarkersTheSystemStaysAStringAndNoBlockIsMarked() {
        ObjectNode out = request("""
                {"model":"m","messages":[{"role":"system","content":"S"},{"role":"user","content":"U"}],
                 "tools":[{"type":"function","function":{"name":"f"}}]}""");
        assertThat(out.get("system").asString()).isEqualTo("S");
        assertThat(out.toString()).doesNotContain("cache_control");
    }

    @Test
    void imagesByUrlAndAsBase64DataUris() {
        ObjectNode out = request("""
                {"model":"m","messages":[{"role":"user","content":[
                  {"type":"text","text":"What is in these images?"},
                  {"type":"image_url","image_url":{"url":"https://upload.wikimedia.org/cat.jpg","detail":"high"}},
                  {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
                  {"type":"file","file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,JVBERi0x"}}]}]}""");
        assertThat(out.get("messages")).isEqualTo(json("""
                {"m":[{"role":"user","content":[
                  {"type":"text","text":"What is in these images?"},
                  {"type":"image","source":{"type":"url","url":"https://upload.wikimedia.org/cat.jpg"}},
                  {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                  {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0x"}}]}]}""").get("m"));
    }

    @Test
    void toolsToolCallsAndToolResults() {
        ObjectNode out = request("""
                {"model":"m","messages":[
                  {"role":"user","content":"Weather in Paris and Rome?"},
                  {"role":"assistant","content":"Checking.","tool_calls":[
                    {"id":"toolu_01A","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                    {"id":"toolu_01B","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Rome\\"}"}}]},
                  {"role":"tool","tool_call_id":"toolu_01A","content":"18C"},
                  {"role":"tool","tool_call_id":"toolu_01B","content":[{"type":"text","text":"22C"}]},
                  {"role":"user","content":"Which is warmer?"},
                  {"role":"assistant","content":null,"tool_calls":[
                    {"id":"toolu_01C","type":"function","function":{"name":"now","arguments":""}}]}],
                 "tools":[
                   {"type":"function","function":{"name":"get_weather","description":"Current weather",
                     "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
                   {"type":"function","function":{"name":"now"}}],
                 "tool_choice":"required","parallel_tool_calls":false}""");
        assertThat(out.get("messages")).isEqualTo(json("""
                {"m":[
                  {"role":"user","content":"Weather in Paris and Rome?"},
                  {"role":"assistant","content":[
                    {"type":"text","text":"Checking."},
                    {"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"city":"Paris"}},
                    {"type":"tool_use","id":"toolu_01B","name":"get_weather","input":{"city":"Rome"}}]},
                  {"role":"user","content":[
                    {"type":"tool_result","tool_use_id":"toolu_01A","content":"18C"},
                    {"type":"tool_result","tool_use_id":"toolu_01B","content":[{"type":"text","text":"22C"}]},
                    {"type":"text","text":"Which is warmer?"}]},
                  {"role":"assistant","content":[{"type":"tool_use","id":"toolu_01C","name":"now","input":{}}]}]}""").get("m"));
        assertThat(out.get("tools")).isEqualTo(json("""
                {"t":[
                  {"name":"get_weather","description":"Current weather",
                   "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
                  {"name":"now","input_schema":{"type":"object","properties":{}}}]}""").get("t"));
        assertThat(out.get("tool_choice")).isEqualTo(json("{\"type\":\"any\",\"disable_parallel_tool_use\":true}"));
    }

    @Test
    void toolChoiceVariants() {
        String base = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]";
        assertThat(request(base + "}").get("tool_choice")).isEqualTo(json("{\"type\":\"auto\"}"));
        assertThat(request(base + ",\"tool_choice\":\"auto\"}").get("tool_choice")).isEqualTo(json("{\"type\":\"auto\"}"));
        assertThat(request(base + ",\"tool_choice\":\"none\"}").get("tool_choice")).isEqualTo(json("{\"type\":\"none\"}"));
        assertThat(request(base + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"f\"}}}").get("tool_choice"))
                .isEqualTo(json("{\"type\":\"tool\",\"name\":\"f\"}"));
        // No tools: a tool_choice alone means nothing to Anthropic and is not sent.
        assertThat(request("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tool_choice\":\"auto\"}").has("tool_choice"))
                .isFalse();
    }

    @Test
    void jsonModeIsOneForcedTool() {
        ObjectNode schema = request("""
                {"model":"m","messages":[{"role":"user","content":"Give me a city"}],
                 "response_format":{"type":"json_schema","json_schema":{"name":"city","description":"A city",
                   "schema":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}}}}""");
        assertThat(schema.get("tools")).isEqualTo(json("""
                {"t":[{"name":"json_response","description":"A city",
                       "input_schema":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}}]}""").get("t"));
        assertThat(schema.get("tool_choice")).isEqualTo(json("{\"type\":\"tool\",\"name\":\"json_response\"}"));

        ObjectNode object = request("""
                {"model":"m","messages":[{"role":"user","content":"JSON please"}],"response_format":{"type":"json_object"}}""");
        assertThat(object.path("tools").get(0).get("input_schema")).isEqualTo(json("{\"type\":\"object\"}"));
        assertThat(object.get("tool_choice")).isEqualTo(json("{\"type\":\"tool\",\"name\":\"json_response\"}"));

        // With client tools the model may call one of them or answer, but not write free text.
        ObjectNode both = request("""
                {"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"},
                 "tools":[{"type":"function","function":{"name":"f"}}]}""");
        assertThat(both.get("tools").get(1).get("name").asString()).isEqualTo("json_response");
        assertThat(both.get("tool_choice")).isEqualTo(json("{\"type\":\"any\"}"));

        assertThat(AnthropicMapper.jsonMode(json("{\"response_format\":{\"type\":\"text\"}}"))).isFalse();
    }

    @Test
    void refusesWhatAnthropicCannotDo() {
        assertThatThrownBy(() -> request("{\"model\":\"m\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                .isInstanceOf(UnsupportedRequest.class).hasMessageContaining("n > 1");
        assertThatThrownBy(() -> request("""
                {"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AA==","format":"wav"}}]}]}"""))
                .isInstanceOf(UnsupportedRequest.class)
                .hasMessageContaining("messages[0].content[0].type")
                .satisfies(e -> assertThat(((UnsupportedRequest) e).param()).isEqualTo("messages[0].content[0].type"));
        assertThatThrownBy(() -> request("""
                {"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,rawbytes"}}]}]}"""))
                .isInstanceOf(UnsupportedRequest.class).hasMessageContaining("base64");
        assertThatThrownBy(() -> request("""
                {"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[
                  {"id":"t","type":"function","function":{"name":"f","arguments":"not json"}}]}]}"""))
                .isInstanceOf(UnsupportedRequest.class).hasMessageContaining("JSON object");
    }

    // ------------------------------------------------------------ responses

    @Test
    void textMessageBecomesAChatCompletionWithCacheAwareUsage() {
        JsonNode message = json("""
                {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
                 "content":[{"type":"text","text":"Hello! "},{"type":"text","text":"How can I help?"}],
                 "stop_reason":"end_turn","stop_sequence":null,
                 "usage":{"input_tokens":12,"cache_creation_input_tokens":100,"cache_read_input_tokens":2000,"output_tokens":9}}""");
        ObjectNode out = AnthropicMapper.toChatCompletion(message, "fallback", false, 1_700_000_000L);
        // Re-read so that number node types (long vs int) do not matter to the comparison.
        assertThat(json(out.toString())).isEqualTo(json("""
                {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","object":"chat.completion","created":1700000000,
                 "model":"claude-sonnet-4-5-20250929",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help?","refusal":null,"annotations":[]},
                             "logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":2112,"completion_tokens":9,"total_tokens":2121,
                          "prompt_tokens_details":{"cached_tokens":2000}}}"""));
        // The prompt is the sum of the three parts; the 100 cache writes are kept apart for their price.
        assertThat(AnthropicWire.usage(message.get("usage"))).isEqualTo(new TokenUsage(2112, 9, 2000, 100, false));
    }

    @Test
    void cacheWritesSurviveTheRoundTripToAnthropicsUsageObject() {
        JsonNode usage = json("""
                {"input_tokens":12,"cache_creation_input_tokens":100,"cache_read_input_tokens":2000,"output_tokens":9}""");
        TokenUsage tokens = AnthropicWire.usage(usage);
        assertThat(tokens.cacheWriteInputTokens()).isEqualTo(100);
        assertThat(tokens.plainInputTokens()).isEqualTo(12);
        assertThat(json(AnthropicWire.usageJson(tokens).toString())).isEqualTo(usage);
    }

    @Test
    void aStreamReportsCacheWritesFromMessageStart() {
        // As Anthropic streams a first call with a cache breakpoint: the prompt counts arrive in
        // message_start, message_delta brings only the output.
        String transcript = """
                event: message_start
                data: {"type":"message_start","message":{"id":"msg_9","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":21,"cache_creation_input_tokens":1874,"cache_read_input_tokens":0,"output_tokens":1}}}

                event: content_block_start
                data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Done."}}

                event: content_block_stop
                data: {"type":"content_block_stop","index":0}

                event: message_delta
                data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":6}}

                event: message_stop
                data: {"type":"message_stop"}

                """;
        SseSplitter splitter = new SseSplitter();
        AnthropicMapper.StreamTranslator translator = new AnthropicMapper.StreamTranslator("claude", "fallback", false, 1L);
        List<StreamChunk> chunks = new ArrayList<>(translator.accept(splitter.feed(transcript.getBytes(StandardCharsets.UTF_8))));
        chunks.addAll(translator.end());
        StreamChunk usage = chunks.stream().filter(StreamChunk::usageOnly).findFirst().orElseThrow();
        assertThat(usage.usage()).isEqualTo(new TokenUsage(1895, 6, 0, 1874, false));
        assertThat(payload(usage).path("usage").get("prompt_tokens").asLong()).isEqualTo(1895);
    }

    @Test
    void toolUseBecomesToolCallsWithArgumentStrings() {
        JsonNode message = json("""
                {"id":"msg_01Aq9w938a90dw8q","type":"message","role":"assistant","model":"claude-sonnet-4-5",
                 "content":[
                   {"type":"text","text":"I'll check the weather."},
                   {"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{"location":"San Francisco, CA","unit":"celsius"}}],
                 "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":89}}""");
        ObjectNode out = AnthropicMapper.toChatCompletion(message, "fallback", false, 1L);
        JsonNode choice = out.path("choices").get(0);
        assertThat(choice.get("finish_reason").asString()).isEqualTo("tool_calls");
        assertThat(choice.path("message").get("content").asString()).isEqualTo("I'll check the weather.");
        JsonNode call = choice.path("message").path("tool_calls").get(0);
        assertThat(call).isEqualTo(json("""
                {"id":"toolu_01A09q90qw90lq917835lq9","type":"function",
                 "function":{"name":"get_weather","arguments":"{\\"location\\":\\"San Francisco, CA\\",\\"unit\\":\\"celsius\\"}"}}"""));
        assertThat(out.path("usage").get("prompt_tokens").asLong()).isEqualTo(472);

        // Only a tool call: content is null, as OpenAI sends it.
        JsonNode only = json("""
                {"id":"msg_2","type":"message","role":"assistant","model":"claude","stop_reason":"tool_use",
                 "content":[{"type":"tool_use","id":"toolu_2","name":"now","input":{}}],"usage":{"input_tokens":5,"output_tokens":3}}""");
        JsonNode message2 = AnthropicMapper.toChatCompletion(only, "fallback", false, 1L).path("choices").get(0).path("message");
        assertThat(message2.get("content").isNull()).isTrue();
        assertThat(message2.path("tool_calls").get(0).path("function").get("arguments").asString()).isEqualTo("{}");
    }

    @Test
    void jsonModeToolCallBecomesTheContent() {
        JsonNode message = json("""
                {"id":"msg_3","type":"message","role":"assistant","model":"claude-haiku-4-5",
                 "content":[{"type":"tool_use","id":"toolu_3","name":"json_response","input":{"name":"Paris","population":2100000}}],
                 "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":30,"output_tokens":20}}""");
        JsonNode choice = AnthropicMapper.toChatCompletion(message, "fallback", true, 1L).path("choices").get(0);
        assertThat(choice.get("finish_reason").asString()).isEqualTo("stop");
        assertThat(choice.path("message").has("tool_calls")).isFalse();
        assertThat(json(choice.path("message").get("content").asString())).isEqualTo(json("{\"name\":\"Paris\",\"population\":2100000}"));
    }

    @Test
    void stopReasons() {
        assertThat(AnthropicWire.finishReason("end_turn", false)).isEqualTo("stop");
        assertThat(AnthropicWire.finishReason("stop_sequence", false)).isEqualTo("stop");
        assertThat(AnthropicWire.finishReason("max_tokens", false)).isEqualTo("length");
        assertThat(AnthropicWire.finishReason("tool_use", true)).isEqualTo("tool_calls");
        assertThat(AnthropicWire.finishReason("tool_use", false)).isEqualTo("stop");
        assertThat(AnthropicWire.finishReason("refusal", false)).isEqualTo("content_filter");
        assertThat(AnthropicWire.finishReason("pause_turn", false)).isEqualTo("stop");
        JsonNode truncated = json("""
                {"id":"msg_4","type":"message","role":"assistant","model":"claude","content":[{"type":"text","text":"Once upon"}],
                 "stop_reason":"max_tokens","stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":2}}""");
        assertThat(AnthropicMapper.toChatCompletion(truncated, "m", false, 1L).path("choices").get(0).get("finish_reason").asString())
                .isEqualTo("length");
    }

    // ------------------------------------------------------------ streaming

    static final String TEXT_STREAM = """
            event: message_start
            data: {"type": "message_start", "message": {"id": "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", "type": "message", "role": "assistant", "content": [], "model": "claude-sonnet-4-5-20250929", "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 25, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 1000, "output_tokens": 1}}}

            event: content_block_start
            data: {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}

            event: ping
            data: {"type": "ping"}

            event: content_block_delta
            data: {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}}

            event: content_block_delta
            data: {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "!"}}

            event: content_block_stop
            data: {"type": "content_block_stop", "index": 0}

            event: message_delta
            data: {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence":null}, "usage": {"output_tokens": 15}}

            event: message_stop
            data: {"type": "message_stop"}

            """;

    static final String TOOL_STREAM = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-sonnet-4-5","stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":2},"content":[],"stop_reason":null}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

            event: ping
            data: {"type": "ping"}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay, checking."}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: content_block_start
            data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"location\\":"}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \\"San Francisco, CA\\"}"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":1}

            event: content_block_start
            data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_02","name":"now","input":{}}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":2}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

            event: message_stop
            data: {"type":"message_stop"}

            """;

    /** The transcript through the real SSE splitter, cut into two reads at {@code cut}. */
    static List<StreamChunk> translate(String transcript, boolean jsonMode, int cut) {
        byte[] bytes = transcript.getBytes(StandardCharsets.UTF_8);
        SseSplitter splitter = new SseSplitter();
        AnthropicMapper.StreamTranslator translator = new AnthropicMapper.StreamTranslator("claude", "fallback", jsonMode, 1_700_000_000L);
        List<StreamChunk> out = new ArrayList<>(translator.accept(splitter.feed(Arrays.copyOfRange(bytes, 0, cut))));
        out.addAll(translator.accept(splitter.feed(Arrays.copyOfRange(bytes, cut, bytes.length))));
        out.addAll(translator.end());
        return out;
    }

    static List<StreamChunk> translate(String transcript, boolean jsonMode) {
        return translate(transcript, jsonMode, transcript.length() / 3);
    }

    static JsonNode payload(StreamChunk chunk) {
        String frame = new String(chunk.frame(), StandardCharsets.UTF_8);
        assertThat(frame).startsWith("data: ").endsWith("\n\n");
        return Json.MAPPER.readTree(frame.substring(6).strip());
    }

    static JsonNode delta(StreamChunk chunk) {
        return payload(chunk).path("choices").get(0).get("delta");
    }

    @Test
    void textStreamBecomesOpenAiChunks() {
        List<StreamChunk> chunks = translate(TEXT_STREAM, false);
        assertThat(chunks).hasSize(6);
        JsonNode role = payload(chunks.get(0));
        assertThat(role).isEqualTo(json("""
                {"id":"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY","object":"chat.completion.chunk","created":1700000000,
                 "model":"claude-sonnet-4-5-20250929",
                 "choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],
                 "usage":null}"""));
        assertThat(delta(chunks.get(1)).get("content").asString()).isEqualTo("Hello");
        assertThat(chunks.get(1).text()).isEqualTo("Hello");
        assertThat(delta(chunks.get(2)).get("content").asString()).isEqualTo("!");
        JsonNode finish = payload(chunks.get(3)).path("choices").get(0);
        assertThat(finish.get("finish_reason").asString()).isEqualTo("stop");
        assertThat(finish.get("delta")).isEqualTo(json("{}"));

        StreamChunk usage = chunks.get(4);
        assertThat(usage.usageOnly()).isTrue();
        assertThat(usage.usage()).isEqualTo(new TokenUsage(1025, 15, 1000, false));
        assertThat(payload(usage).get("choices").isEmpty()).isTrue();
        assertThat(payload(usage).get("usage")).isEqualTo(json("""
                {"prompt_tokens":1025,"completion_tokens":15,"total_tokens":1040,"prompt_tokens_details":{"cached_tokens":1000}}"""));
        assertThat(chunks.get(5).done()).isTrue();
        assertThat(chunks.get(5).frame()).isEqualTo(SseFrames.DONE);
        assertThat(chunks.subList(0, 4)).allSatisfy(c -> assertThat(c.usageOnly()).isFalse());
    }

    @Test
    void theResultDoesNotDependOnWhereTheNetworkCutTheBytes() {
        List<String> whole = translate(TOOL_STREAM, false, 1).stream().map(c -> new String(c.frame(), StandardCharsets.UTF_8)).toList();
        for (int cut = 1; cut < TOOL_STREAM.length(); cut += 37) {
            assertThat(translate(TOOL_STREAM, false, cut)).extracting(c -> new String(c.frame(), StandardCharsets.UTF_8))
                    .as("cut at %d", cut).isEqualTo(whole);
        }
    }

    @Test
    void streamedToolCallsWithInputJsonDeltas() {
        List<StreamChunk> chunks = translate(TOOL_STREAM, false);
        List<JsonNode> deltas = chunks.stream().filter(c -> !c.done() && !c.usageOnly()).map(AnthropicMapperTest::delta).toList();
        assertThat(deltas.get(0).get("role").asString()).isEqualTo("assistant");
        assertThat(deltas.get(1).get("content").asString()).isEqualTo("Okay, checking.");
        assertThat(deltas.get(2)).isEqualTo(json("""
                {"tool_calls":[{"index":0,"id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","type":"function",
                                "function":{"name":"get_weather","arguments":""}}]}"""));
        // The empty partial_json is not forwarded.
        assertThat(deltas.get(3)).isEqualTo(json("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"location\\\":\"}}]}"));
        assertThat(deltas.get(4)).isEqualTo(json("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\" \\\"San Francisco, CA\\\"}\"}}]}"));
        assertThat(deltas.get(5).path("tool_calls").get(0).get("index").asInt()).isEqualTo(1);
        assertThat(deltas.get(5).path("tool_calls").get(0).path("function").get("name").asString()).isEqualTo("now");
        // A call without input gets "{}" so that clients can parse its arguments.
        assertThat(deltas.get(6)).isEqualTo(json("{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"{}\"}}]}"));
        JsonNode finish = payload(chunks.get(7)).path("choices").get(0);
        assertThat(finish.get("finish_reason").asString()).isEqualTo("tool_calls");
        assertThat(chunks.get(8).usage()).isEqualTo(new TokenUsage(472, 89, 0, false));
        assertThat(chunks.get(9).done()).isTrue();
        assertThat(chunks).hasSize(10);

        StringBuilder arguments = new StringBuilder();
        deltas.stream().map(d -> d.path("tool_calls").path(0))
                .filter(c -> c.path("index").asInt(-1) == 0)
                .forEach(c -> arguments.append(c.path("function").path("arguments").asString("")));
        assertThat(json(arguments.toString())).isEqualTo(json("{\"location\":\"San Francisco, CA\"}"));
    }

    @Test
    void jsonModeStreamsTheAnswerToolsInputAsContent() {
        String transcript = """
                event: message_start
                data: {"type":"message_start","message":{"id":"msg_5","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":40,"output_tokens":1}}}

                event: content_block_start
                data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_5","name":"json_response","input":{}}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"name\\": "}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"\\"Paris\\"}"}}

                event: content_block_stop
                data: {"type":"content_block_stop","index":0}

                event: message_delta
                data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":12}}

                event: message_stop
                data: {"type":"message_stop"}

                """;
        List<StreamChunk> chunks = translate(transcript, true);
        StringBuilder content = new StringBuilder();
        for (StreamChunk c : chunks) {
            if (!c.done() && !c.usageOnly()) {
                JsonNode d = delta(c);
                assertThat(d.has("tool_calls")).isFalse();
                content.append(d.path("content").asString(""));
            }
        }
        assertThat(json(content.toString())).isEqualTo(json("{\"name\":\"Paris\"}"));
        assertThat(payload(chunks.get(chunks.size() - 3)).path("choices").get(0).get("finish_reason").asString()).isEqualTo("stop");
    }

    @Test
    void messageDeltaUsageIsCumulativeAndWins() {
        String transcript = """
                event: message_start
                data: {"type":"message_start","message":{"id":"msg_6","type":"message","role":"assistant","model":"claude","content":[],"usage":{"input_tokens":10,"output_tokens":1}}}

                event: content_block_start
                data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}

                event: message_delta
                data: {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"input_tokens":12,"cache_creation_input_tokens":300,"cache_read_input_tokens":0,"output_tokens":2}}

                event: message_stop
                data: {"type":"message_stop"}
                """; // no blank line after the last event: flushed at the end of the body
        byte[] bytes = transcript.getBytes(StandardCharsets.UTF_8);
        SseSplitter splitter = new SseSplitter();
        AnthropicMapper.StreamTranslator translator = new AnthropicMapper.StreamTranslator("claude", "fallback", false, 1L);
        List<StreamChunk> chunks = new ArrayList<>(translator.accept(splitter.feed(bytes)));
        chunks.addAll(translator.accept(List.of(splitter.flush())));
        chunks.addAll(translator.end());
        assertThat(chunks.get(chunks.size() - 2).usage()).isEqualTo(new TokenUsage(312, 2, 0, 300, false));
        assertThat(payload(chunks.get(chunks.size() - 3)).path("choices").get(0).get("finish_reason").asString()).isEqualTo("length");
    }

    @Test
    void anOverloadErrorEventBeforeAnyContentFailsWithoutEmittingAnything() {
        AnthropicMapper.StreamTranslator translator = new AnthropicMapper.StreamTranslator("claude", "m", false, 1L);
        assertThat(translator.accept("message_start", """
                {"type":"message_start","message":{"id":"msg_7","type":"message","role":"assistant","model":"claude","content":[],"usage":{"input_tokens":10,"output_tokens":1}}}""")).isEmpty();
        assertThat(translator.accept("ping", "{\"type\": \"ping\"}")).isEmpty();
        assertThatThrownBy(() -> translator.accept("error", """
                {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}"""))
                .isInstanceOfSatisfying(UpstreamException.class, e -> {
                    assertThat(e.kind()).isEqualTo(UpstreamException.Kind.HTTP_STATUS);
                    assertThat(e.status()).isEqualTo(529);
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.errorType()).isEqualTo("server_error");
                    assertThat(e.errorCode()).isEqualTo("overloaded_error");
                    assertThat(e.getMessage()).isEqualTo("provider 'claude' answered 529: Overloaded");
                });
        AnthropicMapper.StreamTranslator invalid = new AnthropicMapper.StreamTranslator("claude", "m", false, 1L);
        assertThatThrownBy(() -> invalid.accept("error", """
                {"type":"error","error":{"type":"invalid_request_error","message":"messages: text content blocks must be non-empty"}}"""))
                .isInstanceOfSatisfying(UpstreamException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.retryable()).isFalse();
                });
    }

    @Test
    void aStreamThatEndsBeforeMessageStopIsBroken() {
        String cut = TEXT_STREAM.substring(0, TEXT_STREAM.indexOf("event: message_delta"));
        assertThatThrownBy(() -> translate(cut, false))
                .isInstanceOfSatisfying(UpstreamException.class, e -> {
                    assertThat(e.kind()).isEqualTo(UpstreamException.Kind.CONNECTION_CLOSED);
                    assertThat(e.retryable()).isTrue();
                });
        AnthropicMapper.StreamTranslator translator = new AnthropicMapper.StreamTranslator("claude", "m", false, 1L);
        assertThatThrownBy(() -> translator.accept("content_block_delta", "{not json"))
                .isInstanceOfSatisfying(UpstreamException.class, e -> assertThat(e.kind()).isEqualTo(UpstreamException.Kind.PROTOCOL));
    }

    @Test
    void thinkingBlocksAreNotForwarded() {
        String transcript = """
                event: message_start
                data: {"type":"message_start","message":{"id":"msg_8","type":"message","role":"assistant","model":"claude","content":[],"usage":{"input_tokens":5,"output_tokens":1}}}

                event: content_block_start
                data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me think"}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM"}}

                event: content_block_stop
                data: {"type":"content_block_stop","index":0}

                event: content_block_start
                data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"42"}}

                event: content_block_stop
                data: {"type":"content_block_stop","index":1}

                event: message_delta
                data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":30}}

                event: message_stop
                data: {"type":"message_stop"}

                """;
        List<StreamChunk> chunks = translate(transcript, false);
        assertThat(chunks).extracting(StreamChunk::text).containsExactly(null, "42", null, null, null);
    }

    // ------------------------------------------------------------ errors

    private static UpstreamException error(int status, String body, String retryAfter) {
        return AnthropicAdapter.httpError("claude", status, body.getBytes(StandardCharsets.UTF_8), dev.tollgate.provider.Transport.retryAfter(retryAfter));
    }

    private static String body(String type, String message) {
        return "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message + "\"},\"request_id\":\"req_011CSHoEeqs5C35K2UUqR7Fy\"}";
    }

    @Test
    void errorTable() {
        UpstreamException tooLong = error(400, body("invalid_request_error", "prompt is too long: 208310 tokens > 200000 maximum"), null);
        assertThat(tooLong.retryable()).isFalse();
        assertThat(tooLong.kind()).isEqualTo(UpstreamException.Kind.HTTP_STATUS);
        assertThat(tooLong.getMessage()).isEqualTo("provider 'claude' answered 400: prompt is too long: 208310 tokens > 200000 maximum");
        assertThat(tooLong.errorType()).isEqualTo("invalid_request_error");
        assertThat(tooLong.errorCode()).isEqualTo("context_length_exceeded");

        UpstreamException invalid = error(400, body("invalid_request_error", "max_tokens: Field required"), null);
        assertThat(invalid.errorCode()).isEqualTo("invalid_request_error");

        UpstreamException auth = error(401, body("authentication_error", "invalid x-api-key"), null);
        assertThat(auth.retryable()).isFalse();
        assertThat(auth.errorType()).isEqualTo("authentication_error");

        UpstreamException permission = error(403, body("permission_error", "Your API key does not have permission"), null);
        assertThat(permission.retryable()).isFalse();
        assertThat(permission.errorType()).isEqualTo("permission_error");

        UpstreamException notFound = error(404, body("not_found_error", "model: claude-9"), null);
        assertThat(notFound.retryable()).isFalse();
        assertThat(notFound.errorType()).isEqualTo("invalid_request_error");
        assertThat(notFound.errorCode()).isEqualTo("not_found_error");

        UpstreamException tooLarge = error(413, "<html><body>413 Request Entity Too Large</body></html>", null);
        assertThat(tooLarge.retryable()).isFalse();
        assertThat(tooLarge.getMessage()).contains("413 Request Entity Too Large");
        assertThat(tooLarge.errorType()).isEqualTo("invalid_request_error");

        UpstreamException limited = error(429, body("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"), "7");
        assertThat(limited.retryable()).isTrue();
        assertThat(limited.retryAfter()).isEqualTo(Duration.ofSeconds(7));
        assertThat(limited.errorType()).isEqualTo("rate_limit_exceeded");

        UpstreamException overloaded = error(529, body("overloaded_error", "Overloaded"), null);
        assertThat(overloaded.retryable()).isTrue();
        assertThat(overloaded.errorType()).isEqualTo("server_error");
        assertThat(overloaded.errorCode()).isEqualTo("overloaded_error");
        assertThat(overloaded.label()).isEqualTo("529");

        assertThat(error(500, body("api_error", "Internal server error"), null).retryable()).isTrue();
        assertThat(error(502, "", null).getMessage()).isEqualTo("provider 'claude' answered 502: HTTP 502");
        assertThat(error(408, "", null).retryable()).isTrue();
        assertThat(error(408, "", null).errorType()).isEqualTo("server_error");

        assertThat(AnthropicWire.errorStatus("overloaded_error")).isEqualTo(529);
        assertThat(AnthropicWire.errorStatus("rate_limit_error")).isEqualTo(429);
        assertThat(AnthropicWire.errorStatus("something_new")).isEqualTo(500);
    }
}
