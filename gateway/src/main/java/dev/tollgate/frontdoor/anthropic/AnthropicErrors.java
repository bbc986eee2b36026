package dev.tollgate.frontdoor.anthropic;

import dev.tollgate.api.ErrorShape;
import dev.tollgate.api.GatewayException;
import dev.tollgate.provider.anthropic.AnthropicWire;
import dev.tollgate.support.Json;
import tools.jackson.databind.node.ObjectNode;

/**
 * Errors in Anthropic's shape, {@code {"type":"error","error":{"type":...,"message":...}}}, with
 * the type the status stands for, so Anthropic's SDKs raise their usual exception classes. Used
 * for every error on the {@code /v1/messages} paths, and as the {@code event: error} of a stream
 * that broke off.
 */
public final class AnthropicErrors {

    /**
     * Anthropic's body, and its own 529 for an overloaded upstream (which OpenAI clients get as a
     * 503 {@code overloaded_error}): Claude clients back off on 529 {@code overloaded_error}.
     */
    public static final ErrorShape SHAPE = new ErrorShape() {
        @Override
        public byte[] body(GatewayException error) {
            return json(error);
        }

        @Override
        public int status(GatewayException error) {
            return overloaded(error) ? AnthropicWire.OVERLOADED : error.status().value();
        }
    };

    private AnthropicErrors() {}

    static boolean overloaded(GatewayException e) {
        return "overloaded_error".equals(e.code());
    }

    public static byte[] json(GatewayException e) {
        return Json.MAPPER.writeValueAsBytes(tree(e));
    }

    public static byte[] sseFrame(GatewayException e) {
        return MessagesStream.event("error", tree(e));
    }

    static ObjectNode tree(GatewayException e) {
        ObjectNode root = Json.MAPPER.createObjectNode().put("type", "error");
        root.putObject("error").put("type", overloaded(e) ? "overloaded_error" : AnthropicWire.errorType(e.status().value()))
                .put("message", e.getMessage());
        return root;
    }
}
