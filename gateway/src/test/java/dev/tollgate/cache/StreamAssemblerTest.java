package dev.tollgate.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.support.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class StreamAssemblerTest {

    private static final String TEXT_STREAM = """
            data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

            data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}

            data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":null}]}

            data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

            data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}

            data: [DONE]

            """;

    private static final String TOOL_STREAM = """
            data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}

            data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\":"}}]},"finish_reason":null}]}

            data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\\"Paris\\"}"}}]},"finish_reason":null}]}

            data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}

            data: [DONE]

            """;

    @Test
    void aTextStreamBecomesOneCompletionAndReplaysToTheSameStream() {
        byte[] completion = StreamAssembler.assemble(TEXT_STREAM.getBytes(StandardCharsets.UTF_8));
        JsonNode json = Json.MAPPER.readTree(completion);
        assertThat(json.path("object").asString()).isEqualTo("chat.completion");
        assertThat(json.path("choices").get(0).path("message").path("content").asString()).isEqualTo("Hello");
        assertThat(json.path("choices").get(0).path("finish_reason").asString()).isEqualTo("stop");
        assertThat(json.path("usage").path("total_tokens").asInt()).isEqualTo(7);

        ByteArrayOutputStream replayed = new ByteArrayOutputStream();
        StreamReplay.chunks(completion).forEach(chunk -> replayed.writeBytes(chunk.frame()));
        byte[] again = StreamAssembler.assemble(replayed.toByteArray());
        assertThat(Json.MAPPER.readTree(again)).isEqualTo(json);
    }

    @Test
    void streamedToolCallsAreJoined() {
        JsonNode json = Json.MAPPER.readTree(StreamAssembler.assemble(TOOL_STREAM.getBytes(StandardCharsets.UTF_8)));
        JsonNode message = json.path("choices").get(0).path("message");
        assertThat(message.path("content").isNull()).isTrue();
        JsonNode call = message.path("tool_calls").get(0);
        assertThat(call.path("id").asString()).isEqualTo("call_1");
        assertThat(call.path("function").path("name").asString()).isEqualTo("get_weather");
        assertThat(call.path("function").path("arguments").asString()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(json.path("choices").get(0).path("finish_reason").asString()).isEqualTo("tool_calls");
    }

    @Test
    void anIncompleteOrFailedStreamIsNotKept() {
        assertThat(StreamAssembler.assemble(TEXT_STREAM.replace("data: [DONE]", "").getBytes(StandardCharsets.UTF_8))).isNull();
        String failed = TEXT_STREAM.replace("data: [DONE]", "data: {\"error\":{\"message\":\"upstream went away\"}}");
        assertThat(StreamAssembler.assemble(failed.getBytes(StandardCharsets.UTF_8))).isNull();
        String unfinished = TEXT_STREAM.replace(",\"finish_reason\":\"stop\"", ",\"finish_reason\":null");
        assertThat(StreamAssembler.assemble(unfinished.getBytes(StandardCharsets.UTF_8))).isNull();
    }

    @Test
    void aStreamWithoutUsageGetsTheMeteredUsage() {
        String noUsage = TEXT_STREAM.replaceAll("data: \\{[^\\n]*\"usage\"[^\\n]*\\n\\n", "");
        byte[] completion = StreamAssembler.assemble(noUsage.getBytes(StandardCharsets.UTF_8));
        assertThat(Json.MAPPER.readTree(completion).has("usage")).isFalse();
        JsonNode json = Json.MAPPER.readTree(StreamAssembler.withUsage(completion, 12, 3));
        assertThat(json.path("usage").path("total_tokens").asInt()).isEqualTo(15);
        byte[] withOwn = StreamAssembler.assemble(TEXT_STREAM.getBytes(StandardCharsets.UTF_8));
        assertThat(StreamAssembler.withUsage(withOwn, 1, 1)).isSameAs(withOwn);
    }
}
