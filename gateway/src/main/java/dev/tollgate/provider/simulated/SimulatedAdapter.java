package dev.tollgate.provider.simulated;

import dev.tollgate.api.Endpoint;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.embedding.Embedding;
import dev.tollgate.provider.ProviderAdapter;
import dev.tollgate.provider.ProviderRequest;
import dev.tollgate.provider.ProviderResponse;
import dev.tollgate.provider.StreamChunk;
import dev.tollgate.provider.TokenUsage;
import dev.tollgate.provider.UpstreamException;
import dev.tollgate.streaming.SseFrames;
import dev.tollgate.support.TokenCounter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import dev.tollgate.support.Json;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A provider that is not there: deterministic text (the same request gives the same answer),
 * realistic token counts (o200k tokenizer), configurable time to first token, tokens per second
 * and failure rate. For offline demos, client CI and load tests; it never answers a question.
 * It honours the OpenAI shapes: tools (it calls the first tool), JSON mode, {@code n}, usage.
 */
public class SimulatedAdapter implements ProviderAdapter {

    private static final JsonMapper JSON = Json.MAPPER;
    private static final String[] WORDS = ("the gateway routes every request through a chain of small filters that "
            + "check keys count tokens enforce budgets cache answers and pick a provider with fallback so "
            + "applications keep working when one vendor is slow or down while each call is metered in dollars")
            .split(" ");

    private final TollgateConfig.Provider provider;
    private final TollgateConfig.Simulation sim;

    public SimulatedAdapter(TollgateConfig.Provider provider) {
        this.provider = provider;
        this.sim = provider.simulation();
    }

    @Override
    public Mono<ProviderResponse> call(ProviderRequest request) {
        return Mono.defer(() -> {
            failMaybe();
            LlmRequest llm = request.request();
            if (llm.endpoint() == Endpoint.EMBEDDINGS) {
                return Mono.just(embeddings(request));
            }
            Answer answer = answer(request);
            Duration generation = sim.ttft().plus(perToken().multipliedBy(answer.outputTokens()));
            ObjectNode root = envelope(request, llm.endpoint() == Endpoint.CHAT_COMPLETIONS ? "chat.completion" : "text_completion");
            ArrayNode choices = root.putArray("choices");
            for (int i = 0; i < llm.choices(); i++) {
                ObjectNode choice = choices.addObject();
                choice.put("index", i);
                if (llm.endpoint() == Endpoint.CHAT_COMPLETIONS) {
                    ObjectNode message = choice.putObject("message");
                    message.put("role", "assistant");
                    if (answer.toolName() != null) {
                        message.putNull("content");
                        ArrayNode calls = message.putArray("tool_calls");
                        ObjectNode call = calls.addObject();
                        call.put("id", "call_" + Long.toHexString(answer.seed() + i));
                        call.put("type", "function");
                        call.putObject("function").put("name", answer.toolName()).put("arguments", answer.text());
                    } else {
                        message.put("content", answer.text());
                    }
                    message.putNull("refusal");
                    message.putArray("annotations");
                    choice.putNull("logprobs");
                } else {
                    choice.put("text", answer.text());
                    choice.putNull("logprobs");
                }
                choice.put("finish_reason", answer.finishReason());
            }
            TokenUsage usage = new TokenUsage(answer.inputTokens(), (long) answer.outputTokens() * llm.choices(), 0, false);
            putUsage(root, usage);
            return Mono.delay(generation).thenReturn(new ProviderResponse(JSON.writeValueAsBytes(root), usage));
        });
    }

    @Override
    public Flux<StreamChunk> stream(ProviderRequest request) {
        return Flux.defer(() -> {
            failMaybe();
            LlmRequest llm = request.request();
            boolean chat = llm.endpoint() == Endpoint.CHAT_COMPLETIONS;
            Answer answer = answer(request);
            List<String> pieces = answer.pieces();
            ObjectNode base = envelope(request, chat ? "chat.completion.chunk" : "text_completion");
            Flux<StreamChunk> first = Flux.empty();
            if (chat) {
                first = Flux.range(0, llm.choices()).map(i -> {
                    ObjectNode delta = JSON.createObjectNode().put("role", "assistant");
                    if (answer.toolName() == null) {
                        delta.put("content", "");
                    } else {
                        delta.putNull("content");
                        ObjectNode call = delta.putArray("tool_calls").addObject();
                        call.put("index", 0).put("id", "call_" + Long.toHexString(answer.seed() + i)).put("type", "function");
                        call.putObject("function").put("name", answer.toolName()).put("arguments", "");
                    }
                    delta.putNull("refusal");
                    return chunk(base, i, delta, null, null);
                });
            }
            Flux<StreamChunk> body = Flux.fromIterable(pieces)
                    .delayElements(perToken())
                    .concatMap(piece -> Flux.range(0, llm.choices()).map(i -> {
                        ObjectNode delta = JSON.createObjectNode();
                        if (!chat) {
                            return chunk(base, i, null, piece, null);
                        }
                        if (answer.toolName() == null) {
                            delta.put("content", piece);
                        } else {
                            ObjectNode call = delta.putArray("tool_calls").addObject();
                            call.put("index", 0).putObject("function").put("arguments", piece);
                        }
                        return chunk(base, i, delta, null, null);
                    }));
            Flux<StreamChunk> finish = Flux.range(0, llm.choices())
                    .map(i -> chunk(base, i, chat ? JSON.createObjectNode() : null, chat ? null : "", answer.finishReason()));
            TokenUsage usage = new TokenUsage(answer.inputTokens(), (long) answer.outputTokens() * llm.choices(), 0, false);
            ObjectNode usageChunk = base.deepCopy();
            usageChunk.putArray("choices");
            putUsage(usageChunk, usage);
            Flux<StreamChunk> tail = Flux.just(
                    new StreamChunk(SseFrames.data(JSON.writeValueAsBytes(usageChunk)), usage, true, null, false),
                    StreamChunk.done(SseFrames.DONE));
            return Flux.concat(first, body, finish, tail).delaySubscription(sim.ttft());
        });
    }

    private StreamChunk chunk(ObjectNode base, int index, ObjectNode delta, String text, String finishReason) {
        ObjectNode chunk = base.deepCopy();
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", index);
        if (delta != null) {
            choice.set("delta", delta);
        } else {
            choice.put("text", text);
        }
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        chunk.putNull("usage");
        String generated = delta != null ? delta.path("content").asString(null) : text;
        if (generated == null && delta != null) {
            generated = delta.path("tool_calls").path(0).path("function").path("arguments").asString(null);
        }
        return new StreamChunk(SseFrames.data(JSON.writeValueAsBytes(chunk)), null, false, generated, false);
    }

    private ProviderResponse embeddings(ProviderRequest request) {
        JsonNode json = request.request().json();
        JsonNode input = json.get("input");
        List<String> inputs = new ArrayList<>();
        if (input.isString()) {
            inputs.add(input.asString());
        } else if (input.isArray() && input.size() > 0 && (input.get(0).isNumber())) {
            inputs.add(input.toString()); // one pre-tokenised input
        } else {
            input.forEach(i -> inputs.add(i.isString() ? i.asString() : i.toString()));
        }
        int dims = json.path("dimensions").asInt(256);
        boolean base64 = "base64".equals(json.path("encoding_format").asString("float"));
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        long tokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            String text = inputs.get(i);
            tokens += Math.max(1, TokenCounter.count(text));
            float[] vector = vector(text, dims);
            ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
            if (base64) {
                item.put("embedding", Embedding.toBase64(vector));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float v : vector) {
                    values.add(v);
                }
            }
        }
        root.put("model", request.upstreamModel());
        TokenUsage usage = new TokenUsage(tokens, 0, 0, false);
        root.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        return new ProviderResponse(JSON.writeValueAsBytes(root), usage);
    }

    /** A unit vector that depends only on the text, so equal inputs embed equally. */
    static float[] vector(String text, int dims) {
        SplittableRandom random = new SplittableRandom(text.hashCode() * 0x9E3779B97F4A7C15L);
        float[] v = new float[dims];
        double norm = 0;
        for (int i = 0; i < dims; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
            norm += v[i] * v[i];
        }
        float scale = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < dims; i++) {
            v[i] *= scale;
        }
        return v;
    }

    private record Answer(long seed, String text, List<String> pieces, int inputTokens, int outputTokens,
            String toolName, String finishReason) {}

    private Answer answer(ProviderRequest request) {
        LlmRequest llm = request.request();
        JsonNode json = llm.json();
        long seed = json.path("messages").toString().hashCode() * 31L + json.path("prompt").toString().hashCode();
        SplittableRandom random = new SplittableRandom(seed);
        int inputTokens = TokenCounter.countInput(json);
        int limit = llm.maxOutputTokens() != null ? llm.maxOutputTokens() : Integer.MAX_VALUE;
        String toolName = null;
        JsonNode tools = json.get("tools");
        String toolChoice = json.path("tool_choice").isString() ? json.path("tool_choice").asString() : null;
        if (tools != null && tools.isArray() && !tools.isEmpty() && !"none".equals(toolChoice)) {
            JsonNode forced = json.path("tool_choice").path("function").path("name");
            toolName = forced.isString() ? forced.asString() : tools.get(0).path("function").path("name").asString("tool");
        }
        boolean jsonMode = json.path("response_format").path("type").asString("text").startsWith("json");
        int target = Math.min(sim.outputTokens(), limit);
        List<String> pieces = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        if (toolName != null || jsonMode) {
            String key = toolName != null ? "query" : "answer";
            String value = words(random, Math.max(1, target - 6));
            String object = "{\"" + key + "\": \"" + value + "\"}";
            pieces.addAll(List.of(object.split("(?<= )")));
            text.append(object);
        } else {
            for (int i = 0; i < target; i++) {
                String word = (i == 0 ? "" : " ") + WORDS[random.nextInt(WORDS.length)];
                pieces.add(word);
                text.append(word);
            }
            if (target > 0) {
                pieces.set(pieces.size() - 1, pieces.get(pieces.size() - 1) + ".");
                text.append('.');
            }
        }
        int outputTokens = TokenCounter.count(text.toString());
        String finish = toolName != null ? "tool_calls" : (limit <= sim.outputTokens() ? "length" : "stop");
        return new Answer(seed, text.toString(), pieces, inputTokens, outputTokens, toolName, finish);
    }

    private static String words(SplittableRandom random, int count) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }

    private ObjectNode envelope(ProviderRequest request, String object) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", (object.startsWith("chat") ? "chatcmpl-" : "cmpl-") + request.requestId());
        root.put("object", object);
        root.put("created", System.currentTimeMillis() / 1000);
        root.put("model", request.upstreamModel());
        root.put("system_fingerprint", "fp_tollgate_simulated");
        root.put("service_tier", "default");
        return root;
    }

    private static void putUsage(ObjectNode root, TokenUsage usage) {
        ObjectNode u = root.putObject("usage");
        u.put("prompt_tokens", usage.inputTokens());
        u.put("completion_tokens", usage.outputTokens());
        u.put("total_tokens", usage.inputTokens() + usage.outputTokens());
        u.putObject("prompt_tokens_details").put("cached_tokens", 0).put("audio_tokens", 0);
        u.putObject("completion_tokens_details").put("reasoning_tokens", 0).put("audio_tokens", 0)
                .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
    }

    private Duration perToken() {
        return Duration.ofNanos((long) (1_000_000_000L / sim.tokensPerSecond()));
    }

    private void failMaybe() {
        if (sim.failureRate() > 0 && ThreadLocalRandom.current().nextDouble() < sim.failureRate()) {
            throw new UpstreamException(UpstreamException.Kind.HTTP_STATUS, 503,
                    "simulated provider '" + provider.name() + "' failed on purpose (failure-rate " + sim.failureRate() + ")",
                    null, "server_error", "simulated_failure", null, null);
        }
    }
}
