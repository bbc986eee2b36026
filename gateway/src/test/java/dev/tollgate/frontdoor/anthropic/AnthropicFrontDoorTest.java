package dev.tollgate.frontdoor.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.api.GatewayException;
import dev.tollgate.api.JsonBody;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.api.RequestValidator;
import dev.tollgate.api.Endpoint;
import dev.tollgate.provider.StreamChunk;
import dev.tollgate.provider.TokenUsage;
import dev.tollgate.provider.anthropic.AnthropicMapper;
import dev.tollgate.provider.anthropic.AnthropicWire;
import dev.tollgate.streaming.SseFrames;
import dev.tollgate.streaming.SseSplitter;
import dev.tollgate.support.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Both directions of the /v1/messages front door, from literal bodies in the shapes the two APIs document. */
class AnthropicFrontDoorTest {

    private static ObjectNode json(String text) {
        return (ObjectNode) Json.MAPPER.readTree(text);
    }

    private static ObjectNode chat(String messagesBody) {
        return MessagesRequest.toChat(json(messagesBody));
    }

    // ------------------------------------------------------------ requests

    @Test
    void textRequestWithSystemStringAndSampling() {
        ObjectNode out = chat("""
                {"model":"claude-sonnet","max_tokens":1024,"system":"You are terse.",
                 "messages":[{"role":"user","content":"Hello, Claude"}],
                 "temperature":0.3,"top_p":0.9,"top_k":40,"stop_sequences":["END","STOP"],
                 "metadata":{"user_id":"user-42"},"stream":true,"thinking":{"type":"enabled","budget_tokens":2000}}""");
        assertThat(out).isEqualTo(json("""
                {"model":"claude-sonnet","max_completion_tokens":1024,
                 "messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Hello, Claude"}],
                 "temperature":0.3,"top_p":0.9,"stop":["END","STOP"],"user":"user-42","stream":true}"""));
        // The result is a chat request the OpenAI validator accepts as it is.
        LlmRequest request = RequestValidator.validate(Endpoint.CHAT_COMPLETIONS, JsonBody.parse(Json.MAPPER.writeValueAsBytes(out)));
        assertThat(request.maxOutputTokens()).isEqualTo(1024);
        assertThat(request.stream()).isTrue();
        assertThat(request.user()).isEqualTo("user-42");
    }

    @Test
    void unmarkedSystemBlocksAreJoined() {
        ObjectNode out = chat("""
                {"model":"m","max_tokens":10,
                 "system":[{"type":"text","text":"You are Claude Code."},{"type":"text","text":"Project rules..."}],
                 "messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}""");
        assertThat(out.get("messages")).isEqualTo(json("""
                {"m":[{"role":"system","content":"You are Claude Code.\\n\\nProject rules..."},{"role":"user","content":"hi"}]}""").get("m"));
    }

    /** The request Claude Code sends, in short: breakpoints on system, tools, a tool result and the last turn. */
    static final String MARKED = """
            {"model":"m","max_tokens":10,
             "system":[{"type":"text","text":"You are Claude Code."},
                       {"type":"text","text":"Project rules...","cache_control":{"type":"ephemeral","ttl":"1h"}}],
             "tools":[{"name":"read","description":"Read a file","input_schema":{"type":"object"}},
                      {"name":"grep","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral"}}],
             "messages":[
               {"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://x/a.png"},"cache_control":{"type":"ephemeral"}},
                                         {"type":"text","text":"read it"}]},
               {"role":"assistant","content":[{"type":"text","text":"Reading."},
                                              {"type":"tool_use","id":"toolu_1","name":"read","input":{"p":"a"},"cache_control":{"type":"ephemeral"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"file body","cache_control":{"type":"ephemeral"}},
                                         {"type":"text","text":"and now?","cache_control":{"type":"ephemeral"}}]}]}""";

    @Test
    void cacheControlMarkersAreKeptWherePromptCachingSays() {
        ObjectNode out = chat(MARKED);
        assertThat(out.get("messages")).isEqualTo(json("""
                {"m":[{"role":"system","content":[{"type":"text","text":"You are Claude Code."},
                        {"type":"text","text":"Project rules...","cache_control":{"type":"ephemeral","ttl":"1h"}}]},
                      {"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/a.png"},"cache_control":{"type":"ephemeral"}},
                                                {"type":"text","text":"read it"}]},
                      {"role":"assistant","content":"Reading.","tool_calls":[{"id":"toolu_1","type":"function",
                        "function":{"name":"read","arguments":"{\\"p\\":\\"a\\"}"},"cache_control":{"type":"ephemeral"}}]},
                      {"role":"tool","tool_call_id":"toolu_1","content":"file body","cache_control":{"type":"ephemeral"}},
                      {"role":"user","content":[{"type":"text","text":"and now?","cache_control":{"type":"ephemeral"}}]}]}""").get("m"));
        assertThat(out.get("tools").get(0).has("cache_control")).isFalse();
        assertThat(out.get("tools").get(1).get("cache_control")).isEqualTo(json("{\"type\":\"ephemeral\"}"));
        // Still a chat request the OpenAI validator accepts.
        RequestValidator.validate(Endpoint.CHAT_COMPLETIONS, JsonBody.parse(Json.MAPPER.writeValueAsBytes(out)));
    }

    @Test
    void anthropicUpstreamGetsTheMarkersBackAtTheSamePlaces() {
        ObjectNode client = json(MARKED);
        ObjectNode upstream = AnthropicMapper.toAnthropicRequest(chat(MARKED), "claude-x");
        assertThat(upstream.get("system")).isEqualTo(client.get("system"));
        assertThat(upstream.get("tools")).isEqualTo(client.get("tools"));
        assertThat(upstream.get("messages")).isEqualTo(client.get("messages"));
    }

    @Test
    void markedTextInsideToolResultsAndAssistantTurnsStaysApart() {
        ObjectNode out = chat("""
                {"model":"m","max_tokens":10,"messages":[
                  {"role":"user","content":"q"},
                  {"role":"assistant","content":[{"type":"text","text":"a"},{"type":"text","text":"b","cache_control":{"type":"ephemeral"}},
                                                 {"type":"tool_use","id":"t1","name":"f","input":{}}]},
                  {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1",
                     "content":[{"type":"text","text":"r1"},{"type":"text","text":"r2","cache_control":{"type":"ephemeral"}}]}]}]}""");
        assertThat(out.get("messages").get(1).get("content")).isEqualTo(json("""
                {"c":[{"type":"text","text":"a"},{"type":"text","text":"b","cache_control":{"type":"ephemeral"}}]}""").get("c"));
        assertThat(out.get("messages").get(2).get("content")).isEqualTo(json("""
                {"c":[{"type":"text","text":"r1"},{"type":"text","text":"r2","cache_control":{"type":"ephemeral"}}]}""").get("c"));
        ObjectNode upstream = AnthropicMapper.toAnthropicRequest(out, "claude-x");
        assertThat(upstream.get("messages").get(1).get("content").get(1).get("cache_control")).isNotNull();
        assertThat(upstream.get("messages").get(2).get("content").get(0).get("content").get(1).get("cache_control")).isNotNull();
    }

    @Test
    void aCacheControlThatIsNotAnObjectIsRefused() {
        assertThatThrownBy(() -> chat("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":"ephemeral"}]}]}"""))
                .isInstanceOf(GatewayException.class).hasMessageContaining("messages.0.content.0.cache_control");
    }

    @Test
    void imagesBase64AndUrlBecomeImageUrlParts() {
        ObjectNode out = chat("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[
                  {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                  {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}},
                  {"type":"text","text":"What is in these images?"}]}]}""");
        assertThat(out.get("messages").get(0)).isEqualTo(json("""
                {"role":"user","content":[
                  {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
                  {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}},
                  {"type":"text","text":"What is in these images?"}]}"""));
    }

    @Test
    void toolsAndEveryToolChoice() {
        String tools = """
                "tools":[{"name":"get_weather","description":"Get the current weather in a given location",
                  "input_schema":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}]""";
        ObjectNode auto = chat("{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]," + tools
                + ",\"tool_choice\":{\"type\":\"auto\"}}");
        assertThat(auto.get("tools")).isEqualTo(json("""
                {"t":[{"type":"function","function":{"name":"get_weather","description":"Get the current weather in a given location",
                  "parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}}]}""").get("t"));
        assertThat(auto.get("tool_choice").asString()).isEqualTo("auto");
        assertThat(chat("{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]," + tools
                + ",\"tool_choice\":{\"type\":\"any\",\"disable_parallel_tool_use\":true}}").toString())
                .contains("\"tool_choice\":\"required\"").contains("\"parallel_tool_calls\":false");
        assertThat(chat("{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]," + tools
                + ",\"tool_choice\":{\"type\":\"tool\",\"name\":\"get_weather\"}}").get("tool_choice"))
                .isEqualTo(json("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}"));
        assertThat(chat("{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]," + tools
                + ",\"tool_choice\":{\"type\":\"none\"}}").get("tool_choice").asString()).isEqualTo("none");
    }

    @Test
    void toolUseAndToolResultTurnsBecomeToolCallsAndToolMessagesInOrder() {
        ObjectNode out = chat("""
                {"model":"m","max_tokens":10,"messages":[
                  {"role":"user","content":"Weather in Paris and Rome?"},
                  {"role":"assistant","content":[
                    {"type":"thinking","thinking":"two calls","signature":"sig"},
                    {"type":"text","text":"Checking."},
                    {"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"location":"Paris"}},
                    {"type":"tool_use","id":"toolu_02","name":"get_weather","input":{"location":"Rome"}}]},
                  {"role":"user","content":[
                    {"type":"tool_result","tool_use_id":"toolu_01","content":"18C"},
                    {"type":"tool_result","tool_use_id":"toolu_02","content":[{"type":"text","text":"21C"},{"type":"text","text":"sunny"}],"is_error":false},
                    {"type":"text","text":"Which is warmer?"}]}]}""");
        assertThat(out.get("messages")).isEqualTo(json("""
                {"m":[{"role":"user","content":"Weather in Paris and Rome?"},
                  {"role":"assistant","content":"Checking.","tool_calls":[
                    {"id":"toolu_01","type":"function","function":{"name":"get_weather","arguments":"{\\"location\\":\\"Paris\\"}"}},
                    {"id":"toolu_02","type":"function","function":{"name":"get_weather","arguments":"{\\"location\\":\\"Rome\\"}"}}]},
                  {"role":"tool","tool_call_id":"toolu_01","content":"18C"},
                  {"role":"tool","tool_call_id":"toolu_02","content":"21C\\n\\nsunny"},
                  {"role":"user","content":"Which is warmer?"}]}""").get("m"));
        // And back to Anthropic through the provider mapper: the same turns as the client sent (less thinking).
        ObjectNode anthropic = AnthropicMapper.toAnthropicRequest(out, "claude-sonnet-4-5");
        assertThat(anthropic.get("messages").get(1).get("content").get(1)).isEqualTo(json("""
                {"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"location":"Paris"}}"""));
        assertThat(anthropic.get("messages").get(2).get("content")).isEqualTo(json("""
                {"c":[{"type":"tool_result","tool_use_id":"toolu_01","content":"18C"},
                  {"type":"tool_result","tool_use_id":"toolu_02","content":"21C\\n\\nsunny"},
                  {"type":"text","text":"Which is warmer?"}]}""").get("c"));
    }

    @Test
    void validationErrorsNameTheAnthropicField() {
        assertRefused("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "max_tokens");
        assertRefused("{\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "model");
        assertRefused("{\"model\":\"m\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "max_tokens");
        assertRefused("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[]}", "messages");
        assertRefused("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}", "messages.0.role");
        assertRefused("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"content\":\"18C\"}]}]}", "messages.1.content.0.tool_use_id");
        assertRefused("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}]}", "tools.0.type");
        assertRefused("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":1.5}", "temperature");
        assertRefused("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\","
                + "\"source\":{\"type\":\"base64\",\"media_type\":\"image/tiff\",\"data\":\"x\"}}]}]}", "messages.0.content.0.source.media_type");
    }

    private static void assertRefused(String body, String field) {
        assertThatThrownBy(() -> chat(body)).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(e.param()).isEqualTo(field);
            assertThat(e.getMessage()).startsWith(field + ":");
        });
    }

    @Test
    void countTokensNeedsNoMaxTokensAndCountsSystemMessagesAndTools() {
        ObjectNode plain = MessagesRequest.toChatForCounting(json("""
                {"model":"m","messages":[{"role":"user","content":"Hello, world"}]}"""));
        ObjectNode more = MessagesRequest.toChatForCounting(json("""
                {"model":"m","system":"You are a scientist","messages":[{"role":"user","content":"Hello, world"}],
                 "tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"location":{"type":"string"}}}}]}"""));
        int plainCount = dev.tollgate.support.TokenCounter.countInput(plain);
        assertThat(plainCount).isPositive();
        assertThat(dev.tollgate.support.TokenCounter.countInput(more)).isGreaterThan(plainCount + 10);
    }

    // ------------------------------------------------------------ complete answers

    @Test
    void textCompletionBecomesAMessageWithTheMeteredUsage() {
        ObjectNode completion = json("""
                {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion","created":1741569952,"model":"gpt-4o-mini-2024-07-18",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there","refusal":null,"annotations":[]},
                 "logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":4}}}""");
        ObjectNode message = json(MessagesResponse.toMessage(completion, new TokenUsage(19, 10, 4, false)).toString());
        assertThat(message).isEqualTo(json("""
                {"id":"msg_chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","type":"message","role":"assistant","model":"gpt-4o-mini-2024-07-18",
                 "content":[{"type":"text","text":"Hello there","citations":null}],"stop_reason":"end_turn","stop_sequence":null,
                 "usage":{"input_tokens":15,"cache_creation_input_tokens":0,"cache_read_input_tokens":4,"output_tokens":10}}"""));
    }

    @Test
    void toolCallsBecomeToolUseBlocksAndStopReasonsMap() {
        ObjectNode completion = json("""
                {"id":"msg_01Aq9w938a90dw8q","object":"chat.completion","created":1,"model":"claude-sonnet-4-5",
                 "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
                   {"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":"{\\"location\\":\\"Paris\\"}"}},
                   {"id":"call_def","type":"function","function":{"name":"broken","arguments":"{not json"}}]},
                 "finish_reason":"tool_calls"}]}""");
        ObjectNode message = MessagesResponse.toMessage(completion, new TokenUsage(30, 12, 0, false));
        assertThat(message.get("id").asString()).isEqualTo("msg_01Aq9w938a90dw8q");
        assertThat(message.get("content")).isEqualTo(json("""
                {"c":[{"type":"tool_use","id":"call_abc","name":"get_weather","input":{"location":"Paris"}},
                      {"type":"tool_use","id":"call_def","name":"broken","input":{"_raw":"{not json"}}]}""").get("c"));
        assertThat(message.get("stop_reason").asString()).isEqualTo("tool_use");

        assertThat(AnthropicWire.stopReason("stop", null)).isEqualTo("end_turn");
        assertThat(AnthropicWire.stopReason("stop", "END")).isEqualTo("stop_sequence");
        assertThat(AnthropicWire.stopReason("length", null)).isEqualTo("max_tokens");
        assertThat(AnthropicWire.stopReason("tool_calls", null)).isEqualTo("tool_use");
        assertThat(AnthropicWire.stopReason("content_filter", null)).isEqualTo("refusal");
        assertThat(AnthropicWire.stopReason(null, null)).isEqualTo("end_turn");
        // The two directions agree where both are defined.
        for (String reason : List.of("end_turn", "max_tokens", "tool_use", "refusal")) {
            assertThat(AnthropicWire.stopReason(AnthropicWire.finishReason(reason, true), null)).isEqualTo(reason);
        }
    }

    // ------------------------------------------------------------ streams

    private static StreamChunk chunk(String json) {
        return new StreamChunk(SseFrames.data(json), null, false, null, false);
    }

    private static String openAi(String delta, String finish) {
        return "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\","
                + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":"
                + (finish == null ? "null" : "\"" + finish + "\"") + "}],\"usage\":null}";
    }

    /** The events (name and data) a writer produces for the chunks, read back with the gateway's SSE splitter. */
    private static List<SseSplitter.Event> events(MessagesStream writer, List<StreamChunk> chunks) {
        List<byte[]> frames = new ArrayList<>();
        for (StreamChunk c : chunks) {
            frames.addAll(writer.frames(c));
        }
        frames.addAll(writer.end());
        SseSplitter splitter = new SseSplitter();
        List<SseSplitter.Event> events = new ArrayList<>();
        for (byte[] f : frames) {
            String text = new String(f, StandardCharsets.UTF_8);
            assertThat(text).startsWith("event: ").endsWith("\n\n");
            events.addAll(splitter.feed(f));
        }
        events.forEach(e -> assertThat(json(e.data()).get("type").asString()).isEqualTo(e.name()));
        return events;
    }

    @Test
    void textStreamBecomesMessageEventsWithUsageAtTheEnd() {
        TokenUsage usage = new TokenUsage(9, 2, 0, false);
        List<SseSplitter.Event> events = events(new MessagesStream(() -> 11), List.of(
                chunk(openAi("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", null)),
                chunk(openAi("{\"content\":\"Hello\"}", null)),
                chunk(openAi("{\"content\":\" there\"}", null)),
                chunk(openAi("{}", "stop")),
                new StreamChunk(SseFrames.data("{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
                        + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}"), usage, true, null, false),
                StreamChunk.done(SseFrames.DONE)));
        assertThat(events).extracting(SseSplitter.Event::name).containsExactly("message_start", "content_block_start",
                "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop");
        assertThat(json(events.get(0).data())).isEqualTo(json("""
                {"type":"message_start","message":{"id":"msg_chatcmpl-123","type":"message","role":"assistant","model":"gpt-4o-mini",
                 "content":[],"stop_reason":null,"stop_sequence":null,
                 "usage":{"input_tokens":11,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}}"""));
        assertThat(json(events.get(1).data())).isEqualTo(json("""
                {"type":"content_block_start","index":0,"content_block":{"type":"text","text":"","citations":null}}"""));
        assertThat(json(events.get(2).data())).isEqualTo(json("""
                {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}"""));
        assertThat(json(events.get(4).data())).isEqualTo(json("{\"type\":\"content_block_stop\",\"index\":0}"));
        assertThat(json(events.get(5).data())).isEqualTo(json("""
                {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},
                 "usage":{"input_tokens":9,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":2}}"""));
    }

    @Test
    void streamedToolCallsBecomeToolUseBlocksWithInputJsonDeltas() {
        List<SseSplitter.Event> events = events(new MessagesStream(() -> 50), List.of(
                chunk(openAi("{\"role\":\"assistant\",\"content\":\"Let me check.\"}", null)),
                chunk(openAi("{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", null)),
                chunk(openAi("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"location\\\":\"}}]}", null)),
                chunk(openAi("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}", null)),
                chunk(openAi("{\"tool_calls\":[{\"index\":1,\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]}", null)),
                chunk(openAi("{}", "tool_calls")),
                StreamChunk.done(SseFrames.DONE)));
        assertThat(events).extracting(SseSplitter.Event::name).containsExactly("message_start",
                "content_block_start", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_stop",
                "message_delta", "message_stop");
        assertThat(json(events.get(4).data())).isEqualTo(json("""
                {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"call_1","name":"get_weather","input":{}}}"""));
        assertThat(json(events.get(5).data())).isEqualTo(json("""
                {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"location\\":"}}"""));
        assertThat(json(events.get(6).data()).path("delta").path("partial_json").asString()).isEqualTo("\"Paris\"}");
        assertThat(json(events.get(8).data()).path("index").asInt()).isEqualTo(2);
        JsonNode delta = json(events.get(11).data());
        assertThat(delta.path("delta").path("stop_reason").asString()).isEqualTo("tool_use");
        // No usage chunk arrived: the output is estimated from what was generated, the input from the estimate.
        assertThat(delta.path("usage").path("input_tokens").asLong()).isEqualTo(50);
        assertThat(delta.path("usage").path("output_tokens").asLong()).isPositive();
    }

    @Test
    void truncatedAnswerStopsOnMaxTokensAndAMissingDoneStillEndsTheMessage() {
        List<SseSplitter.Event> events = events(new MessagesStream(() -> 5), List.of(
                chunk(openAi("{\"role\":\"assistant\",\"content\":\"Once upon\"}", null)),
                chunk(openAi("{}", "length"))));
        assertThat(events).extracting(SseSplitter.Event::name).endsWith("content_block_stop", "message_delta", "message_stop");
        assertThat(json(events.get(events.size() - 2).data()).path("delta").path("stop_reason").asString()).isEqualTo("max_tokens");
    }

    // ------------------------------------------------------------ errors

    @Test
    void errorsTakeAnthropicsShapeAndTypeByStatus() {
        assertThat(json(new String(AnthropicErrors.json(GatewayException.unauthorized("bad key")), StandardCharsets.UTF_8)))
                .isEqualTo(json("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"bad key\"}}"));
        assertThat(AnthropicErrors.tree(GatewayException.modelNotFound("nope")).path("error").path("type").asString()).isEqualTo("not_found_error");
        assertThat(AnthropicErrors.tree(GatewayException.modelNotAllowed("m", "k")).path("error").path("type").asString()).isEqualTo("permission_error");
        assertThat(AnthropicErrors.tree(GatewayException.invalidRequest("max_tokens", "x")).path("error").path("type").asString())
                .isEqualTo("invalid_request_error");
        assertThat(AnthropicWire.errorType(429)).isEqualTo("rate_limit_error");
        assertThat(AnthropicWire.errorType(502)).isEqualTo("api_error");
        assertThat(AnthropicWire.errorType(529)).isEqualTo("overloaded_error");
        for (String type : List.of("invalid_request_error", "authentication_error", "permission_error", "not_found_error",
                "rate_limit_error", "overloaded_error", "api_error")) {
            assertThat(AnthropicWire.errorType(AnthropicWire.errorStatus(type))).isEqualTo(type);
        }
        String frame = new String(AnthropicErrors.sseFrame(new GatewayException(HttpStatus.BAD_GATEWAY, "server_error",
                "upstream_stream_interrupted", null, "broke off")), StandardCharsets.UTF_8);
        assertThat(frame).isEqualTo("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"broke off\"}}\n\n");
    }
}
