package dev.tollgate.provider.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.provider.StreamChunk;
import dev.tollgate.provider.TokenUsage;
import dev.tollgate.provider.Transport;
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

class GeminiMapperTest {

    private static ObjectNode json(String text) {
        return (ObjectNode) Json.MAPPER.readTree(text);
    }

    private static ObjectNode request(String chat) {
        return GeminiMapper.toGeminiRequest(json(chat));
    }

    private static JsonNode array(String json) {
        return json("{\"a\":" + json + "}").get("a");
    }

    // ------------------------------------------------------------ requests

    @Test
    void textWithSystemInstructionAndGenerationConfig() {
        ObjectNode out = request("""
                {"model":"gemini","messages":[
                  {"role":"system","content":"You are terse."},
                  {"role":"developer","content":[{"type":"text","text":"Answer in French."}]},
                  {"role":"user","content":"Hello"}],
                 "temperature":0.2,"top_p":0.9,"max_tokens":300,"max_completion_tokens":200,"stop":"END","seed":7,
                 "presence_penalty":0.5,"frequency_penalty":0.25,"user":"u-1","logprobs":false,"stream":true,"vendor_x":{"y":1}}""");
        assertThat(out).isEqualTo(json("""
                {"systemInstruction":{"parts":[{"text":"You are terse."},{"text":"Answer in French."}]},
                 "contents":[{"role":"user","parts":[{"text":"Hello"}]}],
                 "generationConfig":{"temperature":0.2,"topP":0.9,"maxOutputTokens":200,"stopSequences":["END"],"seed":7,
                                     "presencePenalty":0.5,"frequencyPenalty":0.25}}"""));
    }

    @Test
    void multiTurnMapsAssistantToModelAndNSetsTheCandidateCount() {
        ObjectNode out = request("""
                {"model":"m","n":3,"max_tokens":50,"stop":["a","b"],"messages":[
                  {"role":"user","content":"Hi"},
                  {"role":"assistant","content":"Hello! How can I help?"},
                  {"role":"user","content":[{"type":"text","text":"Tell a joke"},{"type":"text","text":""}]}]}""");
        assertThat(out.get("contents")).isEqualTo(array("""
                [{"role":"user","parts":[{"text":"Hi"}]},
                 {"role":"model","parts":[{"text":"Hello! How can I help?"}]},
                 {"role":"user","parts":[{"text":"Tell a joke"}]}]"""));
        assertThat(out.has("systemInstruction")).isFalse();
        assertThat(out.get("generationConfig")).isEqualTo(json("""
                {"maxOutputTokens":50,"stopSequences":["a","b"],"candidateCount":3}"""));
    }

    @Test
    void imagesInlineAsDataUrlsAndByUrlWithAGuessedMimeType() {
        ObjectNode out = request("""
                {"model":"m","messages":[{"role":"user","content":[
                  {"type":"text","text":"Compare"},
                  {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
                  {"type":"image_url","image_url":{"url":"https://example.com/cats/tabby.WEBP?size=large#x","detail":"high"}},
                  {"type":"image_url","image_url":{"url":"https://example.com/render"}},
                  {"type":"file","file":{"file_data":"data:application/pdf;base64,JVBERi0x"}}]}]}""");
        assertThat(out.path("contents").get(0).get("parts")).isEqualTo(array("""
                [{"text":"Compare"},
                 {"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}},
                 {"fileData":{"mimeType":"image/webp","fileUri":"https://example.com/cats/tabby.WEBP?size=large#x"}},
                 {"fileData":{"mimeType":"image/jpeg","fileUri":"https://example.com/render"}},
                 {"inlineData":{"mimeType":"application/pdf","data":"JVBERi0x"}}]"""));
        assertThat(GeminiMapper.mimeType("https://x.org/a.b/photo.jpg", "x")).isEqualTo("image/jpeg");
        assertThat(GeminiMapper.mimeType("https://x.org/a.b/photo", "x")).isEqualTo("x");
    }

    @Test
    void toolsToolChoiceAndToolResultsRoundTrip() {
        ObjectNode out = request("""
                {"model":"m","messages":[
                  {"role":"user","content":"Weather in Paris and the time?"},
                  {"role":"assistant","content":null,"tool_calls":[
                    {"id":"call_a1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"},
                     "extra_content":{"google":{"thought_signature":"CiQBcsjafE2Kw=="}}},
                    {"id":"call_b2","type":"function","function":{"name":"now","arguments":""}}]},
                  {"role":"tool","tool_call_id":"call_a1","content":"{\\"temp_c\\":18}"},
                  {"role":"tool","tool_call_id":"call_b2","content":"12:30"},
                  {"role":"user","content":"Thanks"}],
                 "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather",
                            "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}}},
                          {"type":"function","function":{"name":"now","parameters":{}}}],
                 "tool_choice":"required","parallel_tool_calls":false}""");
        assertThat(out.get("contents")).isEqualTo(array("""
                [{"role":"user","parts":[{"text":"Weather in Paris and the time?"}]},
                 {"role":"model","parts":[
                   {"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"CiQBcsjafE2Kw=="},
                   {"functionCall":{"name":"now","args":{}}}]},
                 {"role":"user","parts":[
                   {"functionResponse":{"name":"get_weather","response":{"temp_c":18}}},
                   {"functionResponse":{"name":"now","response":{"result":"12:30"}}}]},
                 {"role":"user","parts":[{"text":"Thanks"}]}]"""));
        assertThat(out.get("tools")).isEqualTo(array("""
                [{"functionDeclarations":[
                   {"name":"get_weather","description":"Current weather",
                    "parametersJsonSchema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}},
                   {"name":"now"}]}]"""));
        assertThat(out.get("toolConfig")).isEqualTo(json("{\"functionCallingConfig\":{\"mode\":\"ANY\"}}"));
        assertThat(out.has("generationConfig")).isFalse();
    }

    @Test
    void toolChoiceVariantsAndUnsignedCallsGetTheDocumentedPlaceholder() {
        String tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]";
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]";
        assertThat(request("{" + messages + "," + tools + ",\"tool_choice\":\"auto\"}").get("toolConfig"))
                .isEqualTo(json("{\"functionCallingConfig\":{\"mode\":\"AUTO\"}}"));
        assertThat(request("{" + messages + "," + tools + ",\"tool_choice\":\"none\"}").get("toolConfig"))
                .isEqualTo(json("{\"functionCallingConfig\":{\"mode\":\"NONE\"}}"));
        assertThat(request("{" + messages + "," + tools + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"f\"}}}").get("toolConfig"))
                .isEqualTo(json("{\"functionCallingConfig\":{\"mode\":\"ANY\",\"allowedFunctionNames\":[\"f\"]}}"));
        assertThat(request("{" + messages + "," + tools + "}").has("toolConfig")).isFalse();

        // A call that lost its signature (another vendor's history, a client that drops extra fields).
        ObjectNode out = request("""
                {"messages":[{"role":"user","content":"x"},
                  {"role":"assistant","content":"Checking.","tool_calls":[
                    {"id":"toolu_1","type":"function","function":{"name":"f","arguments":"{}"}},
                    {"id":"toolu_2","type":"function","function":{"name":"f","arguments":"{\\"a\\":1}"}}]},
                  {"role":"tool","tool_call_id":"toolu_1","content":[{"type":"text","text":"[1,2]"}]},
                  {"role":"tool","tool_call_id":"toolu_2","content":"not json"}]}""");
        assertThat(out.path("contents").get(1)).isEqualTo(json("""
                {"role":"model","parts":[{"text":"Checking."},
                  {"functionCall":{"name":"f","args":{}},"thoughtSignature":"skip_thought_signature_validator"},
                  {"functionCall":{"name":"f","args":{"a":1}}}]}"""));
        assertThat(out.path("contents").get(2).get("parts")).isEqualTo(array("""
                [{"functionResponse":{"name":"f","response":{"result":[1,2]}}},
                 {"functionResponse":{"name":"f","response":{"result":"not json"}}}]"""));
    }

    @Test
    void jsonModeAndJsonSchema() {
        assertThat(request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"response_format\":{\"type\":\"json_object\"}}")
                .get("generationConfig")).isEqualTo(json("{\"responseMimeType\":\"application/json\"}"));
        assertThat(request("""
                {"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"city","strict":true,
                  "schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}}""")
                .get("generationConfig")).isEqualTo(json("""
                {"responseMimeType":"application/json",
                 "responseJsonSchema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}"""));
        assertThat(request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"response_format\":{\"type\":\"text\"}}")
                .has("generationConfig")).isFalse();
    }

    @Test
    void refusesWhatGeminiCannotDo() {
        assertThatThrownBy(() -> request("{\"messages\":[{\"role\":\"function\",\"name\":\"f\",\"content\":\"x\"}]}"))
                .isInstanceOfSatisfying(UnsupportedRequest.class, e -> assertThat(e.param()).isEqualTo("messages[0].role"));
        assertThatThrownBy(() -> request("{\"messages\":[{\"role\":\"tool\",\"tool_call_id\":\"call_9\",\"content\":\"x\"}]}"))
                .isInstanceOfSatisfying(UnsupportedRequest.class,
                        e -> assertThat(e.getMessage()).contains("no earlier assistant message has a tool call with id 'call_9'"));
        assertThatThrownBy(() -> request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"web_search\"}]}"))
                .isInstanceOfSatisfying(UnsupportedRequest.class, e -> assertThat(e.param()).isEqualTo("tools[0].type"));
        assertThatThrownBy(() -> request("""
                {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,rawbytes"}}]}]}"""))
                .isInstanceOfSatisfying(UnsupportedRequest.class,
                        e -> assertThat(e.param()).isEqualTo("messages[0].content[0].image_url.url"));
        assertThatThrownBy(() -> request("""
                {"messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[
                  {"id":"c","type":"function","function":{"name":"f","arguments":"[1]"}}]}]}"""))
                .isInstanceOf(UnsupportedRequest.class);
        assertThatThrownBy(() -> request("""
                {"messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}"""))
                .isInstanceOf(UnsupportedRequest.class);
    }

    // ------------------------------------------------------------ responses

    static final String TEXT_RESPONSE = """
            {
              "candidates": [
                {
                  "content": {"parts": [{"text": "Hello! "}, {"text": "How can I help?"}], "role": "model"},
                  "finishReason": "STOP",
                  "index": 0
                }
              ],
              "usageMetadata": {
                "promptTokenCount": 1210,
                "candidatesTokenCount": 9,
                "totalTokenCount": 1254,
                "cachedContentTokenCount": 1024,
                "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 1210}],
                "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": 1024}],
                "thoughtsTokenCount": 35
              },
              "modelVersion": "gemini-2.5-flash",
              "responseId": "mAitaLmkHPPlz7IPvtfUqQ4"
            }""";

    @Test
    void textResponseWithUsageIncludingCachedAndThinkingTokens() {
        ObjectNode out = GeminiMapper.toChatCompletion(json(TEXT_RESPONSE), "fallback", 1_700_000_000L);
        assertThat(json(out.toString())).isEqualTo(json("""
                {"id":"mAitaLmkHPPlz7IPvtfUqQ4","object":"chat.completion","created":1700000000,"model":"gemini-2.5-flash",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help?","refusal":null,"annotations":[]},
                             "logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":1210,"completion_tokens":44,"total_tokens":1254,
                          "prompt_tokens_details":{"cached_tokens":1024},"completion_tokens_details":{"reasoning_tokens":35}}}"""));
        assertThat(GeminiMapper.usage(json(TEXT_RESPONSE).get("usageMetadata"))).isEqualTo(new TokenUsage(1210, 44, 1024, false));
        assertThat(GeminiMapper.usage(json("{\"totalTokenCount\":0}"))).isNull();
        assertThat(GeminiMapper.usage(null)).isNull();
    }

    @Test
    void functionCallsBecomeToolCallsWithGeneratedIdsAndArgumentStrings() {
        ObjectNode out = GeminiMapper.toChatCompletion(json("""
                {"candidates":[{"content":{"role":"model","parts":[
                    {"text":"thinking about it","thought":true},
                    {"functionCall":{"name":"get_weather","args":{"city":"Paris","unit":"celsius"}},"thoughtSignature":"CiQBcsjafE2Kw=="},
                    {"functionCall":{"name":"now"}}]},
                  "finishReason":"STOP","index":0}],
                 "usageMetadata":{"promptTokenCount":70,"candidatesTokenCount":20,"totalTokenCount":90},
                 "modelVersion":"gemini-3-pro-preview","responseId":"r-1"}"""), "m", 1L);
        JsonNode message = out.path("choices").get(0).get("message");
        assertThat(message.get("content").isNull()).isTrue();
        assertThat(out.path("choices").get(0).get("finish_reason").asString()).isEqualTo("tool_calls");
        JsonNode first = message.path("tool_calls").get(0);
        assertThat(first.get("id").asString()).matches("call_[A-Za-z0-9]{24}");
        assertThat(first.get("type").asString()).isEqualTo("function");
        assertThat(first.get("function")).isEqualTo(json("{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\",\\\"unit\\\":\\\"celsius\\\"}\"}"));
        assertThat(first.get("extra_content")).isEqualTo(json("{\"google\":{\"thought_signature\":\"CiQBcsjafE2Kw==\"}}"));
        JsonNode second = message.path("tool_calls").get(1);
        assertThat(second.get("function")).isEqualTo(json("{\"name\":\"now\",\"arguments\":\"{}\"}"));
        assertThat(second.has("extra_content")).isFalse();
        assertThat(second.get("id").asString()).isNotEqualTo(first.get("id").asString());
        assertThat(out.path("usage").path("completion_tokens_details").get("reasoning_tokens").asLong()).isZero();

        // The client sends the call back: the signature and the function name travel back with it.
        String back = """
                {"messages":[{"role":"user","content":"Weather?"},%s,
                  {"role":"tool","tool_call_id":"%s","content":"sunny"}]}""".formatted(message, first.get("id").asString());
        ObjectNode sent = request(back);
        assertThat(sent.path("contents").get(1).path("parts").get(0)).isEqualTo(json("""
                {"functionCall":{"name":"get_weather","args":{"city":"Paris","unit":"celsius"}},"thoughtSignature":"CiQBcsjafE2Kw=="}"""));
        assertThat(sent.path("contents").get(2)).isEqualTo(json("""
                {"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"result":"sunny"}}}]}"""));
    }

    @Test
    void severalCandidatesBecomeSeveralChoices() {
        ObjectNode out = GeminiMapper.toChatCompletion(json("""
                {"candidates":[
                   {"content":{"parts":[{"text":"Red"}],"role":"model"},"finishReason":"STOP","index":0},
                   {"content":{"parts":[{"text":"Blue and"}],"role":"model"},"finishReason":"MAX_TOKENS","index":1}],
                 "usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":4,"totalTokenCount":9},"modelVersion":"gemini-2.0-flash"}"""),
                "m", 1L);
        assertThat(out.get("choices")).hasSize(2);
        assertThat(out.path("choices").get(1).get("index").asInt()).isEqualTo(1);
        assertThat(out.path("choices").get(1).path("message").get("content").asString()).isEqualTo("Blue and");
        assertThat(out.path("choices").get(1).get("finish_reason").asString()).isEqualTo("length");
        assertThat(out.get("id").asString()).startsWith("gen-");
    }

    @Test
    void safetyStopsAndBlockedPrompts() {
        ObjectNode filtered = GeminiMapper.toChatCompletion(json("""
                {"candidates":[{"finishReason":"SAFETY","index":0,"safetyRatings":[
                   {"category":"HARM_CATEGORY_DANGEROUS_CONTENT","probability":"HIGH","blocked":true}]}],
                 "usageMetadata":{"promptTokenCount":12,"totalTokenCount":12},"modelVersion":"gemini-2.5-flash"}"""), "m", 1L);
        JsonNode choice = filtered.path("choices").get(0);
        assertThat(choice.get("finish_reason").asString()).isEqualTo("content_filter");
        assertThat(choice.path("message").get("content").asString()).isEmpty();

        for (String reason : List.of("RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII")) {
            assertThat(GeminiMapper.finishReason(reason, false)).as(reason).isEqualTo("content_filter");
        }
        assertThat(GeminiMapper.finishReason("STOP", false)).isEqualTo("stop");
        assertThat(GeminiMapper.finishReason("STOP", true)).isEqualTo("tool_calls");
        assertThat(GeminiMapper.finishReason("MAX_TOKENS", true)).isEqualTo("length");
        assertThat(GeminiMapper.finishReason("MALFORMED_FUNCTION_CALL", false)).isEqualTo("stop");

        JsonNode blocked = json("""
                {"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},
                 "usageMetadata":{"promptTokenCount":8,"totalTokenCount":8},"modelVersion":"gemini-2.5-flash"}""");
        assertThat(GeminiMapper.promptBlockReason(blocked)).isEqualTo("PROHIBITED_CONTENT");
        assertThat(GeminiMapper.promptBlockReason(json(TEXT_RESPONSE))).isNull();
        UpstreamException e = GeminiAdapter.promptBlocked("gemini", "PROHIBITED_CONTENT");
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.retryable()).isFalse();
        assertThat(e.errorType()).isEqualTo("invalid_request_error");
        assertThat(e.errorCode()).isEqualTo("content_filter");
        assertThat(e.getMessage()).contains("blockReason: PROHIBITED_CONTENT");
    }

    // ------------------------------------------------------------ streaming

    static final String TEXT_STREAM = """
            data: {"candidates": [{"content": {"parts": [{"text": "Hello"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 1030,"totalTokenCount": 1030,"cachedContentTokenCount": 1000},"modelVersion": "gemini-2.5-flash","responseId": "Zq9AaL2gIs2Hz7IP0qH3wQs"}

            data: {"candidates": [{"content": {"parts": [{"text": " there, friend"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 1030,"totalTokenCount": 1030,"cachedContentTokenCount": 1000},"modelVersion": "gemini-2.5-flash","responseId": "Zq9AaL2gIs2Hz7IP0qH3wQs"}

            data: {"candidates": [{"content": {"parts": [{"text": "!"}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 1030,"candidatesTokenCount": 6,"totalTokenCount": 1056,"cachedContentTokenCount": 1000,"thoughtsTokenCount": 20},"modelVersion": "gemini-2.5-flash","responseId": "Zq9AaL2gIs2Hz7IP0qH3wQs"}

            """;

    static final String TOOL_STREAM = """
            data: {"candidates": [{"content": {"parts": [{"text": "Let me check."}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 95,"totalTokenCount": 95},"modelVersion": "gemini-3-pro-preview","responseId": "t-7"}

            data: {"candidates": [{"content": {"parts": [{"functionCall": {"name": "get_weather","args": {"city": "Boston"}},"thoughtSignature": "EpYCCpMCAdHtim9"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 95,"totalTokenCount": 95},"modelVersion": "gemini-3-pro-preview","responseId": "t-7"}

            data: {"candidates": [{"content": {"parts": [{"functionCall": {"name": "get_time","args": {}}}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 95,"candidatesTokenCount": 30,"totalTokenCount": 180,"thoughtsTokenCount": 55},"modelVersion": "gemini-3-pro-preview","responseId": "t-7"}

            """;

    /** The transcript through the real SSE splitter, cut into two reads at {@code cut}. */
    static List<StreamChunk> translate(String transcript, int cut) {
        byte[] bytes = transcript.getBytes(StandardCharsets.UTF_8);
        SseSplitter splitter = new SseSplitter();
        GeminiMapper.StreamTranslator translator = new GeminiMapper.StreamTranslator("gemini", "fallback", 1_700_000_000L);
        List<StreamChunk> out = new ArrayList<>(translator.accept(splitter.feed(Arrays.copyOfRange(bytes, 0, cut))));
        out.addAll(translator.accept(splitter.feed(Arrays.copyOfRange(bytes, cut, bytes.length))));
        SseSplitter.Event last = splitter.flush();
        if (last != null) {
            out.addAll(translator.accept(List.of(last)));
        }
        out.addAll(translator.end());
        return out;
    }

    static List<StreamChunk> translate(String transcript) {
        return translate(transcript, transcript.length() / 3);
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
        List<StreamChunk> chunks = translate(TEXT_STREAM);
        assertThat(chunks).hasSize(7);
        assertThat(payload(chunks.get(0))).isEqualTo(json("""
                {"id":"Zq9AaL2gIs2Hz7IP0qH3wQs","object":"chat.completion.chunk","created":1700000000,"model":"gemini-2.5-flash",
                 "choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],
                 "usage":null}"""));
        assertThat(chunks).extracting(StreamChunk::text).containsExactly(null, "Hello", " there, friend", "!", null, null, null);
        assertThat(delta(chunks.get(2)).get("content").asString()).isEqualTo(" there, friend");
        JsonNode finish = payload(chunks.get(4)).path("choices").get(0);
        assertThat(finish.get("finish_reason").asString()).isEqualTo("stop");
        assertThat(finish.get("delta")).isEqualTo(json("{}"));

        StreamChunk usage = chunks.get(5);
        assertThat(usage.usageOnly()).isTrue();
        assertThat(usage.usage()).isEqualTo(new TokenUsage(1030, 26, 1000, false));
        assertThat(payload(usage).get("choices").isEmpty()).isTrue();
        assertThat(payload(usage).path("usage").get("prompt_tokens_details")).isEqualTo(json("{\"cached_tokens\":1000}"));
        assertThat(chunks.get(6).done()).isTrue();
        assertThat(chunks.get(6).frame()).isEqualTo(SseFrames.DONE);
        assertThat(chunks.subList(0, 5)).allSatisfy(c -> assertThat(c.usageOnly()).isFalse());
    }

    @Test
    void theResultDoesNotDependOnWhereTheNetworkCutTheBytes() {
        List<String> whole = translate(TEXT_STREAM, 1).stream().map(c -> new String(c.frame(), StandardCharsets.UTF_8)).toList();
        for (int cut = 1; cut < TEXT_STREAM.length(); cut += 29) {
            assertThat(translate(TEXT_STREAM, cut)).extracting(c -> new String(c.frame(), StandardCharsets.UTF_8))
                    .as("cut at %d", cut).isEqualTo(whole);
        }
    }

    @Test
    void streamedFunctionCallsBecomeIndexedToolCallDeltas() {
        List<StreamChunk> chunks = translate(TOOL_STREAM);
        List<JsonNode> deltas = chunks.stream().filter(c -> !c.done() && !c.usageOnly()).map(GeminiMapperTest::delta).toList();
        assertThat(deltas).hasSize(5);
        assertThat(deltas.get(0).get("role").asString()).isEqualTo("assistant");
        assertThat(deltas.get(1).get("content").asString()).isEqualTo("Let me check.");
        JsonNode first = deltas.get(2).path("tool_calls").get(0);
        assertThat(first.get("index").asInt()).isEqualTo(0);
        assertThat(first.get("id").asString()).startsWith("call_");
        assertThat(first.get("function")).isEqualTo(json("{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Boston\\\"}\"}"));
        assertThat(first.path("extra_content").path("google").get("thought_signature").asString()).isEqualTo("EpYCCpMCAdHtim9");
        JsonNode second = deltas.get(3).path("tool_calls").get(0);
        assertThat(second.get("index").asInt()).isEqualTo(1);
        assertThat(second.get("function")).isEqualTo(json("{\"name\":\"get_time\",\"arguments\":\"{}\"}"));
        assertThat(payload(chunks.get(4)).path("choices").get(0).get("finish_reason").asString()).isEqualTo("tool_calls");
        assertThat(chunks.get(5).usage()).isEqualTo(new TokenUsage(95, 85, 0, false));
        assertThat(chunks.get(6).done()).isTrue();
    }

    @Test
    void severalCandidatesStreamAsSeveralChoices() {
        String transcript = """
                data: {"candidates":[{"content":{"parts":[{"text":"Red"}],"role":"model"},"index":0},{"content":{"parts":[{"text":"Blue"}],"role":"model"},"index":1}],"modelVersion":"gemini-2.0-flash"}

                data: {"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"STOP","index":0},{"content":{"parts":[{"text":"!"}],"role":"model"},"finishReason":"STOP","index":1}],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":3,"totalTokenCount":7},"modelVersion":"gemini-2.0-flash"}

                """;
        List<StreamChunk> chunks = translate(transcript);
        List<String> indexed = chunks.stream().filter(c -> !c.done() && !c.usageOnly())
                .map(c -> payload(c).path("choices").get(0)).map(c -> c.get("index").asInt() + ":" + c.get("delta")
                        + ":" + c.get("finish_reason").asString(""))
                .toList();
        assertThat(indexed).containsExactly(
                "0:{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}:", "0:{\"content\":\"Red\"}:",
                "1:{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}:", "1:{\"content\":\"Blue\"}:",
                "0:{}:stop", "1:{\"content\":\"!\"}:", "1:{}:stop");
        assertThat(chunks.get(chunks.size() - 2).usage()).isEqualTo(new TokenUsage(4, 3, 0, false));
    }

    @Test
    void aSafetyStopInTheStreamIsAContentFilterFinish() {
        List<StreamChunk> chunks = translate("""
                data: {"candidates":[{"content":{"parts":[{"text":"Here is how"}],"role":"model"},"index":0}],"modelVersion":"gemini-2.5-flash"}

                data: {"candidates":[{"finishReason":"SAFETY","index":0,"safetyRatings":[{"category":"HARM_CATEGORY_DANGEROUS_CONTENT","probability":"HIGH","blocked":true}]}],"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":3,"totalTokenCount":12}}

                """);
        assertThat(payload(chunks.get(2)).path("choices").get(0).get("finish_reason").asString()).isEqualTo("content_filter");
    }

    @Test
    void aBlockedPromptOrAnErrorEventBeforeAnyContentFailsWithoutEmittingAnything() {
        GeminiMapper.StreamTranslator blocked = new GeminiMapper.StreamTranslator("gemini", "m", 1L);
        assertThatThrownBy(() -> blocked.accept("""
                {"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"HIGH"}]},"usageMetadata":{"promptTokenCount":7,"totalTokenCount":7},"modelVersion":"gemini-2.5-flash"}"""))
                .isInstanceOfSatisfying(UpstreamException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.errorCode()).isEqualTo("content_filter");
                    assertThat(e.getMessage()).contains("blockReason: SAFETY");
                });

        GeminiMapper.StreamTranslator overloaded = new GeminiMapper.StreamTranslator("gemini", "m", 1L);
        // A first event with nothing in it yet emits nothing: the role chunk waits for content.
        assertThat(overloaded.accept("""
                {"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"index":0}],"modelVersion":"gemini-2.5-pro"}""")).isEmpty();
        assertThatThrownBy(() -> overloaded.accept("""
                {"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}"""))
                .isInstanceOfSatisfying(UpstreamException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.errorType()).isEqualTo("server_error");
                    assertThat(e.getMessage()).isEqualTo("provider 'gemini' answered 503: The model is overloaded. Please try again later.");
                });
        GeminiMapper.StreamTranslator byStatus = new GeminiMapper.StreamTranslator("gemini", "m", 1L);
        assertThatThrownBy(() -> byStatus.accept("{\"error\":{\"message\":\"Quota\",\"status\":\"RESOURCE_EXHAUSTED\"}}"))
                .isInstanceOfSatisfying(UpstreamException.class, e -> assertThat(e.status()).isEqualTo(429));
    }

    @Test
    void aStreamThatEndsBeforeAFinishReasonIsBroken() {
        String cut = TEXT_STREAM.substring(0, TEXT_STREAM.lastIndexOf("data: "));
        assertThatThrownBy(() -> translate(cut))
                .isInstanceOfSatisfying(UpstreamException.class, e -> {
                    assertThat(e.kind()).isEqualTo(UpstreamException.Kind.CONNECTION_CLOSED);
                    assertThat(e.retryable()).isTrue();
                });
        assertThatThrownBy(() -> new GeminiMapper.StreamTranslator("gemini", "m", 1L).end())
                .isInstanceOf(UpstreamException.class);
        GeminiMapper.StreamTranslator translator = new GeminiMapper.StreamTranslator("gemini", "m", 1L);
        assertThatThrownBy(() -> translator.accept("{not json"))
                .isInstanceOfSatisfying(UpstreamException.class, e -> assertThat(e.kind()).isEqualTo(UpstreamException.Kind.PROTOCOL));
    }

    // ------------------------------------------------------------ errors

    private static UpstreamException error(int status, String body, String retryAfter) {
        return GeminiAdapter.httpError("gemini", status, body.getBytes(StandardCharsets.UTF_8), Transport.retryAfter(retryAfter));
    }

    private static String body(int code, String status, String message) {
        return "{\"error\":{\"code\":" + code + ",\"message\":\"" + message + "\",\"status\":\"" + status + "\"}}";
    }

    @Test
    void errorTable() {
        UpstreamException tooLong = error(400, body(400, "INVALID_ARGUMENT",
                "The input token count (1245678) exceeds the maximum number of tokens allowed (1048576)."), null);
        assertThat(tooLong.retryable()).isFalse();
        assertThat(tooLong.errorType()).isEqualTo("invalid_request_error");
        assertThat(tooLong.errorCode()).isEqualTo("context_length_exceeded");
        assertThat(tooLong.getMessage()).isEqualTo(
                "provider 'gemini' answered 400: The input token count (1245678) exceeds the maximum number of tokens allowed (1048576).");

        UpstreamException invalid = error(400, "[" + body(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unknown name \\\"foo\\\"") + "]", null);
        assertThat(invalid.errorCode()).isEqualTo("invalid_argument");
        assertThat(invalid.getMessage()).endsWith("Invalid JSON payload received. Unknown name \"foo\"");

        UpstreamException precondition = error(400, body(400, "FAILED_PRECONDITION",
                "User location is not supported for the API use."), null);
        assertThat(precondition.retryable()).isFalse();
        assertThat(precondition.errorCode()).isEqualTo("failed_precondition");

        UpstreamException badKey = error(400, """
                {"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT",
                  "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}""", null);
        assertThat(badKey.status()).isEqualTo(401);
        assertThat(badKey.retryable()).isFalse();
        assertThat(badKey.errorType()).isEqualTo("authentication_error");

        UpstreamException denied = error(403, body(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers."), null);
        assertThat(denied.retryable()).isFalse();
        assertThat(denied.errorType()).isEqualTo("permission_error");

        UpstreamException notFound = error(404, body(404, "NOT_FOUND",
                "models/gemini-9 is not found for API version v1beta, or is not supported for generateContent."), null);
        assertThat(notFound.retryable()).isFalse();
        assertThat(notFound.errorType()).isEqualTo("invalid_request_error");
        assertThat(notFound.errorCode()).isEqualTo("not_found");

        UpstreamException quota = error(429, """
                {"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details.",
                  "status":"RESOURCE_EXHAUSTED","details":[
                   {"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests"}]},
                   {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"22s"}]}}""", null);
        assertThat(quota.retryable()).isTrue();
        assertThat(quota.retryAfter()).isEqualTo(Duration.ofSeconds(22));
        assertThat(quota.errorType()).isEqualTo("rate_limit_exceeded");
        assertThat(quota.errorCode()).isEqualTo("resource_exhausted");
        // The header wins over the body.
        assertThat(error(429, body(429, "RESOURCE_EXHAUSTED", "Quota"), "3").retryAfter()).isEqualTo(Duration.ofSeconds(3));

        UpstreamException unavailable = error(503, body(503, "UNAVAILABLE", "The model is overloaded. Please try again later."), null);
        assertThat(unavailable.retryable()).isTrue();
        assertThat(unavailable.errorType()).isEqualTo("server_error");
        assertThat(unavailable.label()).isEqualTo("503");
        assertThat(error(500, body(500, "INTERNAL", "An internal error has occurred."), null).retryable()).isTrue();
        assertThat(error(504, body(504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete."), null).retryable()).isTrue();
        assertThat(error(502, "<html><body>502 Bad Gateway</body></html>", null).getMessage())
                .isEqualTo("provider 'gemini' answered 502: <html><body>502 Bad Gateway</body></html>");
        assertThat(error(500, "", null).getMessage()).isEqualTo("provider 'gemini' answered 500: HTTP 500");

        assertThat(GeminiAdapter.statusOf("RESOURCE_EXHAUSTED")).isEqualTo(429);
        assertThat(GeminiAdapter.statusOf("UNAVAILABLE")).isEqualTo(503);
        assertThat(GeminiAdapter.statusOf("SOMETHING_NEW")).isEqualTo(500);
    }
}
