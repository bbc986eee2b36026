package dev.tollgate.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * How Tollgate talks to a provider. Every OpenAI-compatible vendor is the same protocol with a
 * different default base URL, so the presets are only defaults: {@code base-url} always wins.
 */
public enum ProviderType {
    OPENAI("openai", Protocol.OPENAI, "https://api.openai.com/v1"),
    OPENAI_COMPATIBLE("openai-compatible", Protocol.OPENAI, null),
    GROQ("groq", Protocol.OPENAI, "https://api.groq.com/openai/v1"),
    TOGETHER("together", Protocol.OPENAI, "https://api.together.xyz/v1"),
    OPENROUTER("openrouter", Protocol.OPENAI, "https://openrouter.ai/api/v1"),
    DEEPSEEK("deepseek", Protocol.OPENAI, "https://api.deepseek.com/v1"),
    CEREBRAS("cerebras", Protocol.OPENAI, "https://api.cerebras.ai/v1"),
    MISTRAL("mistral", Protocol.OPENAI, "https://api.mistral.ai/v1"),
    FIREWORKS("fireworks", Protocol.OPENAI, "https://api.fireworks.ai/inference/v1"),
    HYPERBOLIC("hyperbolic", Protocol.OPENAI, "https://api.hyperbolic.xyz/v1"),
    VLLM("vllm", Protocol.OPENAI, "http://localhost:8000/v1"),
    OLLAMA("ollama", Protocol.OPENAI, "http://localhost:11434/v1"),
    ANTHROPIC("anthropic", Protocol.ANTHROPIC, "https://api.anthropic.com/v1"),
    GEMINI("gemini", Protocol.GEMINI, "https://generativelanguage.googleapis.com/v1beta"),
    /** Azure OpenAI: base-url is the resource endpoint, each model a deployment. */
    AZURE("azure", Protocol.AZURE, null),
    /** AWS Bedrock's Converse API; base-url defaults to the region's bedrock-runtime endpoint. */
    BEDROCK("bedrock", Protocol.BEDROCK, null),
    SIMULATED("simulated", Protocol.SIMULATED, null);

    /** The wire protocol behind a type; one adapter per protocol. */
    public enum Protocol { OPENAI, ANTHROPIC, GEMINI, AZURE, BEDROCK, SIMULATED }

    private final String id;
    private final Protocol protocol;
    private final String defaultBaseUrl;

    ProviderType(String id, Protocol protocol, String defaultBaseUrl) {
        this.id = id;
        this.protocol = protocol;
        this.defaultBaseUrl = defaultBaseUrl;
    }

    public String id() {
        return id;
    }

    public Protocol protocol() {
        return protocol;
    }

    public Optional<String> defaultBaseUrl() {
        return Optional.ofNullable(defaultBaseUrl);
    }

    public static Optional<ProviderType> fromId(String id) {
        String wanted = id.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(t -> t.id.equals(wanted)).findFirst();
    }

    public static String allIds() {
        return String.join(", ", Arrays.stream(values()).map(ProviderType::id).toList());
    }
}
