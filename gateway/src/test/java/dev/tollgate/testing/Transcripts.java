package dev.tollgate.testing;

/** Literal OpenAI responses in the shapes the API reference documents. */
public final class Transcripts {

    private Transcripts() {}

    public static String chatCompletion(String model, String content) {
        return """
                {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion","created":1741569952,"model":"%s",\
                "choices":[{"index":0,"message":{"role":"assistant","content":"%s","refusal":null,"annotations":[]},\
                "logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,\
                "prompt_tokens_details":{"cached_tokens":4,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,\
                "audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default",\
                "system_fingerprint":"fp_44709d6fcb"}""".formatted(model, content);
    }

    public static String chunk(String model, String deltaJson, String finishReason) {
        return "data: {\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"" + model
                + "\",\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"index\":0,\"delta\":" + deltaJson
                + ",\"logprobs\":null,\"finish_reason\":" + (finishReason == null ? "null" : "\"" + finishReason + "\"")
                + "}],\"usage\":null}\n\n";
    }

    public static String usageChunk(String model, int prompt, int completion) {
        return "data: {\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"" + model
                + "\",\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[],\"usage\":{\"prompt_tokens\":" + prompt
                + ",\"completion_tokens\":" + completion + ",\"total_tokens\":" + (prompt + completion) + "}}\n\n";
    }

    /** A complete stream: role, two content deltas, finish, usage, [DONE]. */
    public static String stream(String model) {
        return chunk(model, "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", null)
                + chunk(model, "{\"content\":\"Hello\"}", null)
                + chunk(model, "{\"content\":\" there\"}", null)
                + chunk(model, "{}", "stop")
                + usageChunk(model, 9, 2)
                + "data: [DONE]\n\n";
    }

    public static String error(String message, String type, String code) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":"
                + (code == null ? "null" : "\"" + code + "\"") + "}}";
    }
}
