package dev.tollgate.boot;

import dev.tollgate.admin.AdminAuthenticator;
import dev.tollgate.analytics.AnalyticsHandlers;
import dev.tollgate.analytics.CostAnalytics;
import dev.tollgate.analytics.R2dbcCostAnalytics;
import io.r2dbc.pool.ConnectionPool;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Cost analytics over the usage store: costs, usage and savings under {@code /admin/v1}. */
@Configuration(proxyBeanMethods = false)
public class AnalyticsConfiguration {

    @Bean
    CostAnalytics costAnalytics(ConnectionPool usageConnections) {
        return new R2dbcCostAnalytics(usageConnections);
    }

    @Bean
    RouterFunction<ServerResponse> analyticsRoutes(AdminAuthenticator adminAuthenticator, CostAnalytics costAnalytics) {
        return new AnalyticsHandlers(adminAuthenticator, costAnalytics, Clock.systemUTC()).routes();
    }
}
