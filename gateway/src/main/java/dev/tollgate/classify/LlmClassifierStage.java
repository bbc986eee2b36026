package dev.tollgate.classify;

import dev.tollgate.config.Routing;
import dev.tollgate.pipeline.LlmExchange;
import reactor.core.publisher.Mono;

/** The LLM stage: asks a cheap model to classify the prompt. Empty when it cannot tell in time. */
public interface LlmClassifierStage {

    Mono<ClassifyFilter.Decision> classify(LlmExchange llm, Routing.Alias alias, Routing.LlmClassifier config, String text);
}
