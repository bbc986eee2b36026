package dev.tollgate.api;

import dev.tollgate.streaming.SseFrames;
import dev.tollgate.support.Json;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Serialises the OpenAI error object; all four fields are always present, null when unknown. */
public final class ErrorEnvelope {

    private static final JsonMapper JSON = Json.MAPPER;

    private ErrorEnvelope() {}

    public static byte[] json(GatewayException e) {
        return json(e.getMessage(), e.type(), e.param(), e.code());
    }

    public static byte[] json(String message, String type, String param, String code) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return JSON.writeValueAsBytes(root);
    }

    /** The same object as one SSE event, which the OpenAI SDKs raise as an APIError mid-stream. */
    public static byte[] sseFrame(GatewayException e) {
        return SseFrames.data(json(e));
    }
}
