package dev.tollgate.frontdoor.anthropic;

import dev.tollgate.api.GatewayException;
import dev.tollgate.api.JsonBody;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.frontdoor.FrontDoor;
import dev.tollgate.provider.TokenUsage;
import dev.tollgate.support.Json;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import java.util.function.LongSupplier;
import org.springframework.http.HttpStatus;

/**
 * Anthropic's Messages API ({@code POST /v1/messages}) in front of every provider: requests are
 * translated to OpenAI's chat by {@link MessagesRequest}, answers back by
 * {@link MessagesResponse} and {@link MessagesStream}. An Anthropic upstream is reached by the
 * round trip through the canonical shape (its adapter translates back), which is what lets one
 * model fall back across vendors.
 */
public final class AnthropicFrontDoor implements FrontDoor {

    public static final AnthropicFrontDoor INSTANCE = new AnthropicFrontDoor();

    private AnthropicFrontDoor() {}

    @Override
    public JsonBody canonicalRequest(JsonBody clientBody) {
        return JsonBody.parse(Json.MAPPER.writeValueAsBytes(MessagesRequest.toChat(clientBody.tree())));
    }

    @Override
    public byte[] completion(byte[] openAiBody, TokenUsage usage) {
        JsonNode completion;
        try {
            completion = Json.MAPPER.readTree(openAiBody);
        } catch (JacksonException e) {
            completion = null;
        }
        if (completion == null || !completion.isObject()) {
            throw new GatewayException(HttpStatus.BAD_GATEWAY, "server_error", "upstream_protocol_error",
                    null, "The provider's answer could not be read as a chat completion.");
        }
        return Json.MAPPER.writeValueAsBytes(MessagesResponse.toMessage(completion, usage));
    }

    @Override
    public StreamWriter streamWriter(LlmRequest request, LongSupplier inputTokenEstimate) {
        return new MessagesStream(inputTokenEstimate);
    }
}
