package dev.tollgate.frontdoor;

import dev.tollgate.api.ErrorEnvelope;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.JsonBody;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.provider.StreamChunk;
import dev.tollgate.provider.TokenUsage;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * OpenAI's own API: bodies and chunks pass as they are. The usage-only chunk that Tollgate always
 * asks for is dropped when the client did not ask for it.
 */
public final class OpenAiFrontDoor implements FrontDoor {

    public static final OpenAiFrontDoor INSTANCE = new OpenAiFrontDoor();

    private OpenAiFrontDoor() {}

    @Override
    public JsonBody canonicalRequest(JsonBody clientBody) {
        return clientBody;
    }

    @Override
    public byte[] completion(byte[] openAiBody, TokenUsage usage) {
        return openAiBody;
    }

    @Override
    public StreamWriter streamWriter(LlmRequest request, LongSupplier inputTokenEstimate) {
        boolean wantsUsage = request.clientWantsUsage();
        return new StreamWriter() {
            @Override
            public List<byte[]> frames(StreamChunk chunk) {
                return chunk.usageOnly() && !wantsUsage ? List.of() : List.of(chunk.frame());
            }

            @Override
            public List<byte[]> end() {
                return List.of();
            }

            @Override
            public byte[] error(GatewayException error) {
                return ErrorEnvelope.sseFrame(error);
            }
        };
    }
}
