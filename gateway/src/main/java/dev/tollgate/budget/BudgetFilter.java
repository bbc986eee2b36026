package dev.tollgate.budget;

import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.JsonBody;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.api.RequestValidator;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.pipeline.FilterOrder;
import dev.tollgate.pipeline.GatewayRoutes;
import dev.tollgate.pipeline.LlmExchange;
import dev.tollgate.routing.DeploymentTarget;
import dev.tollgate.routing.ModelRoute;
import dev.tollgate.routing.RoutingTable;
import dev.tollgate.support.AfterCallWork;
import dev.tollgate.usage.UsageEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Step 5: budgets. Before the call, the request's worst case (input tokens × the highest input
 * price it may be routed to, plus its output limit × the highest output price) is reserved on every
 * budget that applies; over a hard budget the call is refused with OpenAI's quota error, or its
 * max_tokens is capped to what the budget can still pay for. After the call, the true cost from
 * the usage event settles the reservation. Concurrent calls each hold their worst case, so
 * together they cannot overspend, on one replica or many.
 */
public class BudgetFilter implements GlobalFilter, Ordered {

    private static final Logger log = LoggerFactory.getLogger(BudgetFilter.class);
    public static final String WARNING_HEADER = "x-tollgate-budget-warning";
    public static final String CAPPED_HEADER = "x-tollgate-max-tokens-capped";

    private final BudgetBook book;
    private final BudgetLedger ledger;
    private final MeterRegistry meters;
    private final BudgetAlerts alerts;
    private final AfterCallWork afterCall;

    public BudgetFilter(BudgetBook book, BudgetLedger ledger, MeterRegistry meters, BudgetAlerts alerts, AfterCallWork afterCall) {
        this.afterCall = afterCall;
        this.book = book;
        this.ledger = ledger;
        this.meters = meters;
        this.alerts = alerts;
    }

    /** Highest prices (µ$ per token = $ per 1M tokens) over a model and its fallbacks, and its call budget. */
    record WorstCase(BigDecimal inputPrice, BigDecimal outputPrice, int maxOutputTokens, Duration longestCall) {}

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (!GatewayRoutes.isLlmRoute(exchange) || book.isEmpty()) {
            return chain.filter(exchange);
        }
        LlmExchange llm = LlmExchange.of(exchange);
        List<BudgetBook.Applied> applied = book.applicable(llm.attributes(), Instant.now());
        if (applied.isEmpty()) {
            return chain.filter(exchange);
        }
        WorstCase worst = worstCase(llm.routes(), llm.route());
        if (worst == null) {
            // No price anywhere on the route (neither config nor catalog): nothing is reserved, the
            // call is allowed and its cost recorded as unknown (NULL, cost_unknown). A route with
            // some priced deployments reserves at their worst case; a call that lands on an
            // unpriced one settles at 0 (see settle).
            return chain.filter(exchange);
        }
        LlmRequest request = llm.request();
        if (request.maxOutputTokens() == null && request.endpoint() != Endpoint.EMBEDDINGS && worst.maxOutputTokens() > 0) {
            // The reservation assumes the model's max-output-tokens when the client set no limit;
            // the provider must not be allowed more, or concurrent calls could overspend.
            llm.replaceRequest(withMaxTokens(request, worst.maxOutputTokens()));
        }
        List<LedgerAccount> accounts = applied.stream().map(BudgetBook.Applied::account).toList();
        String reservationId = llm.requestId() + ":" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        Duration ttl = worst.longestCall().plusMinutes(1);
        long amount = reservation(llm.request(), llm.inputTokenEstimate(), worst);
        return ledger.reserve(reservationId, accounts, amount, ttl)
                .flatMap(result -> {
                    if (result.granted()) {
                        return Mono.just(result);
                    }
                    BudgetBook.Applied blocking = find(applied, result.rejected());
                    if (blocking.budget().capMaxTokens()) {
                        return capAndRetry(exchange, llm, applied, accounts, result, blocking, worst, reservationId, ttl);
                    }
                    return Mono.error(exhausted(blocking, result));
                })
                .flatMap(result -> {
                    warnSoft(exchange, applied, result, amount);
                    llm.onFinish(event -> settle(reservationId, applied, event));
                    return chain.filter(exchange);
                });
    }

    private Mono<BudgetLedger.ReserveResult> capAndRetry(ServerWebExchange exchange, LlmExchange llm,
            List<BudgetBook.Applied> applied, List<LedgerAccount> accounts, BudgetLedger.ReserveResult first,
            BudgetBook.Applied blocking, WorstCase worst, String reservationId, Duration ttl) {
        long remaining = Long.MAX_VALUE;
        for (LedgerBalance b : first.balances()) {
            LedgerAccount account = accounts.stream().filter(a -> a.id().equals(b.account())).findFirst().orElseThrow();
            if (account.limitMicros() != Long.MAX_VALUE) {
                remaining = Math.min(remaining, account.limitMicros() - b.committedMicros());
            }
        }
        LlmRequest request = llm.request();
        BigDecimal inputCost = worst.inputPrice().multiply(BigDecimal.valueOf(llm.inputTokenEstimate()));
        BigDecimal perToken = worst.outputPrice().multiply(BigDecimal.valueOf(request.choices()));
        long affordable = perToken.signum() == 0 ? Integer.MAX_VALUE
                : BigDecimal.valueOf(remaining).subtract(inputCost).divide(perToken, 0, RoundingMode.FLOOR).longValue();
        if (affordable < 1) {
            return Mono.error(exhausted(blocking, first));
        }
        int capped = (int) Math.min(affordable, Integer.MAX_VALUE);
        LlmRequest cappedRequest = withMaxTokens(request, capped);
        llm.replaceRequest(cappedRequest);
        exchange.getResponse().getHeaders().set(CAPPED_HEADER, Integer.toString(capped));
        long amount = reservation(cappedRequest, llm.inputTokenEstimate(), worst);
        return ledger.reserve(reservationId, accounts, amount, ttl).flatMap(second -> second.granted()
                ? Mono.just(second)
                : Mono.error(exhausted(find(applied, second.rejected()), second)));
    }

    /** The request with its output limit lowered, in the field the client used. */
    static LlmRequest withMaxTokens(LlmRequest request, int maxTokens) {
        String field = request.json().has("max_completion_tokens") || (request.endpoint() == Endpoint.CHAT_COMPLETIONS
                && !request.json().has("max_tokens")) ? "max_completion_tokens" : "max_tokens";
        Map<String, String> rewrite = JsonBody.fields();
        rewrite.put(field, Integer.toString(maxTokens));
        if (field.equals("max_completion_tokens") && request.json().has("max_tokens")) {
            rewrite.put("max_tokens", Integer.toString(maxTokens));
        }
        return RequestValidator.validate(request.endpoint(), JsonBody.parse(request.body().rewrite(rewrite)));
    }

    private void settle(String reservationId, List<BudgetBook.Applied> applied, UsageEvent event) {
        // An unknown cost (NULL) settles at 0: the reservation is released, nothing is spent.
        long actual = event.costUsd() == null ? 0 : event.costUsd().movePointRight(6).setScale(0, RoundingMode.HALF_UP).longValueExact();
        List<LedgerAccount> accounts = applied.stream().map(BudgetBook.Applied::account).toList();
        // Retried until it lands (settling is idempotent per reservation id): a settlement lost
        // while Redis was away left the ledger below the usage store and the reservation held.
        afterCall.submit("budget settlement " + reservationId, true, () -> ledger.settle(reservationId, accounts, actual)
                .then(Mono.defer(() -> alerts.afterSettle(applied))
                        .onErrorResume(e -> {
                            log.warn("Budget alert check after {} failed: {}", reservationId, e.toString());
                            return Mono.empty();
                        })));
    }

    /** Worst-case cost in micro-dollars, rounded up. */
    static long reservation(LlmRequest request, int inputTokens, WorstCase worst) {
        long output = (long) (request.maxOutputTokens() != null ? request.maxOutputTokens() : worst.maxOutputTokens()) * request.choices();
        if (request.endpoint() == Endpoint.EMBEDDINGS) {
            output = 0;
        }
        return worst.inputPrice().multiply(BigDecimal.valueOf(inputTokens))
                .add(worst.outputPrice().multiply(BigDecimal.valueOf(output)))
                .setScale(0, RoundingMode.CEILING).longValueExact();
    }

    private static WorstCase worstCase(RoutingTable.Snapshot snapshot, ModelRoute route) {
        if (route == null) {
            return null;
        }
        List<ModelRoute> routes = new ArrayList<>();
        routes.add(route);
        for (String fb : route.fallbacks()) {
            ModelRoute r = snapshot.route(fb);
            if (r != null) {
                routes.add(r);
            }
        }
        BigDecimal in = null;
        BigDecimal out = null;
        Duration longest = Duration.ZERO;
        for (ModelRoute r : routes) {
            for (DeploymentTarget t : r.deployments()) {
                // Each deployment's own price (config override or catalog); the whole prompt may be
                // a cache write, so its price counts as an input price.
                TollgateConfig.Price p = t.price();
                if (p != null) {
                    BigDecimal input = p.input().max(p.cachedInput()).max(p.cacheWrite());
                    in = in == null ? input : in.max(input);
                    out = out == null ? p.output() : out.max(p.output());
                }
                longest = longest.plus(t.timeouts().total().multipliedBy(t.provider().retry().maxAttempts()));
            }
        }
        if (in == null) {
            return null;
        }
        if (longest.compareTo(Duration.ofHours(1)) > 0) {
            longest = Duration.ofHours(1);
        }
        return new WorstCase(in, out, route.model().maxOutputTokens(), longest);
    }

    private void warnSoft(ServerWebExchange exchange, List<BudgetBook.Applied> applied, BudgetLedger.ReserveResult result, long amount) {
        for (int i = 0; i < applied.size(); i++) {
            BudgetBook.Applied a = applied.get(i);
            if (a.budget().hard()) {
                continue;
            }
            long limit = BudgetBook.micros(a.budget().amountUsd());
            long committed = result.balances().get(i).committedMicros();
            if (committed > limit) {
                Counter.builder("tollgate.budget.soft.exceeded").tag("budget", a.budget().name()).register(meters).increment();
                exchange.getResponse().getHeaders().add(WARNING_HEADER, "budget '" + a.budget().name() + "' (" + a.instance()
                        + ") is at " + (committed * 100 / Math.max(1, limit)) + "% of $" + a.budget().amountUsd().toPlainString()
                        + " for " + a.window().id());
            }
        }
    }

    private GatewayException exhausted(BudgetBook.Applied budget, BudgetLedger.ReserveResult result) {
        Counter.builder("tollgate.budget.rejections").tag("budget", budget.budget().name()).register(meters).increment();
        LedgerBalance balance = result.balances().stream().filter(b -> b.account().equals(budget.account().id())).findFirst()
                .orElse(new LedgerBalance(budget.account().id(), 0, 0));
        String resets = DateTimeFormatter.ISO_INSTANT.format(budget.window().end());
        return new GatewayException(HttpStatus.TOO_MANY_REQUESTS, "insufficient_quota", "insufficient_quota", null,
                "You exceeded the budget '" + budget.budget().name() + "'" + (budget.instance().equals("all") ? "" : " (" + budget.instance() + ")")
                        + ": $" + BudgetBook.usd(balance.spentMicros()).toPlainString() + " spent and $"
                        + BudgetBook.usd(balance.reservedMicros()).toPlainString() + " reserved of $"
                        + budget.budget().amountUsd().toPlainString() + " for " + budget.window().id()
                        + "; this request could cost more than what is left. The budget resets at " + resets + ".")
                .shouldRetry(false);
    }

    private static BudgetBook.Applied find(List<BudgetBook.Applied> applied, String accountId) {
        return applied.stream().filter(a -> a.account().id().equals(accountId)).findFirst().orElseThrow();
    }

    @Override
    public int getOrder() {
        return FilterOrder.BUDGET;
    }
}
