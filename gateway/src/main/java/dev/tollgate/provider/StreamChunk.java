package dev.tollgate.provider;

/**
 * One OpenAI-shaped SSE event, already framed ({@code data: ...\n\n}) and ready to forward.
 * {@code usage} is set on the chunk that carries it; {@code usageOnly} marks the final usage chunk
 * that is dropped when the client did not ask for it; {@code text} is the generated text of the
 * chunk, kept only to estimate tokens if the stream ends without usage.
 */
public record StreamChunk(byte[] frame, TokenUsage usage, boolean usageOnly, String text, boolean done) {

    public static StreamChunk done(byte[] frame) {
        return new StreamChunk(frame, null, false, null, true);
    }
}
