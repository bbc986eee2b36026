package dev.tollgate.boot;

import dev.tollgate.api.Endpoint;
import dev.tollgate.api.ErrorEnvelopeHandler;
import dev.tollgate.api.RequestIdFilter;
import dev.tollgate.admin.StoredState;
import dev.tollgate.config.ConfigListener;
import dev.tollgate.config.ConfigReader;
import dev.tollgate.config.ConfigWatcher;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.frontdoor.anthropic.AnthropicErrors;
import dev.tollgate.frontdoor.anthropic.AnthropicFrontDoor;
import dev.tollgate.frontdoor.responses.ResponsesFrontDoor;
import dev.tollgate.health.ProviderHealth;
import dev.tollgate.health.ProviderProbes;
import dev.tollgate.metrics.GatewayMetrics;
import dev.tollgate.pipeline.AuthenticationFilter;
import dev.tollgate.pipeline.CountTokensFilter;
import dev.tollgate.pipeline.GatewayRoutes;
import dev.tollgate.pipeline.LlmCallFilter;
import dev.tollgate.pipeline.MeterRejectionsFilter;
import dev.tollgate.pipeline.ModelAccessFilter;
import dev.tollgate.pipeline.ModelCatalogFilter;
import dev.tollgate.pipeline.ParseRequestFilter;
import dev.tollgate.provider.ProviderAdapter;
import dev.tollgate.provider.anthropic.AnthropicAdapter;
import dev.tollgate.provider.bedrock.BedrockAdapter;
import dev.tollgate.provider.gemini.GeminiAdapter;
import dev.tollgate.provider.openai.OpenAiCompatibleAdapter;
import dev.tollgate.provider.simulated.SimulatedAdapter;
import dev.tollgate.routing.DeploymentAdmission;
import dev.tollgate.routing.FallbackExecutor;
import dev.tollgate.routing.RoutingTable;
import dev.tollgate.support.Json;
import dev.tollgate.support.TokenCounter;
import dev.tollgate.usage.UsageSink;
import dev.tollgate.usage.UsageWriter;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.netty.resources.ConnectionProvider;

/** The one place that decides which implementation backs each port, and wires the pipeline. */
@Configuration(proxyBeanMethods = false)
public class GatewayConfiguration {

    GatewayConfiguration() {
        // Lazily built state (BPE ranks, Jackson serializers) is built now, not by the first
        // requests on event-loop threads.
        TokenCounter.warmUp();
        Json.warmUp();
    }

    @Bean
    RouteLocator tollgateRoutes(RouteLocatorBuilder builder) {
        return GatewayRoutes.routes(builder);
    }

    @Bean
    RequestIdFilter requestIdFilter() {
        return new RequestIdFilter();
    }

    @Bean
    ErrorEnvelopeHandler errorEnvelopeHandler() {
        // Anthropic's front door answers errors in Anthropic's shape, so its SDKs raise their usual exceptions.
        return ErrorEnvelopeHandler.withShapes(Map.of(Endpoint.MESSAGES.path(), AnthropicErrors.SHAPE));
    }

    @Bean
    GatewayMetrics gatewayMetrics(MeterRegistry meters) {
        return new GatewayMetrics(meters);
    }

    @Bean(destroyMethod = "dispose")
    ConnectionProvider upstreamConnections() {
        // One pool for all providers; idle connections are closed before providers' load balancers
        // (typically 60 s+) drop them, which would otherwise fail the next request on that socket.
        return ConnectionProvider.builder("tollgate-upstream")
                .maxConnections(2000)
                .pendingAcquireMaxCount(-1)
                .maxIdleTime(Duration.ofSeconds(30))
                .evictInBackground(Duration.ofSeconds(30))
                .build();
    }

    @Bean
    Function<TollgateConfig.Provider, ProviderAdapter> providerAdapters(ConnectionProvider upstreamConnections) {
        return provider -> switch (provider.type().protocol()) {
            case OPENAI -> new OpenAiCompatibleAdapter(provider, upstreamConnections);
            case ANTHROPIC -> new AnthropicAdapter(provider, upstreamConnections);
            case GEMINI -> new GeminiAdapter(provider, upstreamConnections);
            case AZURE -> OpenAiCompatibleAdapter.azure(provider, upstreamConnections);
            case BEDROCK -> new BedrockAdapter(provider, upstreamConnections);
            case SIMULATED -> new SimulatedAdapter(provider);
        };
    }

    @Bean
    CircuitBreakerRegistry circuitBreakers(MeterRegistry meters) {
        CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(meters);
        return registry;
    }

    @Bean
    RoutingTable routingTable(Function<TollgateConfig.Provider, ProviderAdapter> providerAdapters,
            CircuitBreakerRegistry circuitBreakers) {
        return new RoutingTable(providerAdapters, circuitBreakers);
    }

    @Bean(destroyMethod = "close")
    ProviderProbes providerProbes(Function<TollgateConfig.Provider, ProviderAdapter> providerAdapters,
            ConnectionProvider upstreamConnections) {
        return new ProviderProbes(providerAdapters, upstreamConnections);
    }

    @Bean
    ProviderHealth providerHealth(RoutingTable routingTable, ProviderProbes providerProbes, MeterRegistry meters) {
        return new ProviderHealth(routingTable, providerProbes, meters);
    }


    @Bean
    ConfigWatcher configWatcher(TollgateProperties properties, List<ConfigListener> listeners, MeterRegistry meters) {
        String file = properties.config();
        ConfigWatcher watcher = new ConfigWatcher(file == null || file.isBlank() ? null : Path.of(file),
                ConfigReader.withSystemEnvironment(), listeners, meters);
        watcher.loadInitial();
        return watcher;
    }

    @Bean
    FallbackExecutor fallbackExecutor(GatewayMetrics metrics) {
        return new FallbackExecutor(next -> metrics.fallback(next.id()));
    }

    @Bean
    AuthenticationFilter authenticationFilter(RoutingTable routingTable, StoredState storedState) {
        return new AuthenticationFilter(routingTable, storedState);
    }

    @Bean
    MeterRejectionsFilter meterRejectionsFilter(UsageSink usageSink, GatewayMetrics metrics) {
        return new MeterRejectionsFilter(usageSink, metrics);
    }

    @Bean
    ParseRequestFilter parseRequestFilter(TollgateProperties properties, ResponsesProperties responses) {
        return new ParseRequestFilter(properties.maxRequestSize(), Map.of(Endpoint.MESSAGES, AnthropicFrontDoor.INSTANCE,
                Endpoint.RESPONSES, new ResponsesFrontDoor(responses.rejectsBuiltInTools())));
    }

    @Bean
    CountTokensFilter countTokensFilter(RoutingTable routingTable, TollgateProperties properties, ConfigWatcher configWatcher) {
        return new CountTokensFilter(routingTable, properties.maxRequestSize());
    }

    @Bean
    ModelAccessFilter modelAccessFilter(ConfigWatcher configWatcher) {
        return new ModelAccessFilter(configWatcher);
    }

    @Bean
    ModelCatalogFilter modelCatalogFilter(ConfigWatcher configWatcher) {
        return new ModelCatalogFilter(configWatcher);
    }

    @Bean
    LlmCallFilter llmCallFilter(RoutingTable routingTable, FallbackExecutor fallbackExecutor, UsageSink usageSink,
            GatewayMetrics metrics, ConfigWatcher configWatcher, DeploymentAdmission deploymentAdmission) {
        return new LlmCallFilter(routingTable, fallbackExecutor, usageSink, metrics, deploymentAdmission);
    }

    @Bean
    HealthIndicator usageStoreHealthIndicator(UsageWriter writer) {
        // Reports the writer's view (no query on the health probe's thread). While the store is
        // unreachable the status is SPOOLING, not DOWN: calls are still served and metered to disk,
        // and a load balancer must not pull every replica because the database blinked.
        return () -> (writer.storeUp() ? Health.up() : Health.status("SPOOLING").withDetail("error", String.valueOf(writer.lastError())))
                .withDetail("queued", writer.queued())
                .build();
    }

}
