package dev.tollgate.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code routing:} in tollgate.yaml: aliases such as {@code auto} that are routers, not deployment
 * lists. Each alias maps tier names (cheapest first) to configured models, so a tier keeps its
 * model's deployments, fallbacks, prices and capabilities.
 */
public record Routing(Map<String, Alias> aliases) {

    public static final Routing NONE = new Routing(Map.of());

    /**
     * @param tiers tier name → model, cheapest first (the order of the file)
     * @param baseline the tier savings are measured against ({@code baseline_cost_usd}); default
     *     the last (most capable) tier
     * @param defaultTier the tier when no stage decides; default the baseline
     * @param rules the fast path, first match wins
     * @param classifier the trained stage, or null when switched off
     * @param llmClassifier the LLM stage, or null when not configured
     */
    public record Alias(String name, Map<String, String> tiers, String baseline, String defaultTier, List<Rule> rules,
            Classifier classifier, LlmClassifier llmClassifier) {

        public List<String> tierNames() {
            return List.copyOf(tiers.keySet());
        }
    }

    /** A named rule: when every condition stated in {@code when} holds, the call goes to {@code tier}. */
    public record Rule(String name, Condition when, String tier) {}

    /**
     * Conditions of a rule; null (or empty) means "not a condition". Metadata conditions compare
     * with the call's attributes (key metadata, {@code x-tollgate-tag-*} headers, team, key, user,
     * feature); header names are case-insensitive.
     */
    public record Condition(Map<String, String> metadata, Map<String, String> headers, Set<String> endpoints,
            Integer minPromptTokens, Integer maxPromptTokens, Boolean systemPrompt, Boolean tools, Boolean images,
            Boolean jsonMode, Integer minMessages, Integer maxMessages) {}

    /**
     * The trained complexity classifier. {@code thresholds}: tier → the least score that sends a
     * call there (increasing with the tier order); below every threshold the cheapest tier.
     */
    public record Classifier(Map<String, Double> thresholds) {}

    /**
     * An LLM asked (seed 003 §6.3's prompt) only when the trained score lies within
     * [{@code bandLow}, {@code bandHigh}]; {@code timeout} bounds the call, after which the
     * trained decision stands.
     */
    public record LlmClassifier(String model, double bandLow, double bandHigh, Duration timeout, int maxPromptChars) {
        public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(800);
    }
}
