package dev.tollgate.frontdoor;

import dev.tollgate.api.GatewayException;
import dev.tollgate.api.JsonBody;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.provider.StreamChunk;
import dev.tollgate.provider.TokenUsage;
import java.util.List;
import org.springframework.http.HttpHeaders;
import java.util.function.LongSupplier;

/**
 * The API a client called, at the edges of the pipeline. Inside, everything speaks OpenAI's chat
 * completions (the canonical shape the filters and provider adapters share); a front door turns
 * the client's request into that shape and OpenAI-shaped answers, streams and mid-stream errors
 * back into the client's. {@link OpenAiFrontDoor} is the identity.
 */
public interface FrontDoor {

    /**
     * The front door for one request: itself, unless its answers must repeat what the client sent
     * (the Responses API echoes instructions, tools and sampling in every response object).
     * {@code responseHeaders} may be given headers that explain the translation.
     */
    default FrontDoor forRequest(JsonBody clientBody, HttpHeaders responseHeaders) {
        return this;
    }

    /** The client's body as a canonical OpenAI request body; validation errors name the client's fields. */
    JsonBody canonicalRequest(JsonBody clientBody);

    /** A complete OpenAI answer (as a provider adapter returns it) in the client's format; {@code usage} null: the body's own. */
    byte[] completion(byte[] openAiBody, TokenUsage usage);

    /** A writer for one streamed answer; {@code inputTokenEstimate} counts the prompt when asked (it costs a tokenizer pass). */
    StreamWriter streamWriter(LlmRequest request, LongSupplier inputTokenEstimate);

    /** Turns one call's OpenAI chunks into the frames the client reads; one instance per stream. */
    interface StreamWriter {

        /** Frames for one chunk, possibly none. */
        List<byte[]> frames(StreamChunk chunk);

        /** Frames owed when the upstream stream ended without its terminal chunk. */
        List<byte[]> end();

        /** The frame that tells the client the stream broke off. */
        byte[] error(GatewayException error);
    }
}
