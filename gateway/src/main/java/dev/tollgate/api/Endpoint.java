package dev.tollgate.api;

/** The OpenAI operations Tollgate meters and routes. */
public enum Endpoint {
    CHAT_COMPLETIONS("/v1/chat/completions", "chat", "/chat/completions"),
    COMPLETIONS("/v1/completions", "text_completion", "/completions"),
    EMBEDDINGS("/v1/embeddings", "embeddings", "/embeddings");

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

    public static Endpoint fromPath(String path) {
        for (Endpoint e : values()) {
            if (e.path.equals(path)) {
                return e;
            }
        }
        return null;
    }
}
