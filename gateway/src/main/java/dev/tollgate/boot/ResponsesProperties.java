package dev.tollgate.boot;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The Responses API front door ({@code /v1/responses}).
 *
 * @param builtInTools what to do with built-in tools no deployment runs for Tollgate (web search,
 *     file search, computer use, code interpreter, ...): {@code drop} (default: leave them out of
 *     the upstream call and name them in the {@code x-tollgate-dropped-tools} header; the Codex
 *     CLI sends one on every call) or {@code reject} (a 400 naming the tool)
 * @param retention how long stored responses ({@code store: true}) are kept
 * @param maxPendingWrites stored responses written in the background at once; beyond that a
 *     response is not stored (logged) rather than queued without bound while the database is slow
 */
@ConfigurationProperties("tollgate.responses")
public record ResponsesProperties(
        @DefaultValue("drop") String builtInTools,
        @DefaultValue("30d") Duration retention,
        @DefaultValue("1000") int maxPendingWrites) {

    public ResponsesProperties {
        if (!builtInTools.equals("drop") && !builtInTools.equals("reject")) {
            throw new IllegalArgumentException("tollgate.responses.built-in-tools: expected drop or reject, was '" + builtInTools + "'");
        }
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("tollgate.responses.retention: expected a positive duration, was " + retention);
        }
        if (maxPendingWrites < 1) {
            throw new IllegalArgumentException("tollgate.responses.max-pending-writes: expected at least 1, was " + maxPendingWrites);
        }
    }

    public boolean rejectsBuiltInTools() {
        return builtInTools.equals("reject");
    }
}
