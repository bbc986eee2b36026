package dev.tollgate.boot;

import dev.tollgate.admin.AdminAuthenticator;
import dev.tollgate.admin.AdminStore;
import dev.tollgate.auth.VirtualKeyStore;
import dev.tollgate.experiment.ExperimentAdminHandlers;
import dev.tollgate.experiment.ExperimentBook;
import dev.tollgate.experiment.ExperimentFilter;
import dev.tollgate.experiment.ExperimentStore;
import dev.tollgate.experiment.FeedbackHandler;
import dev.tollgate.experiment.R2dbcExperimentStore;
import io.r2dbc.pool.ConnectionPool;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/** A/B experiments: their definitions, the filter that assigns variants, feedback and the admin endpoints. */
@Configuration(proxyBeanMethods = false)
public class ExperimentConfiguration {

    @Bean
    ExperimentStore experimentStore(ConnectionPool usageConnections) {
        return new R2dbcExperimentStore(usageConnections);
    }

    @Bean
    ExperimentBook experimentBook(ExperimentStore experimentStore) {
        return new ExperimentBook(experimentStore, Duration.ofSeconds(5));
    }

    @Bean
    ExperimentFilter experimentFilter(ExperimentBook experimentBook) {
        return new ExperimentFilter(experimentBook);
    }

    @Bean
    RouterFunction<ServerResponse> feedbackRoutes(ExperimentStore experimentStore, VirtualKeyStore virtualKeyStore) {
        return new FeedbackHandler(experimentStore, virtualKeyStore).routes();
    }

    @Bean
    RouterFunction<ServerResponse> experimentAdminRoutes(AdminAuthenticator adminAuthenticator, AdminStore adminStore,
            ExperimentStore experimentStore, ExperimentBook experimentBook) {
        return new ExperimentAdminHandlers(adminAuthenticator, adminStore, experimentStore, experimentBook).routes();
    }
}
