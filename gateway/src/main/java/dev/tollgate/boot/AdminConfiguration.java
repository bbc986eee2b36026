package dev.tollgate.boot;

import dev.tollgate.admin.AdminAuthenticator;
import dev.tollgate.admin.AdminHandlers;
import dev.tollgate.admin.AdminStore;
import dev.tollgate.admin.IdentityHandler;
import dev.tollgate.admin.OverrideHandlers;
import dev.tollgate.admin.OverrideState;
import dev.tollgate.admin.OverrideStore;
import dev.tollgate.admin.R2dbcOverrideStore;
import dev.tollgate.admin.R2dbcAdminStore;
import dev.tollgate.admin.StoredState;
import dev.tollgate.auth.VirtualKeyStore;
import dev.tollgate.routing.RoutingTable;
import reactor.core.publisher.Mono;
import dev.tollgate.budget.BudgetBook;
import dev.tollgate.budget.BudgetLedger;
import dev.tollgate.config.ConfigWatcher;
import dev.tollgate.health.ProviderHealth;
import io.r2dbc.pool.ConnectionPool;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.context.annotation.Primary;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/** The admin API and the keys and budgets it manages (stored next to the usage events). */
@Configuration(proxyBeanMethods = false)
public class AdminConfiguration {

    @Bean
    AdminStore adminStore(ConnectionPool usageConnections) {
        return new R2dbcAdminStore(usageConnections);
    }

    @Bean
    StoredState storedState(AdminStore adminStore, BudgetBook budgetBook) {
        return new StoredState(adminStore, budgetBook, Duration.ofSeconds(5));
    }

    /**
     * Keys from the config file (the live routing snapshot), then keys made through the API. The
     * request pipeline's authentication reads the request's own snapshot instead.
     */
    @Bean
    @Primary
    VirtualKeyStore virtualKeyStore(RoutingTable routingTable, StoredState storedState) {
        return StoredState.compose(hash -> Mono.justOrEmpty(routingTable.snapshot().fileKey(hash)), storedState);
    }

    @Bean
    OverrideStore overrideStore(ConnectionPool usageConnections) {
        return new R2dbcOverrideStore(usageConnections);
    }

    /** Runtime overrides: every replica reads them within this interval (the same as admin-made keys). */
    @Bean
    OverrideState overrideState(OverrideStore overrideStore, @Lazy ConfigWatcher configWatcher, StoredState storedState) {
        return new OverrideState(overrideStore, configWatcher, storedState, Duration.ofSeconds(5));
    }

    @Bean
    RouterFunction<ServerResponse> overrideRoutes(AdminAuthenticator adminAuthenticator, AdminStore adminStore,
            OverrideStore overrideStore, OverrideState overrideState, @Lazy ConfigWatcher configWatcher) {
        return new OverrideHandlers(adminAuthenticator, adminStore, overrideStore, overrideState, configWatcher).routes();
    }

    @Bean
    RouterFunction<ServerResponse> identityRoutes(AdminAuthenticator adminAuthenticator) {
        return IdentityHandler.routes(adminAuthenticator);
    }

    /** The web console at /console; {@code tollgate.console.enabled=false} leaves it out. */
    @Bean
    @org.springframework.boot.autoconfigure.condition.ConditionalOnProperty(name = "tollgate.console.enabled", matchIfMissing = true)
    RouterFunction<ServerResponse> consoleRoutes() {
        return dev.tollgate.console.ConsoleRoutes.routes();
    }

    @Bean
    AdminAuthenticator adminAuthenticator(TollgateProperties properties) {
        return new AdminAuthenticator(properties.adminKey());
    }

    @Bean
    RouterFunction<ServerResponse> adminRoutes(AdminAuthenticator adminAuthenticator, AdminStore adminStore, StoredState storedState,
            BudgetBook budgetBook, BudgetLedger budgetLedger, @Lazy ConfigWatcher configWatcher, ProviderHealth providerHealth) {
        return new AdminHandlers(adminAuthenticator, adminStore, storedState, budgetBook, budgetLedger,
                () -> configWatcher.current().config(), providerHealth).routes();
    }
}
