package dev.tollgate.frontdoor.responses;

import dev.tollgate.api.JsonBody;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.frontdoor.FrontDoor;
import dev.tollgate.provider.TokenUsage;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;

/**
 * OpenAI's Responses API ({@code POST /v1/responses}) in front of every provider. Each request
 * gets its own {@link ResponsesCall}, which translates the request to OpenAI's chat
 * ({@link ResponsesRequest}) and the answer back, because a response object repeats what the
 * client asked for (instructions, tools, sampling). Going through the canonical shape is what
 * lets an Anthropic, Gemini or Bedrock deployment answer a Responses client, and one model fall
 * back across vendors.
 */
public final class ResponsesFrontDoor implements FrontDoor {

    /** Names the built-in tools that were left out of the upstream call, comma-separated. */
    public static final String DROPPED_TOOLS_HEADER = "x-tollgate-dropped-tools";

    private static final Logger log = LoggerFactory.getLogger(ResponsesFrontDoor.class);
    /** Tool types already logged at INFO; bounded, so clients inventing types cannot grow it. */
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    private final boolean rejectBuiltInTools;

    /** @param rejectBuiltInTools true: a built-in tool is a 400 naming it; false (default): it is left out and reported */
    public ResponsesFrontDoor(boolean rejectBuiltInTools) {
        this.rejectBuiltInTools = rejectBuiltInTools;
    }

    @Override
    public FrontDoor forRequest(JsonBody clientBody, HttpHeaders responseHeaders) {
        ResponsesRequest.Translation translation = ResponsesRequest.toChat(clientBody.tree(), rejectBuiltInTools);
        List<String> dropped = translation.droppedTools();
        if (!dropped.isEmpty()) {
            responseHeaders.set(DROPPED_TOOLS_HEADER, String.join(", ", dropped));
            for (String type : dropped) {
                if (LOGGED.size() < 64 && LOGGED.add(type)) {
                    log.info("/v1/responses: built-in tool '{}' left out of translated calls (no upstream runs it for Tollgate;"
                            + " set tollgate.responses.built-in-tools=reject to refuse instead); named in the {} header",
                            type, DROPPED_TOOLS_HEADER);
                }
            }
            log.debug("/v1/responses: left out built-in tools {}", dropped);
        }
        return new ResponsesCall(clientBody.tree(), translation);
    }

    @Override
    public JsonBody canonicalRequest(JsonBody clientBody) {
        return forRequest(clientBody, new HttpHeaders()).canonicalRequest(clientBody);
    }

    @Override
    public byte[] completion(byte[] openAiBody, TokenUsage usage) {
        throw new IllegalStateException("a Responses answer needs its request: use forRequest()");
    }

    @Override
    public StreamWriter streamWriter(LlmRequest request, LongSupplier inputTokenEstimate) {
        throw new IllegalStateException("a Responses stream needs its request: use forRequest()");
    }
}
