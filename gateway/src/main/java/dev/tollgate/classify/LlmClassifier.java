package dev.tollgate.classify;

import dev.tollgate.api.Endpoint;
import dev.tollgate.api.JsonBody;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.api.RequestValidator;
import dev.tollgate.config.Routing;
import dev.tollgate.pipeline.LlmExchange;
import dev.tollgate.provider.ProviderRequest;
import dev.tollgate.provider.ProviderResponse;
import dev.tollgate.provider.TokenUsage;
import dev.tollgate.routing.CallTrace;
import dev.tollgate.routing.DeploymentTarget;
import dev.tollgate.routing.FallbackExecutor;
import dev.tollgate.routing.ModelRoute;
import dev.tollgate.routing.RoutingTable;
import dev.tollgate.support.Json;
import dev.tollgate.usage.CostCalculator;
import dev.tollgate.usage.UsageEvent;
import dev.tollgate.usage.UsageSink;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The LLM stage (seed 003 §6.3): asks a configured cheap model to classify the prompt as SIMPLE,
 * MODERATE, COMPLEX or CRITICAL with a suggested tier, in JSON. Bounded by the configured timeout;
 * a timeout, an error or an answer that is not the promised JSON yields nothing, and the trained
 * decision stands. Whatever the call cost is metered as its own usage event (operation
 * {@code classify}, request id {@code <call's id>/classify}, metadata {@code classifies}).
 */
public final class LlmClassifier implements LlmClassifierStage {

    private static final Logger log = LoggerFactory.getLogger(LlmClassifier.class);

    static final String PROMPT = """
            You are a task classifier for an AI routing system. Analyze the incoming request and classify it.

            ## Task Types
            - SIMPLE: Basic Q&A, classification, extraction, formatting
            - MODERATE: Summarization, translation, simple analysis
            - COMPLEX: Multi-step reasoning, code generation, creative writing
            - CRITICAL: High-stakes decisions, legal/medical, requires accuracy

            ## Output Format (JSON)
            {
              "task_type": "SIMPLE" | "MODERATE" | "COMPLEX" | "CRITICAL",
              "confidence": 0.0-1.0,
              "reasoning": "Brief explanation",
              "suggested_model_tier": %s,
              "requires_tools": boolean,
              "estimated_tokens": { "input": number, "output": number }
            }

            Answer with the JSON object only. The request to classify is the next message.""";

    private final RoutingTable routing;
    private final FallbackExecutor executor;
    private final UsageSink usage;

    public LlmClassifier(RoutingTable routing, FallbackExecutor executor, UsageSink usage) {
        this.routing = routing;
        this.executor = executor;
        this.usage = usage;
    }

    @Override
    public Mono<ClassifyFilter.Decision> classify(LlmExchange llm, Routing.Alias alias, Routing.LlmClassifier config,
            String text) {
        ModelRoute route = routing.route(config.model());
        if (route == null) {
            return Mono.empty();
        }
        List<DeploymentTarget> plan = routing.plan(route);
        LlmRequest request = request(config, alias, text);
        CallTrace trace = new CallTrace();
        String requestId = llm.requestId() + "/classify";
        long start = System.nanoTime();
        return executor.execute(plan, t -> t.adapter().call(new ProviderRequest(request, t.deployment().model(), requestId,
                        t.timeouts().connect())).flux(), false, trace)
                .next()
                .timeout(config.timeout())
                .doOnNext(answer -> meter(llm, config, trace, answer.usage(), start, 200, null))
                .doOnError(e -> meter(llm, config, trace, null, start, e instanceof TimeoutException ? 504 : 502,
                        e instanceof TimeoutException ? "classifier_timeout" : "classifier_failed"))
                .flatMap(answer -> Mono.justOrEmpty(decision(alias, answer.body())))
                .onErrorResume(e -> {
                    log.debug("LLM classifier for request {} gave no decision: {}", llm.requestId(), e.toString());
                    return Mono.empty();
                });
    }

    static LlmRequest request(Routing.LlmClassifier config, Routing.Alias alias, String text) {
        String tiers = String.join(" | ", alias.tierNames().stream().map(t -> "\"" + t + "\"").toList());
        String clipped = text.length() > config.maxPromptChars() ? text.substring(0, config.maxPromptChars()) : text;
        ObjectNode body = Json.MAPPER.createObjectNode().put("model", config.model()).put("temperature", 0)
                .put("max_tokens", 200);
        body.putObject("response_format").put("type", "json_object");
        body.putArray("messages")
                .add(Json.MAPPER.createObjectNode().put("role", "system").put("content", PROMPT.formatted(tiers)))
                .add(Json.MAPPER.createObjectNode().put("role", "user").put("content", clipped));
        return RequestValidator.validate(Endpoint.CHAT_COMPLETIONS, JsonBody.parse(Json.MAPPER.writeValueAsBytes(body)));
    }

    /** The tier the answer asks for; null when the answer is not the promised JSON. */
    static ClassifyFilter.Decision decision(Routing.Alias alias, byte[] openAiBody) {
        try {
            JsonNode answer = Json.MAPPER.readTree(openAiBody);
            String content = answer.path("choices").path(0).path("message").path("content").asString(null);
            if (content == null) {
                return null;
            }
            content = content.strip();
            if (content.startsWith("```")) { // some models fence their JSON despite the instruction
                content = content.replaceFirst("^```(json)?", "").replaceFirst("```$", "").strip();
            }
            JsonNode verdict = Json.MAPPER.readTree(content);
            String type = verdict.path("task_type").asString("").toUpperCase(Locale.ROOT);
            String suggested = verdict.path("suggested_model_tier").asString("");
            List<String> tiers = alias.tierNames();
            String tier;
            if (tiers.contains(suggested)) {
                tier = suggested;
            } else {
                int baseline = tiers.indexOf(alias.baseline());
                tier = switch (type) {
                    case "SIMPLE" -> tiers.get(0);
                    case "MODERATE" -> tiers.get(Math.min(1, baseline));
                    case "COMPLEX", "CRITICAL" -> alias.baseline();
                    default -> null;
                };
            }
            if (tier == null || !List.of("SIMPLE", "MODERATE", "COMPLEX", "CRITICAL").contains(type)) {
                return null;
            }
            double confidence = verdict.path("confidence").asDouble(Double.NaN);
            String reason = type.toLowerCase(Locale.ROOT)
                    + (Double.isNaN(confidence) ? "" : String.format(Locale.ROOT, ",confidence=%.2f", confidence));
            return new ClassifyFilter.Decision(tier, "llm", reason);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private void meter(LlmExchange llm, Routing.LlmClassifier config, CallTrace trace, TokenUsage used, long start,
            int status, String errorCode) {
        DeploymentTarget target = trace.deployment();
        TokenUsage billed = used == null ? TokenUsage.NONE : used;
        BigDecimal cost = target == null || target.price() == null ? null : CostCalculator.cost(target.price(), billed);
        if (cost == null && target != null && target.price() != null) {
            cost = BigDecimal.ZERO;
        }
        var key = llm.key();
        usage.record(new UsageEvent(UsageEvent.newId(), llm.requestId() + "/classify", Instant.now(), key.name(),
                key.team(), key.project(), llm.endUser() != null ? llm.endUser() : key.user(), llm.feature(), "classify",
                config.model(), target == null ? null : target.model(), target == null ? null : target.provider().name(),
                target == null ? null : target.id(), false, billed.inputTokens(), billed.outputTokens(),
                billed.cachedInputTokens(), billed.cacheWriteInputTokens(), billed.estimated(), cost,
                cost == null && target != null, target == null || target.price() == null ? null : target.price().version(),
                (int) ((System.nanoTime() - start) / 1_000_000), null, status, errorCode, trace.path(), trace.attempts(),
                null, null, llm.api(), null, null, Map.of("classifies", llm.requestId())));
    }

}
