package dev.tollgate.sidecar;

import dev.tollgate.embedding.BatchingEmbedder;
import dev.tollgate.embedding.EmbeddingModel;
import dev.tollgate.embedding.OnnxEmbedder;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

@Configuration(proxyBeanMethods = false)
class SidecarConfiguration {

    @Bean(destroyMethod = "close")
    BatchingEmbedder batchingEmbedder(SidecarProperties properties, MeterRegistry meters) {
        EmbeddingModel model = EmbeddingModel.fromId(properties.model()).orElseThrow(() -> new IllegalArgumentException(
                "sidecar.model: unknown embedding model '" + properties.model() + "' (known: " + EmbeddingModel.allIds() + ")"));
        BatchingEmbedder embedder = new BatchingEmbedder(OnnxEmbedder.load(model, properties.threads()), 1,
                properties.maxBatch(), properties.maxWait(), properties.capacity());
        FunctionCounter.builder("sidecar_texts_total", embedder, BatchingEmbedder::texts)
                .description("Texts embedded").register(meters);
        FunctionCounter.builder("sidecar_batches_total", embedder, BatchingEmbedder::batches)
                .description("Inferences run; texts / batches is the mean batch size").register(meters);
        FunctionCounter.builder("sidecar_rejected_total", embedder, BatchingEmbedder::rejected)
                .description("Texts refused with 503 because the queue was full").register(meters);
        Gauge.builder("sidecar_queue_texts", embedder, BatchingEmbedder::queued)
                .description("Texts waiting for an inference").register(meters);
        return embedder;
    }

    @Bean
    HealthIndicator embedderHealth(BatchingEmbedder embedder, SidecarProperties properties) {
        return () -> (embedder.queued() < properties.capacity() ? Health.up() : Health.outOfService())
                .withDetail("model", embedder.model().id()).withDetail("queued", embedder.queued()).build();
    }

    @Bean
    RouterFunction<ServerResponse> routes(EmbeddingsHandler handler, BatchingEmbedder embedder) {
        ModelsHandler models = new ModelsHandler(embedder.model().id());
        return RouterFunctions.route()
                .POST("/v1/embeddings", handler::embeddings)
                .GET("/v1/models", models::list)
                .GET("/v1/models/{id}", models::one)
                // Everything else but the actuator (mapped before router functions): OpenAI's 404.
                .route(request -> !request.path().startsWith("/actuator"), models::unknown)
                .build();
    }

    @Bean
    EmbeddingsHandler embeddingsHandler(BatchingEmbedder embedder, SidecarProperties properties) {
        return new EmbeddingsHandler(embedder, properties.maxInputs());
    }
}
