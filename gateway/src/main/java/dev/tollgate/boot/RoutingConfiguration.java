package dev.tollgate.boot;

import dev.tollgate.classify.ClassifyFilter;
import dev.tollgate.classify.LlmClassifier;
import dev.tollgate.classify.RouteExplainHandler;
import dev.tollgate.auth.VirtualKeyStore;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import dev.tollgate.routing.FallbackExecutor;
import dev.tollgate.usage.UsageSink;
import dev.tollgate.classify.RoutingBook;
import dev.tollgate.routing.RoutingTable;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Routing aliases ({@code routing:} in tollgate.yaml): the classification step and the shipped
 * complexity model, whose embedder is loaded only when an alias uses the classifier stage.
 */
@Configuration(proxyBeanMethods = false)
public class RoutingConfiguration {

    @Bean(destroyMethod = "close")
    RoutingBook routingBook() {
        return RoutingBook.withShippedModel();
    }

    @Bean
    ClassifyFilter classifyFilter(RoutingBook routingBook, RoutingTable routingTable, FallbackExecutor fallbackExecutor,
            UsageSink usageSink, MeterRegistry meters) {
        return new ClassifyFilter(routingBook, routingTable, new LlmClassifier(routingTable, fallbackExecutor, usageSink),
                meters);
    }

    @Bean
    RouterFunction<ServerResponse> routeExplainRoutes(ClassifyFilter classifyFilter, RoutingBook routingBook,
            VirtualKeyStore virtualKeyStore) {
        return new RouteExplainHandler(classifyFilter, routingBook, virtualKeyStore).routes();
    }
}
