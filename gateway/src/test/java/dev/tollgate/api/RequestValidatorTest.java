package dev.tollgate.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {

    private static LlmRequest chat(String json) {
        return RequestValidator.validate(Endpoint.CHAT_COMPLETIONS, JsonBody.parse(json.getBytes(StandardCharsets.UTF_8)));
    }

    private static void rejects(String json, String param, String message) {
        assertThatThrownBy(() -> chat(json))
                .isInstanceOf(GatewayException.class)
                .hasMessageContaining(message)
                .satisfies(e -> {
                    assertThat(((GatewayException) e).param()).isEqualTo(param);
                    assertThat(((GatewayException) e).status().value()).isEqualTo(400);
                });
    }

    @Test
    void acceptsAFullChatRequestAndReadsItsFacts() {
        LlmRequest r = chat("""
                {"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"hi"}]},
                 {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
                 {"role":"tool","tool_call_id":"c1","content":"42"}],
                 "stream":true,"stream_options":{"include_usage":true},"n":2,"max_completion_tokens":100,"stop":["x","y"],
                 "tools":[{"type":"function","function":{"name":"f","parameters":{}}}],"response_format":{"type":"json_object"},
                 "user":"u-1","some_new_vendor_field":{"a":1}}""");
        assertThat(r.model()).isEqualTo("m");
        assertThat(r.stream()).isTrue();
        assertThat(r.clientWantsUsage()).isTrue();
        assertThat(r.choices()).isEqualTo(2);
        assertThat(r.maxOutputTokens()).isEqualTo(100);
        assertThat(r.user()).isEqualTo("u-1");
    }

    @Test
    void saysWhichFieldIsWrong() {
        rejects("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "model", "Missing required parameter: 'model'");
        rejects("{\"model\":\"m\"}", "messages", "Missing required parameter: 'messages'");
        rejects("{\"model\":\"m\",\"messages\":[]}", "messages", "non-empty array");
        rejects("{\"model\":\"m\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}", "messages[0].role", "'robot' is not one of");
        rejects("{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}]}", "messages[0].content", "required for role 'user'");
        rejects("{\"model\":\"m\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}", "messages[0].tool_call_id", "required for role 'tool'");
        rejects("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":3}", "temperature", "out of range");
        rejects("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":\"2\"}", "n", "expected an integer");
        rejects("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":\"yes\"}", "stream", "expected a boolean");
        rejects("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream_options\":{\"include_usage\":true}}",
                "stream_options", "only allowed when 'stream' is enabled");
        rejects("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop\":[1]}", "stop", "must be a string");
        rejects("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\",\"function\":{}}]}",
                "tools[0].function.name", "required");
        rejects("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"response_format\":{\"type\":\"xml\"}}",
                "response_format", "expected {\"type\"");
        rejects("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":0}", "max_tokens", "out of range");
    }

    @Test
    void validatesEmbeddingsAndCompletions() {
        assertThatThrownBy(() -> RequestValidator.validate(Endpoint.EMBEDDINGS,
                JsonBody.parse("{\"model\":\"e\",\"input\":\"x\",\"encoding_format\":\"hex\"}".getBytes())))
                .hasMessageContaining("encoding_format");
        assertThatThrownBy(() -> RequestValidator.validate(Endpoint.EMBEDDINGS, JsonBody.parse("{\"model\":\"e\"}".getBytes())))
                .hasMessageContaining("'input'");
        assertThatThrownBy(() -> RequestValidator.validate(Endpoint.COMPLETIONS, JsonBody.parse("{\"model\":\"e\"}".getBytes())))
                .hasMessageContaining("'prompt'");
        LlmRequest ok = RequestValidator.validate(Endpoint.EMBEDDINGS,
                JsonBody.parse("{\"model\":\"e\",\"input\":[\"a\",\"b\"],\"encoding_format\":\"base64\"}".getBytes()));
        assertThat(ok.stream()).isFalse();
    }
}
