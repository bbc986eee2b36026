package dev.tollgate.frontdoor.responses;

import dev.tollgate.api.GatewayException;
import dev.tollgate.support.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An OpenAI Responses API request ({@code POST /v1/responses}) as the canonical chat completions
 * request. Every refusal is a 400 {@code invalid_request_error} whose {@code param} names the
 * offending field the way OpenAI does ({@code input[2].call_id}).
 *
 * <p>What maps: {@code instructions} → a system message; {@code input} as a string → one user
 * message; input items: messages (user / assistant / system / developer, {@code input_text},
 * {@code output_text}, {@code refusal}, {@code input_image}, {@code input_file} with inline data)
 * → chat messages, consecutive {@code function_call}s → one assistant message's
 * {@code tool_calls}, {@code function_call_output} → a {@code tool} message; function tools
 * (with {@code strict}) and the function tools inside a {@code namespace} group → chat function
 * tools; {@code tool_choice}, {@code parallel_tool_calls}, {@code text.format} →
 * {@code response_format}, {@code max_output_tokens} → {@code max_completion_tokens},
 * {@code temperature}, {@code top_p}, {@code reasoning.effort} → {@code reasoning_effort},
 * {@code user}, {@code stream}.
 *
 * <p>What is dropped: {@code reasoning} input items (their encrypted content belongs to the
 * model that wrote them), {@code include}, {@code store}, {@code metadata}, {@code truncation},
 * {@code text.verbosity}, {@code prompt_cache_key} and unknown fields. Built-in tools (web
 * search, file search, computer use, code interpreter, MCP, shell, custom grammar tools) cannot
 * run on a translated call: they are left out and named in {@link Translation#droppedTools()},
 * or refused when the operator says so.
 */
public final class ResponsesRequest {

    private static final JsonMapper JSON = Json.MAPPER;
    private static final Set<String> ROLES = Set.of("user", "assistant", "system", "developer");
    private static final Set<String> TOOL_CHOICES = Set.of("auto", "none", "required");
    private static final Set<String> UNSUPPORTED = Set.of("background", "conversation", "prompt");

    private ResponsesRequest() {}

    /**
     * The translated request.
     *
     * @param chat the canonical chat completions body
     * @param droppedTools built-in tools left out of the call, by type, in the client's order
     * @param namespaces the namespace of each flattened function tool, by function name
     * @param tools the tools the call carries, as the client declared them (echoed in responses)
     */
    public record Translation(ObjectNode chat, List<String> droppedTools, Map<String, String> namespaces, ArrayNode tools) {}

    /** @param rejectBuiltInTools true: a built-in tool is a 400 naming it; false: it is left out */
    public static Translation toChat(ObjectNode in, boolean rejectBuiltInTools) {
        for (String field : UNSUPPORTED) {
            JsonNode value = in.get(field);
            if (value != null && !value.isNull() && !(value.isBoolean() && !value.asBoolean())) {
                throw GatewayException.invalidRequest(field, "'" + field + "' is not supported by Tollgate's /v1/responses;"
                        + " send the conversation's items in 'input' (or continue with 'previous_response_id').");
            }
        }
        ObjectNode out = JSON.createObjectNode();
        JsonNode model = in.get("model");
        if (model == null || model.isNull()) {
            throw GatewayException.missingParam("model", "Missing required parameter: 'model'.");
        }
        if (!model.isString() || model.asString().isBlank()) {
            throw GatewayException.invalidRequest("model", "model: expected a non-empty string.");
        }
        out.put("model", model.asString());
        ArrayNode messages = out.putArray("messages");
        JsonNode instructions = in.get("instructions");
        if (instructions != null && !instructions.isNull()) {
            if (!instructions.isString()) {
                throw GatewayException.invalidRequest("instructions", "instructions: expected a string.");
            }
            messages.addObject().put("role", "system").put("content", instructions.asString());
        }
        input(in.get("input"), messages);
        if (messages.isEmpty()) {
            throw GatewayException.missingParam("input", "Missing required parameter: 'input'.");
        }
        Map<String, String> namespaces = new HashMap<>();
        List<String> dropped = new ArrayList<>();
        ArrayNode echoed = JSON.createArrayNode();
        JsonNode tools = in.get("tools");
        if (tools != null && !tools.isNull()) {
            if (!tools.isArray()) {
                throw GatewayException.invalidRequest("tools", "tools: expected an array.");
            }
            ArrayNode chatTools = JSON.createArrayNode();
            for (int i = 0; i < tools.size(); i++) {
                tool(tools.get(i), "tools[" + i + "]", chatTools, namespaces, dropped, echoed, rejectBuiltInTools);
            }
            if (!chatTools.isEmpty()) {
                out.set("tools", chatTools);
            }
        }
        toolChoice(in.get("tool_choice"), out, dropped);
        copy(in, "parallel_tool_calls", out, "parallel_tool_calls");
        textFormat(in.path("text").get("format"), out);
        JsonNode max = in.get("max_output_tokens");
        if (max != null && !max.isNull()) {
            if (!max.isIntegralNumber() || !max.canConvertToInt() || max.asInt() < 1) {
                throw GatewayException.invalidRequest("max_output_tokens", "max_output_tokens: expected a positive integer.");
            }
            out.put("max_completion_tokens", max.asInt());
        }
        copy(in, "temperature", out, "temperature");
        copy(in, "top_p", out, "top_p");
        copy(in, "user", out, "user");
        JsonNode effort = in.path("reasoning").get("effort");
        if (effort != null && effort.isString()) {
            out.put("reasoning_effort", effort.asString());
        }
        JsonNode stream = in.get("stream");
        if (stream != null && !stream.isNull()) {
            if (!stream.isBoolean()) {
                throw GatewayException.invalidRequest("stream", "stream: expected a boolean.");
            }
            if (stream.asBoolean()) {
                out.put("stream", true);
            }
        }
        return new Translation(out, List.copyOf(dropped), Map.copyOf(namespaces), echoed);
    }

    private static void input(JsonNode input, ArrayNode messages) {
        if (input == null || input.isNull()) {
            return;
        }
        if (input.isString()) {
            messages.addObject().put("role", "user").put("content", input.asString());
            return;
        }
        if (!input.isArray()) {
            throw GatewayException.invalidRequest("input", "input: expected a string or an array of input items.");
        }
        ObjectNode toolTurn = null; // the assistant message that collects consecutive function calls
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String at = "input[" + i + "]";
            if (!item.isObject()) {
                throw GatewayException.invalidRequest(at, at + ": expected an object.");
            }
            String type = item.path("type").asString(item.has("role") ? "message" : "");
            switch (type) {
                case "message" -> {
                    ObjectNode message = message(item, at);
                    messages.add(message);
                    toolTurn = "assistant".equals(message.path("role").asString()) ? message : null;
                }
                case "function_call" -> {
                    if (toolTurn == null) {
                        toolTurn = messages.addObject().put("role", "assistant");
                        toolTurn.putNull("content");
                    }
                    ArrayNode calls = toolTurn.has("tool_calls") ? (ArrayNode) toolTurn.get("tool_calls") : toolTurn.putArray("tool_calls");
                    ObjectNode call = calls.addObject();
                    call.put("id", requiredText(item, "call_id", at));
                    call.put("type", "function");
                    call.putObject("function").put("name", requiredText(item, "name", at))
                            .put("arguments", item.path("arguments").asString(""));
                }
                case "function_call_output" -> {
                    messages.addObject().put("role", "tool").put("tool_call_id", requiredText(item, "call_id", at))
                            .put("content", toolOutput(item.get("output"), at + ".output"));
                    // a tool result ends the assistant's turn; later calls start a new one
                    toolTurn = null;
                }
                case "reasoning" -> {
                    // written by (and only readable by) the model that reasoned; other models ignore it
                }
                case "item_reference" -> throw GatewayException.invalidRequest(at + ".type",
                        at + ": item references need OpenAI's conversation storage; send the item itself"
                                + " (or continue with 'previous_response_id').");
                default -> throw GatewayException.invalidRequest(at + ".type", at + ": input items of type '" + type
                        + "' are not supported; expected message, function_call, function_call_output or reasoning.");
            }
        }
    }

    private static ObjectNode message(JsonNode item, String at) {
        String role = item.path("role").asString("");
        if (!ROLES.contains(role)) {
            throw GatewayException.invalidRequest(at + ".role", at + ".role: expected one of user, assistant, system, developer; was '"
                    + role + "'.");
        }
        ObjectNode message = JSON.createObjectNode().put("role", role);
        JsonNode content = item.get("content");
        if (content == null || content.isNull()) {
            throw GatewayException.missingParam(at + ".content", at + ".content: required.");
        }
        if (content.isString()) {
            message.put("content", content.asString());
            return message;
        }
        if (!content.isArray()) {
            throw GatewayException.invalidRequest(at + ".content", at + ".content: expected a string or an array of content parts.");
        }
        ArrayNode parts = JSON.createArrayNode();
        boolean textOnly = true;
        for (int p = 0; p < content.size(); p++) {
            JsonNode part = content.get(p);
            String partAt = at + ".content[" + p + "]";
            String partType = part.path("type").asString("");
            switch (partType) {
                case "input_text", "output_text", "text" -> parts.addObject().put("type", "text").put("text", requiredText(part, "text", partAt));
                case "refusal" -> parts.addObject().put("type", "text").put("text", requiredText(part, "refusal", partAt));
                case "input_image" -> {
                    String url = part.path("image_url").asString("");
                    if (url.isEmpty()) {
                        throw GatewayException.invalidRequest(partAt + ".image_url", partAt
                                + ": only images given by 'image_url' (a URL or a data: URL) are supported; file ids need OpenAI's file storage.");
                    }
                    ObjectNode image = parts.addObject().put("type", "image_url").putObject("image_url").put("url", url);
                    String detail = part.path("detail").asString("");
                    if (!detail.isEmpty()) {
                        image.put("detail", detail);
                    }
                    textOnly = false;
                }
                case "input_file" -> {
                    String data = part.path("file_data").asString("");
                    if (data.isEmpty()) {
                        throw GatewayException.invalidRequest(partAt + ".file_data", partAt
                                + ": only files sent inline as 'file_data' are supported; file ids and URLs need OpenAI's file storage.");
                    }
                    ObjectNode file = parts.addObject().put("type", "file").putObject("file").put("file_data", data);
                    String name = part.path("filename").asString("");
                    if (!name.isEmpty()) {
                        file.put("filename", name);
                    }
                    textOnly = false;
                }
                default -> throw GatewayException.invalidRequest(partAt + ".type", partAt + ": content parts of type '" + partType
                        + "' are not supported; expected input_text, output_text, refusal, input_image or input_file.");
            }
        }
        if (textOnly && !"user".equals(role)) {
            // assistant and system turns as one string: every upstream accepts that shape
            StringBuilder text = new StringBuilder();
            parts.forEach(part -> text.append(part.path("text").asString()));
            message.put("content", text.toString());
        } else if (!textOnly && !"user".equals(role)) {
            throw GatewayException.invalidRequest(at + ".content", at + ": images and files are accepted in user messages only.");
        } else {
            message.set("content", parts);
        }
        return message;
    }

    private static String toolOutput(JsonNode output, String at) {
        if (output == null || output.isNull()) {
            throw GatewayException.missingParam(at, at + ": required.");
        }
        if (output.isString()) {
            return output.asString();
        }
        if (output.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : output) {
                String type = part.path("type").asString("");
                if (!"input_text".equals(type) && !"output_text".equals(type)) {
                    throw GatewayException.invalidRequest(at, at + ": only text parts can be returned from a function call here (was '"
                            + type + "').");
                }
                text.append(part.path("text").asString(""));
            }
            return text.toString();
        }
        throw GatewayException.invalidRequest(at, at + ": expected a string or an array of input_text parts.");
    }

    private static void tool(JsonNode tool, String at, ArrayNode chatTools, Map<String, String> namespaces, List<String> dropped,
            ArrayNode echoed, boolean reject) {
        String type = tool.path("type").asString("");
        switch (type) {
            case "function" -> {
                chatTools.add(functionTool(tool, at));
                echoed.add(tool);
            }
            case "namespace" -> {
                String namespace = requiredText(tool, "name", at);
                JsonNode inner = tool.path("tools");
                ObjectNode kept = ((ObjectNode) tool).deepCopy();
                ArrayNode keptInner = kept.putArray("tools");
                for (int i = 0; i < inner.size(); i++) {
                    JsonNode member = inner.get(i);
                    String memberType = member.path("type").asString("");
                    if ("function".equals(memberType)) {
                        ObjectNode function = functionTool(member, at + ".tools[" + i + "]");
                        String name = function.path("function").path("name").asString();
                        if (namespaces.put(name, namespace) != null) {
                            throw GatewayException.invalidRequest(at, at + ": the function '" + name
                                    + "' is declared in two namespaces; a translated call needs unique function names.");
                        }
                        chatTools.add(function);
                        keptInner.add(member);
                    } else {
                        unsupported(namespace + "." + memberType, at + ".tools[" + i + "]", dropped, reject);
                    }
                }
                if (!keptInner.isEmpty()) {
                    echoed.add(kept);
                }
            }
            default -> unsupported(type, at, dropped, reject);
        }
    }

    private static void unsupported(String type, String at, List<String> dropped, boolean reject) {
        if (reject) {
            throw GatewayException.invalidRequest(at + ".type", at + ": the built-in tool '" + type
                    + "' cannot run on this deployment (Tollgate translates Responses calls for every provider and runs no"
                    + " tools itself); remove it, or ask the operator to leave such tools out instead of refusing.");
        }
        if (!dropped.contains(type)) {
            dropped.add(type);
        }
    }

    private static ObjectNode functionTool(JsonNode tool, String at) {
        ObjectNode chat = JSON.createObjectNode().put("type", "function");
        ObjectNode function = chat.putObject("function");
        function.put("name", requiredText(tool, "name", at));
        JsonNode description = tool.get("description");
        if (description != null && description.isString()) {
            function.put("description", description.asString());
        }
        JsonNode parameters = tool.get("parameters");
        if (parameters != null && parameters.isObject()) {
            function.set("parameters", parameters);
        } else {
            function.putObject("parameters").put("type", "object").putObject("properties");
        }
        JsonNode strict = tool.get("strict");
        if (strict != null && strict.isBoolean()) {
            function.put("strict", strict.asBoolean());
        }
        return chat;
    }

    private static void toolChoice(JsonNode choice, ObjectNode out, List<String> dropped) {
        if (choice == null || choice.isNull()) {
            return;
        }
        if (choice.isString()) {
            if (!TOOL_CHOICES.contains(choice.asString())) {
                throw GatewayException.invalidRequest("tool_choice", "tool_choice: expected auto, none, required or an object.");
            }
            out.put("tool_choice", choice.asString());
            return;
        }
        String type = choice.path("type").asString("");
        switch (type) {
            case "function" -> out.putObject("tool_choice").put("type", "function").putObject("function")
                    .put("name", requiredText(choice, "name", "tool_choice"));
            case "allowed_tools" -> out.put("tool_choice", "required".equals(choice.path("mode").asString()) ? "required" : "auto");
            default -> {
                if (!dropped.contains(type)) {
                    throw GatewayException.invalidRequest("tool_choice", "tool_choice: forcing the tool type '" + type
                            + "' is not supported; force a function tool, or use auto, none or required.");
                }
                // the forced built-in tool was left out of the call; the model chooses among what is left
            }
        }
    }

    private static void textFormat(JsonNode format, ObjectNode out) {
        if (format == null || format.isNull()) {
            return;
        }
        String type = format.path("type").asString("");
        switch (type) {
            case "text" -> { }
            case "json_object" -> out.putObject("response_format").put("type", "json_object");
            case "json_schema" -> {
                ObjectNode schema = out.putObject("response_format").put("type", "json_schema").putObject("json_schema");
                schema.put("name", requiredText(format, "name", "text.format"));
                JsonNode body = format.get("schema");
                if (body == null || !body.isObject()) {
                    throw GatewayException.missingParam("text.format.schema", "text.format.schema: required when type is 'json_schema'.");
                }
                schema.set("schema", body);
                if (format.path("description").isString()) {
                    schema.put("description", format.get("description").asString());
                }
                if (format.path("strict").isBoolean()) {
                    schema.put("strict", format.get("strict").asBoolean());
                }
            }
            default -> throw GatewayException.invalidRequest("text.format.type",
                    "text.format.type: expected text, json_object or json_schema; was '" + type + "'.");
        }
    }

    private static String requiredText(JsonNode node, String field, String at) {
        JsonNode value = node.get(field);
        if (value == null || !value.isString() || value.asString().isEmpty()) {
            throw GatewayException.missingParam(at + "." + field, at + "." + field + ": required, a non-empty string.");
        }
        return value.asString();
    }

    private static void copy(JsonNode in, String field, ObjectNode out, String as) {
        JsonNode value = in.get(field);
        if (value != null && !value.isNull()) {
            out.set(as, value);
        }
    }
}
