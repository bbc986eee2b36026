package dev.tollgate.boot;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The Responses API front door ({@code /v1/responses}).
 *
 * @param builtInTools what to do with built-in tools no deployment runs for Tollgate (web search,
 *     file search, computer use, code interpreter, ...): {@code drop} (default: leave them out of
 *     the upstream call and name them in the {@code x-tollgate-dropped-tools} header; the Codex
 *     CLI sends one on every call) or {@code reject} (a 400 naming the tool)
 */
@ConfigurationProperties("tollgate.responses")
public record ResponsesProperties(@DefaultValue("drop") String builtInTools) {

    public ResponsesProperties {
        if (!builtInTools.equals("drop") && !builtInTools.equals("reject")) {
            throw new IllegalArgumentException("tollgate.responses.built-in-tools: expected drop or reject, was '" + builtInTools + "'");
        }
    }

    public boolean rejectsBuiltInTools() {
        return builtInTools.equals("reject");
    }
}
