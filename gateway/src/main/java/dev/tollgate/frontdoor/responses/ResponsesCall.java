package dev.tollgate.frontdoor.responses;

import dev.tollgate.api.GatewayException;
import dev.tollgate.api.JsonBody;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.frontdoor.FrontDoor;
import dev.tollgate.provider.TokenUsage;
import dev.tollgate.support.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.springframework.http.HttpStatus;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Responses front door of one request: knows what the client sent, so every response object
 * it writes (complete, or in the stream's {@code response.*} events) repeats it as OpenAI's does.
 * One response id per request, also across fallback attempts.
 */
public final class ResponsesCall implements FrontDoor {

    private static final JsonMapper JSON = Json.MAPPER;

    private final ObjectNode client;
    private final ResponsesRequest.Translation translation;
    private final String responseId = ResponsesOutput.id("resp_");
    private final long createdAt = System.currentTimeMillis() / 1000;
    private volatile Consumer<ObjectNode> onResponse = response -> { };

    ResponsesCall(ObjectNode client, ResponsesRequest.Translation translation) {
        this.client = client;
        this.translation = translation;
    }

    public String responseId() {
        return responseId;
    }

    /** The request as the client sent it. */
    public ObjectNode clientRequest() {
        return client;
    }

    /** Called with each finished response object (complete or streamed), e.g. to store it. */
    public void onResponse(Consumer<ObjectNode> hook) {
        this.onResponse = hook;
    }

    /** The response this one continues ({@code previous_response_id}), or null. */
    public String previousResponseId() {
        JsonNode previous = client.get("previous_response_id");
        return previous != null && previous.isString() && !previous.asString().isEmpty() ? previous.asString() : null;
    }

    /** {@code store}: true unless the client said false (the API's default is to store). */
    public boolean stored() {
        return client.path("store").asBoolean(true);
    }

    /** The instructions as the leading system message of the chat request, or null. */
    public JsonNode instructionsMessage() {
        return client.path("instructions").isString() ? translation.chat().path("messages").get(0) : null;
    }

    /** This request's input as chat messages, without the instructions (they do not carry over to a continuation). */
    public List<JsonNode> inputMessages() {
        List<JsonNode> messages = new ArrayList<>();
        translation.chat().path("messages").forEach(messages::add);
        return instructionsMessage() != null ? messages.subList(1, messages.size()) : messages;
    }

    /** This request's input as the items {@code GET /v1/responses/{id}/input_items} lists, each with an id. */
    public ArrayNode inputItems() {
        return ResponsesOutput.inputItems(client.get("input"));
    }

    /**
     * The conversation after this response, as chat messages without instructions: what came
     * before ({@code previous_response_id}'s), this request's input, and the assistant's answer.
     */
    public ArrayNode conversation(List<JsonNode> history, JsonNode response) {
        ArrayNode messages = JSON.createArrayNode();
        history.forEach(messages::add);
        inputMessages().forEach(messages::add);
        ObjectNode answer = ResponsesOutput.assistantMessage(response);
        if (answer != null) {
            messages.add(answer);
        }
        return messages;
    }

    @Override
    public JsonBody canonicalRequest(JsonBody clientBody) {
        return JsonBody.parse(JSON.writeValueAsBytes(translation.chat()));
    }

    @Override
    public byte[] completion(byte[] openAiBody, TokenUsage usage) {
        JsonNode completion;
        try {
            completion = JSON.readTree(openAiBody);
        } catch (JacksonException e) {
            completion = null;
        }
        if (completion == null || !completion.isObject()) {
            throw new GatewayException(HttpStatus.BAD_GATEWAY, "server_error", "upstream_protocol_error",
                    null, "The provider's answer could not be read as a chat completion.");
        }
        JsonNode choice = completion.path("choices").path(0);
        JsonNode message = choice.path("message");
        ObjectNode response = skeleton("completed", completion.path("model").asString(null));
        ArrayNode output = (ArrayNode) response.get("output");
        String finish = choice.path("finish_reason").asString(null);
        String itemStatus = ResponsesOutput.incompleteReason(finish) == null ? "completed" : "incomplete";
        String text = text(message.get("content"));
        if (!text.isEmpty()) {
            output.add(ResponsesOutput.messageItem(ResponsesOutput.id("msg_"), itemStatus, text, false));
        } else if (message.path("refusal").isString()) {
            output.add(ResponsesOutput.messageItem(ResponsesOutput.id("msg_"), itemStatus, message.get("refusal").asString(), true));
        }
        for (JsonNode call : message.path("tool_calls")) {
            String name = call.path("function").path("name").asString("");
            output.add(ResponsesOutput.functionCallItem(ResponsesOutput.id("fc_"), "completed", call.path("id").asString(""),
                    name, namespace(name), call.path("function").path("arguments").asString("")));
        }
        TokenUsage billed = usage != null ? usage : TokenUsage.ofOpenAi(completion);
        finish(response, finish, billed != null ? billed : TokenUsage.NONE, ResponsesOutput.reasoningTokens(completion));
        return JSON.writeValueAsBytes(response);
    }

    @Override
    public StreamWriter streamWriter(LlmRequest request, LongSupplier inputTokenEstimate) {
        return new ResponsesStream(this, inputTokenEstimate);
    }

    /** The namespace a flattened function tool came from, or null. */
    String namespace(String functionName) {
        return translation.namespaces().get(functionName);
    }

    /** A response object with everything but its output and usage: the request's settings echoed. */
    ObjectNode skeleton(String status, String model) {
        ObjectNode r = JSON.createObjectNode();
        r.put("id", responseId);
        r.put("object", "response");
        r.put("created_at", createdAt);
        r.put("status", status);
        r.put("background", false);
        r.putNull("error");
        r.putNull("incomplete_details");
        echo(r, "instructions", null);
        echo(r, "max_output_tokens", null);
        r.putNull("max_tool_calls");
        r.put("model", model != null && !model.isEmpty() ? model : client.path("model").asString(""));
        r.putArray("output");
        r.put("parallel_tool_calls", client.path("parallel_tool_calls").asBoolean(true));
        echo(r, "previous_response_id", null);
        ObjectNode reasoning = r.putObject("reasoning");
        JsonNode effort = client.path("reasoning").get("effort");
        reasoning.set("effort", effort == null ? JSON.nullNode() : effort);
        reasoning.putNull("summary");
        r.put("store", client.path("store").asBoolean(true));
        echo(r, "temperature", JSON.getNodeFactory().numberNode(1.0));
        JsonNode format = client.path("text").get("format");
        r.putObject("text").set("format", format != null && format.isObject() ? format : JSON.createObjectNode().put("type", "text"));
        echo(r, "tool_choice", JSON.getNodeFactory().stringNode("auto"));
        r.set("tools", translation.tools());
        echo(r, "top_p", JSON.getNodeFactory().numberNode(1.0));
        r.put("truncation", "disabled");
        r.putNull("usage");
        echo(r, "user", null);
        JsonNode metadata = client.get("metadata");
        r.set("metadata", metadata != null && metadata.isObject() ? metadata : JSON.createObjectNode());
        return r;
    }

    /** Completes {@code response}: status from the finish reason, usage, and hands it to the hook. */
    void finish(ObjectNode response, String finishReason, TokenUsage usage, long reasoningTokens) {
        String incomplete = ResponsesOutput.incompleteReason(finishReason);
        if (incomplete != null) {
            response.put("status", "incomplete");
            response.putObject("incomplete_details").put("reason", incomplete);
        } else {
            response.put("status", "completed");
            response.put("completed_at", System.currentTimeMillis() / 1000);
        }
        response.set("usage", ResponsesOutput.usage(usage, reasoningTokens));
        onResponse.accept(response);
    }

    private void echo(ObjectNode r, String field, JsonNode fallback) {
        JsonNode value = client.get(field);
        if (value != null && !value.isNull()) {
            r.set(field, value);
        } else if (fallback != null) {
            r.set(field, fallback);
        } else {
            r.putNull(field);
        }
    }

    private static String text(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isString()) {
            return content.asString();
        }
        StringBuilder text = new StringBuilder();
        content.forEach(part -> text.append(part.path("text").asString("")));
        return text.toString();
    }
}
