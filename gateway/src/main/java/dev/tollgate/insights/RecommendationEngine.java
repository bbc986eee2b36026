package dev.tollgate.insights;

import dev.tollgate.config.Insights;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.provider.TokenUsage;
import dev.tollgate.usage.CostCalculator;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * The rules of seed 003 §8 over a window of usage (30 days by default), each finding with its
 * evidence, the calls it is about and what it would save in a 30-day month at today's prices:
 * <ul>
 *   <li>{@code model_downgrade}: a premium model (input price ≥ premium-input-price) answering
 *       more than min-calls short prompts with short answers; saving = their cost − the same
 *       tokens at the cheaper model's price.</li>
 *   <li>{@code caching_opportunity}: byte-identical requests sent min-repeats times or more;
 *       saving = the cost of every repeat after the first.</li>
 *   <li>{@code error_reduction}: a provider failing more than error-rate of at least min-calls
 *       calls; saving = what the failed calls were billed.</li>
 *   <li>{@code prompt_optimization}: more than min-calls prompts over min-input-tokens on a model;
 *       saving = reduction (30 %) of their input-token cost.</li>
 * </ul>
 */
public final class RecommendationEngine {

    static final Duration MONTH = Duration.ofDays(30);

    private final UsageDigest digest;

    public RecommendationEngine(UsageDigest digest) {
        this.digest = digest;
    }

    /** Everything found in {@code [now - window, now)}. */
    public Mono<List<Recommendation>> compute(TollgateConfig config, Instant now) {
        Insights.Recommendations s = config.insights().recommendations();
        Instant from = now.minus(s.window());
        Function<String, TollgateConfig.Price> prices = model -> price(config, model);
        return Mono.zip(digest.shortCalls(from, now, s.downgradeMaxInputTokens(), s.downgradeMaxOutputTokens()),
                        digest.repeats(from, now, s.cachingMinRepeats()),
                        digest.providerErrors(from, now),
                        digest.longPrompts(from, now, s.longPromptMinInputTokens()))
                .map(t -> {
                    Window w = new Window(from, now, s, prices);
                    List<Recommendation> out = new ArrayList<>();
                    out.addAll(downgrades(t.getT1(), w, config));
                    out.addAll(caching(t.getT2(), w));
                    out.addAll(errors(t.getT3(), w));
                    out.addAll(longPrompts(t.getT4(), w));
                    out.sort(Comparator.comparing(Recommendation::monthlySavingsUsd).reversed());
                    return out;
                });
    }

    private record Window(Instant from, Instant to, Insights.Recommendations s, Function<String, TollgateConfig.Price> prices) {

        BigDecimal monthly(BigDecimal inWindow) {
            return inWindow.multiply(BigDecimal.valueOf(MONTH.toSeconds()))
                    .divide(BigDecimal.valueOf(Duration.between(from, to).toSeconds()), 6, RoundingMode.HALF_UP);
        }

        Recommendation make(String kind, String subject, String priority, String title, String description,
                Map<String, Object> evidence, long calls, BigDecimal monthly) {
            return new Recommendation(kind + ":" + subject, kind, subject, priority, title, description, evidence, calls,
                    monthly, from, to, to, Recommendation.OPEN, null, null);
        }
    }

    private List<Recommendation> downgrades(List<UsageDigest.Tokens> rows, Window w, TollgateConfig config) {
        List<Recommendation> out = new ArrayList<>();
        String target = w.s().downgradeTo() != null ? w.s().downgradeTo() : cheapest(config);
        TollgateConfig.Price targetPrice = target == null ? null : w.prices().apply(target);
        if (targetPrice == null) {
            return out;
        }
        for (UsageDigest.Tokens r : rows) {
            TollgateConfig.Price price = w.prices().apply(r.model());
            if (price == null || r.model().equals(target) || price.input() == null
                    || price.input().compareTo(w.s().premiumInputPrice()) < 0 || r.calls() <= w.s().downgradeMinCalls()) {
                continue;
            }
            BigDecimal projected = CostCalculator.cost(targetPrice, new TokenUsage(r.inputTokens(), r.outputTokens(),
                    r.cachedInputTokens(), 0, false));
            BigDecimal saved = r.costUsd().subtract(projected);
            if (saved.signum() <= 0) {
                continue;
            }
            BigDecimal monthly = w.monthly(saved);
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("model", r.model());
            evidence.put("suggested_model", target);
            evidence.put("calls", r.calls());
            evidence.put("max_input_tokens", w.s().downgradeMaxInputTokens());
            evidence.put("max_output_tokens", w.s().downgradeMaxOutputTokens());
            evidence.put("avg_input_tokens", r.inputTokens() / r.calls());
            evidence.put("avg_output_tokens", r.outputTokens() / r.calls());
            evidence.put("current_cost_usd", r.costUsd());
            evidence.put("projected_cost_usd", projected);
            out.add(w.make("model_downgrade", r.model(), monthly.compareTo(BigDecimal.valueOf(500)) > 0 ? "high" : "medium",
                    "Send short requests on " + r.model() + " to " + target,
                    r.calls() + " successful calls to " + r.model() + " had prompts under " + w.s().downgradeMaxInputTokens()
                            + " tokens and answers under " + w.s().downgradeMaxOutputTokens() + " tokens: simple tasks that "
                            + target + " can likely handle at its lower price (a routing rule by token estimate, or model: auto).",
                    evidence, r.calls(), monthly));
        }
        return out;
    }

    private List<Recommendation> caching(List<UsageDigest.Repeats> rows, Window w) {
        List<Recommendation> out = new ArrayList<>();
        for (UsageDigest.Repeats r : rows) {
            if (r.wastedUsd().signum() <= 0) {
                continue;
            }
            BigDecimal monthly = w.monthly(r.wastedUsd());
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("model", r.model());
            evidence.put("repeated_requests", r.groups());
            evidence.put("calls", r.calls());
            evidence.put("repeats", r.calls() - r.groups());
            evidence.put("largest_group", r.largestGroup());
            evidence.put("min_repeats", w.s().cachingMinRepeats());
            evidence.put("wasted_cost_usd", r.wastedUsd());
            out.add(w.make("caching_opportunity", r.model(), monthly.compareTo(BigDecimal.valueOf(200)) > 0 ? "high" : "medium",
                    "Cache repeated requests to " + r.model(),
                    r.groups() + " distinct requests to " + r.model() + " were each sent at least " + w.s().cachingMinRepeats()
                            + " times (" + r.calls() + " calls, up to " + r.largestGroup() + " of the same). The exact cache "
                            + "(cache: { mode: exact }) would have answered every repeat at no cost.",
                    evidence, r.calls() - r.groups(), monthly));
        }
        return out;
    }

    private List<Recommendation> errors(List<UsageDigest.ProviderErrors> rows, Window w) {
        List<Recommendation> out = new ArrayList<>();
        for (UsageDigest.ProviderErrors r : rows) {
            double rate = r.calls() == 0 ? 0 : (double) r.errors() / r.calls();
            if (r.calls() < w.s().errorMinCalls() || rate <= w.s().errorRate()) {
                continue;
            }
            BigDecimal monthly = w.monthly(r.failedCostUsd());
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("provider", r.provider());
            evidence.put("calls", r.calls());
            evidence.put("errors", r.errors());
            evidence.put("error_rate", BigDecimal.valueOf(rate).setScale(4, RoundingMode.HALF_UP));
            evidence.put("top_error_code", r.topErrorCode());
            evidence.put("top_error_count", r.topErrorCount());
            evidence.put("failed_cost_usd", r.failedCostUsd());
            out.add(w.make("error_reduction", r.provider(), "high",
                    "Reduce failed calls to " + r.provider(),
                    String.format(java.util.Locale.ROOT, "%.1f %% of %d calls to %s failed (most often %s, %d times); each failure "
                            + "costs latency and retries, and $%s was billed for failed calls. Check its limits and "
                            + "credentials, or move traffic to a fallback deployment.", rate * 100, r.calls(), r.provider(),
                            r.topErrorCode(), r.topErrorCount(), r.failedCostUsd().stripTrailingZeros().toPlainString()),
                    evidence, r.errors(), monthly));
        }
        return out;
    }

    private List<Recommendation> longPrompts(List<UsageDigest.Tokens> rows, Window w) {
        List<Recommendation> out = new ArrayList<>();
        for (UsageDigest.Tokens r : rows) {
            TollgateConfig.Price price = w.prices().apply(r.model());
            if (r.calls() <= w.s().longPromptMinCalls() || price == null || price.input() == null) {
                continue;
            }
            BigDecimal inputCost = CostCalculator.cost(price, new TokenUsage(r.inputTokens(), 0, r.cachedInputTokens(), 0, false));
            BigDecimal saved = inputCost.multiply(w.s().promptReduction());
            if (saved.signum() <= 0) {
                continue;
            }
            BigDecimal monthly = w.monthly(saved);
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("model", r.model());
            evidence.put("calls", r.calls());
            evidence.put("min_input_tokens", w.s().longPromptMinInputTokens());
            evidence.put("avg_input_tokens", r.inputTokens() / r.calls());
            evidence.put("input_cost_usd", inputCost);
            evidence.put("assumed_reduction", w.s().promptReduction());
            out.add(w.make("prompt_optimization", r.model(), monthly.compareTo(BigDecimal.valueOf(300)) > 0 ? "high" : "medium",
                    "Shorten or cache the long prompts sent to " + r.model(),
                    r.calls() + " calls to " + r.model() + " sent more than " + w.s().longPromptMinInputTokens()
                            + " input tokens (" + r.inputTokens() / r.calls() + " on average). Trimming them, or provider "
                            + "prompt caching of their shared prefix, would save about " + w.s().promptReduction()
                            .multiply(BigDecimal.valueOf(100)).stripTrailingZeros().toPlainString() + " % of their input cost.",
                    evidence, r.calls(), monthly));
        }
        return out;
    }

    /** The price of a model of the config: its own, else its first deployment's. */
    static TollgateConfig.Price price(TollgateConfig config, String model) {
        TollgateConfig.Model m = config.models().get(model);
        if (m == null) {
            for (TollgateConfig.Model candidate : config.models().values()) {
                for (TollgateConfig.Deployment d : candidate.deployments()) {
                    if (model.equals(d.model()) && (d.price() != null || candidate.price() != null)) {
                        return d.price() != null ? d.price() : candidate.price();
                    }
                }
            }
            return null;
        }
        if (m.price() != null) {
            return m.price();
        }
        return m.deployments().stream().map(TollgateConfig.Deployment::price).filter(p -> p != null).findFirst().orElse(null);
    }

    /** The chat model of the config with the lowest input + output price. */
    static String cheapest(TollgateConfig config) {
        String best = null;
        BigDecimal bestPrice = null;
        for (String name : config.models().keySet()) {
            TollgateConfig.Price p = price(config, name);
            // An embedding model (no output price) answers no chat.
            if (p == null || p.input() == null || p.output() == null || p.output().signum() == 0) {
                continue;
            }
            BigDecimal sum = p.input().add(p.output());
            if (sum.signum() > 0 && (bestPrice == null || sum.compareTo(bestPrice) < 0)) {
                best = name;
                bestPrice = sum;
            }
        }
        return best;
    }
}
