package dev.tollgate.boot;

import dev.tollgate.alerts.R2dbcAlertLog;
import dev.tollgate.alerts.WebhookNotifier;
import dev.tollgate.budget.BudgetAlerts;
import dev.tollgate.budget.BudgetBook;
import dev.tollgate.budget.BudgetFilter;
import dev.tollgate.budget.BudgetLedger;
import dev.tollgate.budget.FailoverBudgetLedger;
import dev.tollgate.budget.InMemoryBudgetLedger;
import dev.tollgate.budget.LedgerRebuild;
import dev.tollgate.budget.RedisBudgetLedger;
import dev.tollgate.ratelimit.FailoverRateLimiter;
import dev.tollgate.ratelimit.InMemoryRateLimiter;
import dev.tollgate.ratelimit.RateLimitFilter;
import dev.tollgate.ratelimit.RateLimiter;
import dev.tollgate.ratelimit.RedisRateLimiter;
import dev.tollgate.ratelimit.UpstreamLimitAdmission;
import dev.tollgate.routing.DeploymentAdmission;
import dev.tollgate.support.AfterCallWork;
import dev.tollgate.support.RedisConnector;
import dev.tollgate.support.StateFailurePolicy;
import dev.tollgate.usage.UsageStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.pool.ConnectionPool;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Budgets and rate limits: in-memory on a single node (the ledger rebuilt from the usage store at
 * start), or in Redis shared by every replica ({@code tollgate.state.store=redis}, or the
 * {@code cluster} profile) with the configured failure policy.
 */
@Configuration(proxyBeanMethods = false)
public class MoneyConfiguration {

    @Bean(destroyMethod = "close")
    RedisConnector redisConnector(TollgateProperties properties) {
        TollgateProperties.State state = properties.state();
        return state.store().equals("redis") ? new RedisConnector(state.redisUrl(), state.redisTimeout()) : null;
    }

    @Bean
    BudgetBook budgetBook() {
        return new BudgetBook();
    }

    @Bean
    BudgetLedger budgetLedger(TollgateProperties properties, ObjectProvider<RedisConnector> redis, MeterRegistry meters) {
        RedisConnector connector = redis.getIfAvailable();
        if (connector == null) {
            return new InMemoryBudgetLedger();
        }
        return new FailoverBudgetLedger(new RedisBudgetLedger(connector), new InMemoryBudgetLedger(),
                policy("budget ledger", properties, meters));
    }

    @Bean
    RateLimiter rateLimiter(TollgateProperties properties, ObjectProvider<RedisConnector> redis, MeterRegistry meters) {
        RedisConnector connector = redis.getIfAvailable();
        if (connector == null) {
            return new InMemoryRateLimiter();
        }
        return new FailoverRateLimiter(new RedisRateLimiter(connector), new InMemoryRateLimiter(),
                policy("rate limiter", properties, meters));
    }

    private static StateFailurePolicy policy(String port, TollgateProperties properties, MeterRegistry meters) {
        return new StateFailurePolicy(port, properties.state().onRedisFailure().equals("fail-open"), meters);
    }

    @Bean
    DeploymentAdmission deploymentAdmission(RateLimiter rateLimiter, AfterCallWork afterCallWork) {
        return new UpstreamLimitAdmission(rateLimiter, afterCallWork);
    }

    @Bean
    RateLimitFilter rateLimitFilter(RateLimiter rateLimiter, MeterRegistry meters, AfterCallWork afterCallWork) {
        return new RateLimitFilter(rateLimiter, meters, afterCallWork);
    }

    @Bean
    WebhookNotifier webhookNotifier() {
        return new WebhookNotifier();
    }

    @Bean
    BudgetAlerts budgetAlerts(BudgetLedger budgetLedger, WebhookNotifier webhookNotifier, ConnectionPool usageConnections,
            MeterRegistry meters) {
        return new BudgetAlerts(budgetLedger, webhookNotifier, new R2dbcAlertLog(usageConnections), meters);
    }

    @Bean
    BudgetFilter budgetFilter(BudgetBook budgetBook, BudgetLedger budgetLedger, MeterRegistry meters,
            BudgetAlerts budgetAlerts, AfterCallWork afterCallWork) {
        return new BudgetFilter(budgetBook, budgetLedger, meters, budgetAlerts, afterCallWork);
    }

    /** A single-node ledger starts empty; this puts the current periods' spend back from the usage store. */
    @Bean
    LedgerRebuild ledgerRebuild(BudgetBook budgetBook, BudgetLedger budgetLedger, UsageStore usageStore, TollgateProperties properties) {
        return new LedgerRebuild(budgetBook, budgetLedger, usageStore, properties.state().store().equals("memory"));
    }
}
