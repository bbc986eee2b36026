package dev.tollgate.api;

import tools.jackson.databind.node.ObjectNode;

/**
 * A validated OpenAI-shaped request: the body as received plus the facts the pipeline needs.
 * {@code maxOutputTokens} is null when the client set no limit.
 */
public record LlmRequest(
        Endpoint endpoint,
        JsonBody body,
        String model,
        boolean stream,
        boolean clientWantsUsage,
        Integer maxOutputTokens,
        int choices,
        String user) {

    public ObjectNode json() {
        return body.tree();
    }
}
