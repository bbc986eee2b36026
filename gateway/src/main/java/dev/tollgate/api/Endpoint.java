package dev.tollgate.api;

/**
 * The operations Tollgate meters and routes. {@link #MESSAGES} is Anthropic's Messages API: its
 * body is translated to a chat completions request at the front door, so inside the pipeline it
 * is a chat call (operation {@code chat}, as OpenTelemetry names both).
 */
public enum Endpoint {
    CHAT_COMPLETIONS("/v1/chat/completions", "chat", "/chat/completions"),
    COMPLETIONS("/v1/completions", "text_completion", "/completions"),
    EMBEDDINGS("/v1/embeddings", "embeddings", "/embeddings"),
    MESSAGES("/v1/messages", "chat", "/chat/completions"),
    /** OpenAI's Responses API, translated to chat completions at its front door like {@link #MESSAGES}. */
    RESPONSES("/v1/responses", "chat", "/chat/completions");

    private final String path;
    private final String operation;
    private final String upstreamPath;

    Endpoint(String path, String operation, String upstreamPath) {
        this.path = path;
        this.operation = operation;
        this.upstreamPath = upstreamPath;
    }

    public String path() {
        return path;
    }

    /** The OpenTelemetry GenAI operation name ({@code gen_ai.operation.name}). */
    public String operation() {
        return operation;
    }

    /** Path below a provider's base URL, e.g. {@code /chat/completions}. */
    public String upstreamPath() {
        return upstreamPath;
    }

    /** The endpoint whose request shape this one's body has inside the pipeline (after its front door). */
    public Endpoint canonical() {
        return this == MESSAGES || this == RESPONSES ? CHAT_COMPLETIONS : this;
    }

    public static Endpoint fromPath(String path) {
        for (Endpoint e : values()) {
            if (e.path.equals(path)) {
                return e;
            }
        }
        return null;
    }
}
