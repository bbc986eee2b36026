package dev.tollgate.boot;

import dev.tollgate.admin.AdminAuthenticator;
import dev.tollgate.admin.AdminStore;
import dev.tollgate.alerts.WebhookNotifier;
import dev.tollgate.config.ConfigWatcher;
import dev.tollgate.insights.AnomalyDetector;
import dev.tollgate.insights.AnomalyLog;
import dev.tollgate.insights.AnomalyWatcher;
import dev.tollgate.insights.InsightsHandlers;
import dev.tollgate.insights.R2dbcAnomalyLog;
import dev.tollgate.insights.R2dbcRecommendationStore;
import dev.tollgate.insights.R2dbcUsageDigest;
import dev.tollgate.insights.RecommendationEngine;
import dev.tollgate.insights.RecommendationStore;
import dev.tollgate.insights.Recommender;
import dev.tollgate.insights.UsageDigest;
import io.r2dbc.pool.ConnectionPool;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Recommendations and anomaly alerts computed from the usage store (the {@code insights} section). */
@Configuration(proxyBeanMethods = false)
public class InsightsConfiguration {

    @Bean
    UsageDigest usageDigest(ConnectionPool usageConnections) {
        return new R2dbcUsageDigest(usageConnections);
    }

    @Bean
    RecommendationStore recommendationStore(ConnectionPool usageConnections) {
        return new R2dbcRecommendationStore(usageConnections);
    }

    @Bean
    AnomalyLog anomalyLog(ConnectionPool usageConnections) {
        return new R2dbcAnomalyLog(usageConnections);
    }

    @Bean
    Recommender recommender(UsageDigest usageDigest, RecommendationStore recommendationStore, @Lazy ConfigWatcher configWatcher) {
        return new Recommender(new RecommendationEngine(usageDigest), recommendationStore, () -> configWatcher.current().config(),
                Clock.systemUTC());
    }

    @Bean
    AnomalyWatcher anomalyWatcher(UsageDigest usageDigest, AnomalyLog anomalyLog, WebhookNotifier webhookNotifier,
            @Lazy ConfigWatcher configWatcher) {
        return new AnomalyWatcher(new AnomalyDetector(usageDigest), anomalyLog, webhookNotifier, () -> configWatcher.current().config(),
                Clock.systemUTC());
    }

    @Bean
    RouterFunction<ServerResponse> insightsRoutes(AdminAuthenticator adminAuthenticator, AdminStore adminStore,
            RecommendationStore recommendationStore, Recommender recommender, AnomalyLog anomalyLog) {
        return new InsightsHandlers(adminAuthenticator, adminStore, recommendationStore, recommender, anomalyLog, Clock.systemUTC()).routes();
    }
}
