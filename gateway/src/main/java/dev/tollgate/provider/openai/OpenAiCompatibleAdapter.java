package dev.tollgate.provider.openai;

import dev.tollgate.api.JsonBody;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.provider.PromptCaching;
import dev.tollgate.provider.ProviderAdapter;
import dev.tollgate.provider.ProviderRequest;
import dev.tollgate.provider.ProviderResponse;
import dev.tollgate.provider.StreamChunk;
import dev.tollgate.provider.TokenUsage;
import dev.tollgate.provider.Transport;
import dev.tollgate.provider.UpstreamException;
import dev.tollgate.streaming.SseFrames;
import dev.tollgate.streaming.SseSplitter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAI-compatible family (OpenAI, Groq, Together, OpenRouter, DeepSeek, Cerebras, Mistral,
 * Fireworks, Hyperbolic, vLLM, Ollama, ...). Client and upstream speak the same schema, so the
 * body goes out as the client sent it with only {@code model} and {@code stream_options}
 * rewritten (and, only when there are any, Anthropic's prompt-caching markers removed from
 * {@code messages} and {@code tools}: see {@link PromptCaching}), and answers come back byte for byte; only usage is read on the way. Azure OpenAI is
 * the same schema at other URLs ({@link AzureOpenAi}).
 */
public class OpenAiCompatibleAdapter implements ProviderAdapter {

    private static final String INCLUDE_USAGE = "{\"include_usage\":true}";

    private final TollgateConfig.Provider provider;
    private final Dialect dialect;
    private final HttpClient client;

    /**
     * What differs between servers that all speak OpenAI's schema: where a request goes, how the
     * gateway authenticates, and how an error answer reads.
     */
    interface Dialect {

        java.net.URI uri(ProviderRequest request);

        /** Sets the authentication header(s) once, on the provider's client. */
        void authenticate(HttpHeaders headers);

        default UpstreamException error(String provider, int status, byte[] body, java.time.Duration retryAfter) {
            return OpenAiWire.httpError(provider, status, body, retryAfter);
        }
    }

    /** OpenAI and the compatible vendors: {@code {base-url}/chat/completions} and a bearer key. */
    private static final class OpenAi implements Dialect {
        private final String apiKey;
        /** Parsed once: URI parsing showed in request profiles. */
        private final java.util.EnumMap<dev.tollgate.api.Endpoint, java.net.URI> endpointUris = new java.util.EnumMap<>(dev.tollgate.api.Endpoint.class);

        OpenAi(TollgateConfig.Provider provider) {
            this.apiKey = provider.apiKey();
            String baseUrl = provider.baseUrl().toString();
            for (dev.tollgate.api.Endpoint e : dev.tollgate.api.Endpoint.values()) {
                endpointUris.put(e, java.net.URI.create(baseUrl + e.upstreamPath()));
            }
        }

        @Override
        public java.net.URI uri(ProviderRequest request) {
            return endpointUris.get(request.request().endpoint());
        }

        @Override
        public void authenticate(HttpHeaders headers) {
            if (apiKey != null && !apiKey.isEmpty()) {
                headers.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + apiKey);
            }
        }
    }

    public OpenAiCompatibleAdapter(TollgateConfig.Provider provider, ConnectionProvider connections) {
        this(provider, connections, new OpenAi(provider));
    }

    /** Azure OpenAI: the same bodies and answers, at deployment URLs with an {@code api-key} header. */
    public static OpenAiCompatibleAdapter azure(TollgateConfig.Provider provider, ConnectionProvider connections) {
        return new OpenAiCompatibleAdapter(provider, connections, new AzureOpenAi(provider));
    }

    OpenAiCompatibleAdapter(TollgateConfig.Provider provider, ConnectionProvider connections, Dialect dialect) {
        this.provider = provider;
        this.dialect = dialect;
        this.client = HttpClient.create(connections)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) provider.timeouts().connect().toMillis())
                .headers(h -> {
                    h.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
                    h.set(HttpHeaderNames.USER_AGENT, "tollgate");
                    dialect.authenticate(h);
                    provider.headers().forEach(h::set);
                });
    }

    @Override
    public Mono<ProviderResponse> call(ProviderRequest request) {
        return Mono.<ProviderResponse>defer(() -> Transport.answer(send(request, upstreamBody(request), false), this::error,
                        body -> answer(request, body)))
                .onErrorMap(this::classify);
    }

    @Override
    public Flux<StreamChunk> stream(ProviderRequest request) {
        return Flux.<StreamChunk>defer(() -> Transport.events(provider.name(), send(request, upstreamBody(request), true),
                        this::error, StreamTranslator::new))
                .onErrorMap(this::classify);
    }

    /**
     * A success body passed on as it is, once it is known to be an answer: JSON with the
     * {@code choices} (or, for embeddings, {@code data}) the client will read. Some servers answer
     * an error with a 200; that is the error it says, not a success.
     */
    private ProviderResponse answer(ProviderRequest request, byte[] body) {
        boolean embeddings = request.request().endpoint() == dev.tollgate.api.Endpoint.EMBEDDINGS;
        String what = embeddings ? "an embeddings list" : "a completion";
        JsonNode json = Transport.jsonAnswer(body, provider.name(), what);
        JsonNode error = json.get("error");
        if (error != null && error.isObject() && !json.has("choices") && !json.has("data")) {
            int code = error.path("code").asInt(0);
            throw dialect.error(provider.name(), code >= 400 && code < 600 ? code : 500, body, null);
        }
        if (!json.path(embeddings ? "data" : "choices").isArray()) {
            throw Transport.notA(provider.name(), what + " (no '" + (embeddings ? "data" : "choices") + "' list)");
        }
        TokenUsage usage = OpenAiWire.usage(json);
        return new ProviderResponse(body, usage != null ? usage : OpenAiWire.estimate(request.request().json(), json));
    }

    private HttpClient.ResponseReceiver<?> send(ProviderRequest request, byte[] body, boolean stream) {
        return Transport.post(client, provider.timeouts().connect(), request, dialect.uri(request), body, stream);
    }

    /**
     * The client's bytes with the upstream model name and, for streams, usage reporting switched
     * on; {@code messages} and {@code tools} are rewritten only when they carry cache markers.
     */
    static byte[] upstreamBody(ProviderRequest request) {
        LlmRequest llm = request.request();
        Map<String, String> rewrites = JsonBody.fields();
        // OpenAI-family servers do not know cache_control and may refuse it. The check walks the
        // parsed tree (no copy); the copy and splice happen only when a marker is there.
        PromptCaching.withoutMarkers(llm.json()).forEach((field, value) -> rewrites.put(field, value.toString()));
        if (!request.upstreamModel().equals(llm.model())) {
            rewrites.put("model", JsonBody.quote(request.upstreamModel()));
        }
        if (llm.stream() && !llm.clientWantsUsage()) {
            // Always ask for usage so every stream is metered; the usage chunk is removed again
            // before it reaches a client that did not ask for it.
            JsonNode options = llm.json().get("stream_options");
            if (options != null && options.isObject()) {
                rewrites.put("stream_options", ((ObjectNode) options.deepCopy()).put("include_usage", true).toString());
            } else {
                rewrites.put("stream_options", INCLUDE_USAGE);
            }
        }
        return llm.body().rewrite(rewrites);
    }

    /**
     * One stream's events, forwarded as they are; usage and generated text are read on the way.
     * A stream is complete once it said {@code [DONE]} or gave a {@code finish_reason}; one that
     * ends before either is a broken stream, not a short answer.
     */
    private final class StreamTranslator implements Transport.EventTranslator {
        private boolean done;
        private boolean finished;

        @Override
        public List<StreamChunk> accept(List<SseSplitter.Event> events) {
            if (events.isEmpty()) {
                return List.of();
            }
            List<StreamChunk> out = new java.util.ArrayList<>(events.size());
            for (SseSplitter.Event event : events) {
                StreamChunk chunk = chunk(event);
                if (chunk != null) {
                    out.add(chunk);
                }
            }
            return out;
        }

        @Override
        public List<StreamChunk> end() {
            if (done) {
                return List.of();
            }
            if (!finished) {
                throw UpstreamException.of(UpstreamException.Kind.CONNECTION_CLOSED,
                        "provider '" + provider.name() + "' ended the stream before a finish_reason and [DONE]", null);
            }
            done = true;
            return List.of(StreamChunk.done(SseFrames.DONE)); // finished but unterminated: close it as OpenAI would
        }

        private StreamChunk chunk(SseSplitter.Event event) {
            if (done) {
                return null;
            }
            String data = event.data();
            if (data.equals("[DONE]")) {
                done = true;
                return StreamChunk.done(SseFrames.DONE);
            }
            // Most events are forwarded untouched, so they are not parsed into a tree: an unescaped
            // "error":{ or "usage":{ can only be a key (inside strings quotes are escaped), and the
            // generated text is picked out with the streaming parser.
            if ("error".equals(event.name()) || data.contains("\"error\":{") || data.contains("\"error\": {")) {
                JsonNode error = OpenAiWire.parse(data).get("error");
                if ("error".equals(event.name()) || (error != null && !error.isNull())) {
                    throw dialect.error(provider.name(), 500, data.getBytes(StandardCharsets.UTF_8), null);
                }
            }
            if (!finished && (data.contains("\"finish_reason\":\"") || data.contains("\"finish_reason\": \""))) {
                finished = true;
            }
            TokenUsage usage = null;
            boolean usageOnly = false;
            if (data.contains("\"usage\":{") || data.contains("\"usage\": {")) {
                JsonNode json = OpenAiWire.parse(data);
                usage = OpenAiWire.usage(json);
                JsonNode choices = json.get("choices");
                usageOnly = usage != null && (choices == null || (choices.isArray() && choices.isEmpty()));
            }
            return new StreamChunk(SseFrames.data(data), usage, usageOnly, usageOnly ? null : OpenAiWire.streamedText(data), false);
        }
    }

    private UpstreamException error(int status, byte[] body, HttpHeaders headers) {
        return dialect.error(provider.name(), status, body, Transport.retryAfter(headers));
    }

    private Throwable classify(Throwable e) {
        return Transport.classify(e, provider.name());
    }
}
