package dev.tollgate.frontdoor.responses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.api.GatewayException;
import dev.tollgate.api.JsonBody;
import dev.tollgate.frontdoor.FrontDoor;
import dev.tollgate.provider.StreamChunk;
import dev.tollgate.provider.TokenUsage;
import dev.tollgate.support.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The Responses front door's translation both ways, on literal bodies and chunk transcripts. */
class ResponsesTranslationTest {

    private static ObjectNode json(String text) {
        return (ObjectNode) Json.MAPPER.readTree(text);
    }

    private static ResponsesCall call(String body, HttpHeaders headers) {
        return (ResponsesCall) new ResponsesFrontDoor(false).forRequest(JsonBody.parse(body.getBytes(StandardCharsets.UTF_8)), headers);
    }

    @Test
    void itemsBecomeChatMessagesWithConsecutiveCallsInOneAssistantTurn() {
        ObjectNode chat = ResponsesRequest.toChat(json("""
                {"model":"m","instructions":"Be brief.","max_output_tokens":64,
                 "text":{"format":{"type":"json_schema","name":"w","schema":{"type":"object"},"strict":true}},
                 "input":[{"role":"user","content":"Weather in Paris and Rome?"},
                          {"type":"reasoning","id":"rs_1","summary":[]},
                          {"type":"function_call","call_id":"c1","name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"},
                          {"type":"function_call","call_id":"c2","name":"get_weather","arguments":"{\\"city\\":\\"Rome\\"}"},
                          {"type":"function_call_output","call_id":"c1","output":"18C"},
                          {"type":"function_call_output","call_id":"c2","output":[{"type":"input_text","text":"21C"}]},
                          {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Both warm.","annotations":[]}]},
                          {"type":"message","role":"user","content":[{"type":"input_text","text":"And this?"},
                             {"type":"input_image","image_url":"data:image/png;base64,AAAA","detail":"low"}]}]}"""), false).chat();

        assertThat(chat).isEqualTo(json("""
                {"model":"m","messages":[
                  {"role":"system","content":"Be brief."},
                  {"role":"user","content":"Weather in Paris and Rome?"},
                  {"role":"assistant","content":null,"tool_calls":[
                    {"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                    {"id":"c2","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Rome\\"}"}}]},
                  {"role":"tool","tool_call_id":"c1","content":"18C"},
                  {"role":"tool","tool_call_id":"c2","content":"21C"},
                  {"role":"assistant","content":"Both warm."},
                  {"role":"user","content":[{"type":"text","text":"And this?"},
                    {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"low"}}]}],
                 "response_format":{"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object"},"strict":true}},
                 "max_completion_tokens":64}"""));
    }

    @Test
    void builtInToolsAreLeftOutAndNamedOrRefused() {
        String body = """
                {"model":"m","input":"x","tool_choice":{"type":"web_search"},
                 "tools":[{"type":"web_search","external_web_access":false},{"type":"file_search","vector_store_ids":["v"]},
                          {"type":"function","name":"f"}]}""";
        HttpHeaders headers = new HttpHeaders();
        ResponsesCall call = call(body, headers);
        assertThat(headers.getFirst(ResponsesFrontDoor.DROPPED_TOOLS_HEADER)).isEqualTo("web_search, file_search");
        JsonNode chat = call.canonicalRequest(null).tree();
        assertThat(chat.path("tools")).hasSize(1);
        assertThat(chat.has("tool_choice")).isFalse();

        assertThatThrownBy(() -> new ResponsesFrontDoor(true).forRequest(JsonBody.parse(body.getBytes(StandardCharsets.UTF_8)), headers))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(HttpStatus.BAD_REQUEST);
                    assertThat(e.param()).isEqualTo("tools[0].type");
                    assertThat(e.getMessage()).contains("'web_search'");
                });
    }

    @Test
    void aCompletionBecomesAResponseEchoingTheRequest() {
        ResponsesCall call = call("""
                {"model":"alias","instructions":"Be brief.","input":"x","metadata":{"k":"v"},"temperature":0.3,
                 "tools":[{"type":"namespace","name":"ns","tools":[{"type":"function","name":"f"}]}]}""", new HttpHeaders());
        byte[] body = call.completion("""
                {"id":"c","object":"chat.completion","created":1,"model":"up","choices":[{"index":0,"finish_reason":"length",
                 "message":{"role":"assistant","content":"Hi","tool_calls":[{"id":"call_1","type":"function",
                   "function":{"name":"f","arguments":"{}"}}]}}],
                 "usage":{"prompt_tokens":10,"completion_tokens":5,"completion_tokens_details":{"reasoning_tokens":2}}}"""
                .getBytes(StandardCharsets.UTF_8), new TokenUsage(10, 5, 3, false));
        JsonNode r = Json.MAPPER.readTree(body);

        assertThat(r.path("id").asString()).startsWith("resp_").isEqualTo(call.responseId());
        assertThat(r.path("status").asString()).isEqualTo("incomplete");
        assertThat(r.path("incomplete_details").path("reason").asString()).isEqualTo("max_output_tokens");
        assertThat(r.path("model").asString()).isEqualTo("up");
        assertThat(r.path("instructions").asString()).isEqualTo("Be brief.");
        assertThat(r.path("metadata").path("k").asString()).isEqualTo("v");
        assertThat(r.path("temperature").asDouble()).isEqualTo(0.3);
        assertThat(r.path("output").get(0).path("content").get(0).path("text").asString()).isEqualTo("Hi");
        JsonNode fc = r.path("output").get(1);
        assertThat(fc.path("id").asString()).startsWith("fc_");
        assertThat(fc.path("call_id").asString()).isEqualTo("call_1");
        assertThat(fc.path("namespace").asString()).isEqualTo("ns");
        assertThat(r.path("usage")).isEqualTo(json("""
                {"input_tokens":10,"input_tokens_details":{"cached_tokens":3,"cache_write_tokens":0},"output_tokens":5,
                 "output_tokens_details":{"reasoning_tokens":2},"total_tokens":15}"""));
    }

    @Test
    void chunksBecomeTheSemanticEventSequenceAndABreakAnErrorEvent() {
        ResponsesCall call = call("{\"model\":\"m\",\"input\":\"x\",\"stream\":true}", new HttpHeaders());
        List<ObjectNode> seen = new ArrayList<>();
        call.onResponse(seen::add);
        FrontDoor.StreamWriter writer = call.streamWriter(null, () -> 7);
        List<byte[]> frames = new ArrayList<>();
        frames.addAll(writer.frames(chunk("{\"model\":\"up\",\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"He\"}}]}", null)));
        frames.addAll(writer.frames(chunk("{\"choices\":[{\"delta\":{\"content\":\"y\"}}]}", null)));
        frames.addAll(writer.frames(chunk("{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"function\":"
                + "{\"name\":\"f\",\"arguments\":\"{\\\"a\\\"\"}}]}}]}", null)));
        frames.addAll(writer.frames(chunk("{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\":1}\"}}]},"
                + "\"finish_reason\":\"tool_calls\"}]}", null)));
        frames.addAll(writer.frames(chunk("{\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4}}",
                new TokenUsage(9, 4, 0, false))));
        frames.addAll(writer.frames(StreamChunk.done("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8))));

        List<String> types = new ArrayList<>();
        for (int i = 0; i < frames.size(); i++) {
            String frame = new String(frames.get(i), StandardCharsets.UTF_8);
            JsonNode data = Json.MAPPER.readTree(frame.substring(frame.indexOf("data: ") + 6).trim());
            assertThat(frame).startsWith("event: " + data.path("type").asString() + "\n");
            assertThat(data.path("sequence_number").asInt()).isEqualTo(i);
            types.add(data.path("type").asString());
        }
        assertThat(types).containsExactly("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done", "response.completed");
        ObjectNode response = seen.get(0);
        assertThat(response.path("output").get(0).path("content").get(0).path("text").asString()).isEqualTo("Hey");
        assertThat(response.path("output").get(1).path("arguments").asString()).isEqualTo("{\"a\":1}");
        assertThat(response.path("usage").path("input_tokens").asLong()).isEqualTo(9);

        String error = new String(writer.error(new GatewayException(HttpStatus.BAD_GATEWAY, "server_error", "upstream_error", null,
                "The provider broke off.")), StandardCharsets.UTF_8);
        assertThat(error).startsWith("event: error\n").contains("\"sequence_number\":15").contains("\"code\":\"upstream_error\"");
    }

    private static StreamChunk chunk(String json, TokenUsage usage) {
        return new StreamChunk(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8), usage, usage != null, null, false);
    }
}
