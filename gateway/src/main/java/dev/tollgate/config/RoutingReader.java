package dev.tollgate.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.springframework.boot.convert.DurationStyle;
import tools.jackson.databind.JsonNode;

/**
 * Reads {@code routing:}. Every problem is recorded with its path (e.g.
 * {@code routing.aliases.auto.tiers.premium: unknown model 'gpt-5o'}) next to the rest of the
 * file's, so a bad edit is refused whole and the running config stays.
 */
final class RoutingReader {

    static final Set<String> OPERATIONS = Set.of("chat", "text_completion", "embeddings");
    private static final Set<String> ALIAS_FIELDS =
            Set.of("tiers", "baseline", "default", "rules", "classifier", "llm-classifier");
    private static final Set<String> CONDITION_FIELDS = Set.of("feature", "user", "team", "key", "metadata", "headers",
            "endpoint", "min-prompt-tokens", "max-prompt-tokens", "system-prompt", "tools", "images", "json-mode",
            "min-messages", "max-messages");

    private final List<String> problems;
    /** Resolves ${ENV} in a scalar, recording a problem at the path when it cannot. */
    private final BiFunction<String, String, String> env;

    RoutingReader(List<String> problems, BiFunction<String, String, String> env) {
        this.problems = problems;
        this.env = env;
    }

    /** The alias names written under routing.aliases, before anything is validated (keys may name them). */
    static Set<String> aliasNames(JsonNode root) {
        Set<String> names = new HashSet<>();
        root.path("routing").path("aliases").propertyNames().forEach(names::add);
        return names;
    }

    Routing read(JsonNode node, Set<String> modelNames) {
        if (node.isMissingNode() || node.isNull()) {
            return Routing.NONE;
        }
        if (!node.isObject()) {
            problems.add("routing: expected a mapping with aliases");
            return Routing.NONE;
        }
        allowOnly(node, "routing", Set.of("aliases"));
        JsonNode aliasesNode = node.path("aliases");
        if (!aliasesNode.isObject()) {
            if (!aliasesNode.isMissingNode()) {
                problems.add("routing.aliases: expected a mapping of alias name to { tiers, rules, classifier }");
            }
            return Routing.NONE;
        }
        Map<String, Routing.Alias> aliases = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : aliasesNode.properties()) {
            String path = "routing.aliases." + e.getKey();
            if (modelNames.contains(e.getKey())) {
                problems.add(path + ": an alias cannot have the name of a model");
                continue;
            }
            Routing.Alias alias = alias(e.getKey(), e.getValue(), path, modelNames);
            if (alias != null) {
                aliases.put(e.getKey(), alias);
            }
        }
        return new Routing(java.util.Collections.unmodifiableMap(aliases));
    }

    private Routing.Alias alias(String name, JsonNode node, String path, Set<String> modelNames) {
        if (!node.isObject()) {
            problems.add(path + ": expected { tiers, rules, classifier }");
            return null;
        }
        allowOnly(node, path, ALIAS_FIELDS);
        JsonNode tiersNode = node.path("tiers");
        if (!tiersNode.isObject() || tiersNode.isEmpty()) {
            problems.add(path + ".tiers: at least one tier is required, e.g. { utility: gpt-4o-mini, premium: gpt-4o }");
            return null;
        }
        Map<String, String> tiers = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> t : tiersNode.properties()) {
            String at = path + ".tiers." + t.getKey();
            String model = text(t.getValue(), at);
            if (model == null) {
                continue;
            }
            if (!modelNames.contains(model)) {
                problems.add(at + ": unknown model '" + model + "'" + ConfigReader.suggestion(model, modelNames));
                continue;
            }
            tiers.put(t.getKey(), model);
        }
        List<String> tierNames = List.copyOf(tiersNode.propertyNames());
        String last = tierNames.get(tierNames.size() - 1);
        String baseline = tier(node, "baseline", path, tierNames, last);
        String defaultTier = tier(node, "default", path, tierNames, baseline);
        List<Routing.Rule> rules = rules(node.path("rules"), path + ".rules", tierNames);
        Routing.Classifier classifier = classifier(node.path("classifier"), path + ".classifier", tierNames);
        Routing.LlmClassifier llm = llmClassifier(node.path("llm-classifier"), path + ".llm-classifier", modelNames,
                classifier != null);
        return new Routing.Alias(name, java.util.Collections.unmodifiableMap(tiers), baseline, defaultTier, rules,
                classifier, llm);
    }

    private String tier(JsonNode node, String field, String path, List<String> tierNames, String fallback) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        String tier = text(n, path + "." + field);
        if (tier != null && !tierNames.contains(tier)) {
            problems.add(path + "." + field + ": unknown tier '" + tier + "' (tiers: " + String.join(", ", tierNames) + ")"
                    + ConfigReader.suggestion(tier, tierNames));
            return fallback;
        }
        return tier == null ? fallback : tier;
    }

    private List<Routing.Rule> rules(JsonNode node, String path, List<String> tierNames) {
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            problems.add(path + ": expected a list of { name, when, tier }");
            return List.of();
        }
        List<Routing.Rule> rules = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String at = path + "[" + i + "]";
            JsonNode r = node.get(i);
            if (!r.isObject()) {
                problems.add(at + ": expected { name, when, tier }");
                continue;
            }
            allowOnly(r, at, Set.of("name", "when", "tier"));
            String name = r.has("name") ? text(r.get("name"), at + ".name") : null;
            if (name == null) {
                problems.add(at + ".name: required (it is shown in x-tollgate-route and usage)");
                continue;
            }
            if (!names.add(name)) {
                problems.add(at + ".name: duplicate rule name '" + name + "'");
            }
            Routing.Condition when = condition(r.path("when"), at + ".when");
            String tier = tier(r, "tier", at, tierNames, null);
            if (tier == null && !r.has("tier")) {
                problems.add(at + ".tier: required");
            }
            if (when != null && tier != null) {
                rules.add(new Routing.Rule(name, when, tier));
            }
        }
        return List.copyOf(rules);
    }

    private Routing.Condition condition(JsonNode node, String path) {
        if (!node.isObject() || node.isEmpty()) {
            problems.add(path + ": expected at least one condition, e.g. { feature: code-generation }");
            return null;
        }
        allowOnly(node, path, CONDITION_FIELDS);
        Map<String, String> metadata = new LinkedHashMap<>(map(node.path("metadata"), path + ".metadata"));
        for (String field : List.of("feature", "user", "team", "key")) {
            if (node.has(field)) {
                String v = text(node.get(field), path + "." + field);
                if (v != null) {
                    metadata.put(field, v);
                }
            }
        }
        Map<String, String> headers = new LinkedHashMap<>();
        map(node.path("headers"), path + ".headers").forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v));
        Set<String> endpoints = null;
        JsonNode endpoint = node.get("endpoint");
        if (endpoint != null) {
            endpoints = new LinkedHashSet<>();
            List<JsonNode> values = new ArrayList<>();
            if (endpoint.isArray()) {
                endpoint.forEach(values::add);
            } else {
                values.add(endpoint);
            }
            for (JsonNode v : values) {
                String op = text(v, path + ".endpoint");
                if (op != null && !OPERATIONS.contains(op)) {
                    problems.add(path + ".endpoint: unknown endpoint '" + op + "' (chat, text_completion, embeddings)"
                            + ConfigReader.suggestion(op, OPERATIONS));
                } else if (op != null) {
                    endpoints.add(op);
                }
            }
        }
        return new Routing.Condition(Map.copyOf(metadata), Map.copyOf(headers), endpoints == null ? null : Set.copyOf(endpoints),
                count(node, "min-prompt-tokens", path), count(node, "max-prompt-tokens", path),
                flag(node, "system-prompt", path), flag(node, "tools", path), flag(node, "images", path),
                flag(node, "json-mode", path), count(node, "min-messages", path), count(node, "max-messages", path));
    }

    private Routing.Classifier classifier(JsonNode node, String path, List<String> tierNames) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (node.isBoolean() && !node.asBoolean()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add(path + ": expected { thresholds: { <tier>: <least score> } }");
            return null;
        }
        allowOnly(node, path, Set.of("thresholds"));
        JsonNode t = node.path("thresholds");
        if (!t.isObject() || t.isEmpty()) {
            problems.add(path + ".thresholds: expected at least one { <tier>: <least score 0..1> }, e.g. { premium: 0.3 }");
            return null;
        }
        Map<String, Double> thresholds = new LinkedHashMap<>();
        int previousIndex = 0;
        double previous = 0;
        for (Map.Entry<String, JsonNode> e : t.properties()) {
            String at = path + ".thresholds." + e.getKey();
            int index = tierNames.indexOf(e.getKey());
            if (index < 0) {
                problems.add(at + ": unknown tier '" + e.getKey() + "' (tiers: " + String.join(", ", tierNames) + ")"
                        + ConfigReader.suggestion(e.getKey(), tierNames));
                continue;
            }
            if (index == 0) {
                problems.add(at + ": the cheapest tier needs no threshold (it takes every score below the others)");
                continue;
            }
            Double score = fraction(e.getValue(), at);
            if (score == null) {
                continue;
            }
            if (index <= previousIndex || score <= previous) {
                problems.add(at + ": thresholds must increase with the tier order (cheapest tier first)");
                continue;
            }
            previousIndex = index;
            previous = score;
            thresholds.put(e.getKey(), score);
        }
        return new Routing.Classifier(java.util.Collections.unmodifiableMap(thresholds));
    }

    private Routing.LlmClassifier llmClassifier(JsonNode node, String path, Set<String> modelNames, boolean trained) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add(path + ": expected { model, band: [low, high], timeout }");
            return null;
        }
        allowOnly(node, path, Set.of("model", "band", "timeout", "max-prompt-chars"));
        if (!trained) {
            problems.add(path + ": needs the classifier stage (it is only asked when the trained score is unsure)");
        }
        String model = node.has("model") ? text(node.get("model"), path + ".model") : null;
        if (model == null) {
            problems.add(path + ".model: required (a cheap configured model)");
            return null;
        }
        if (!modelNames.contains(model)) {
            problems.add(path + ".model: unknown model '" + model + "'" + ConfigReader.suggestion(model, modelNames));
            return null;
        }
        JsonNode band = node.path("band");
        if (!band.isArray() || band.size() != 2) {
            problems.add(path + ".band: expected [low, high], the trained scores for which the LLM is asked");
            return null;
        }
        Double low = fraction(band.get(0), path + ".band[0]");
        Double high = fraction(band.get(1), path + ".band[1]");
        if (low == null || high == null) {
            return null;
        }
        if (low > high) {
            problems.add(path + ".band: low is above high");
        }
        Duration timeout = Routing.LlmClassifier.DEFAULT_TIMEOUT;
        if (node.has("timeout")) {
            String text = text(node.get("timeout"), path + ".timeout");
            try {
                timeout = DurationStyle.detectAndParse(text.trim());
            } catch (RuntimeException e) {
                problems.add(path + ".timeout: expected a duration such as 800ms or 2s, was '" + text + "'");
            }
        }
        Integer maxChars = count(node, "max-prompt-chars", path);
        return new Routing.LlmClassifier(model, low, high, timeout, maxChars == null ? 4000 : maxChars);
    }

    private String text(JsonNode n, String path) {
        if (n == null || !n.isValueNode() || n.isNull()) {
            problems.add(path + ": expected a text value");
            return null;
        }
        return env.apply(n.asString(), path);
    }

    private Map<String, String> map(JsonNode node, String path) {
        if (node.isMissingNode() || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            problems.add(path + ": expected a mapping of names to text values");
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String v = text(e.getValue(), path + "." + e.getKey());
            if (v != null) {
                out.put(e.getKey(), v);
            }
        }
        return out;
    }

    private Boolean flag(JsonNode node, String field, String path) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        String v = text(n, path + "." + field);
        if ("true".equals(v) || "false".equals(v)) {
            return Boolean.valueOf(v);
        }
        problems.add(path + "." + field + ": expected true or false");
        return null;
    }

    private Integer count(JsonNode node, String field, String path) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        String v = text(n, path + "." + field);
        try {
            int value = Integer.parseInt(v.trim());
            if (value < 0) {
                problems.add(path + "." + field + ": cannot be negative");
            }
            return value;
        } catch (RuntimeException e) {
            problems.add(path + "." + field + ": expected a whole number, was '" + v + "'");
            return null;
        }
    }

    private Double fraction(JsonNode n, String path) {
        String v = text(n, path);
        if (v == null) {
            return null;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (d < 0 || d > 1) {
                problems.add(path + ": a score lies between 0 and 1, was " + v);
                return null;
            }
            return d;
        } catch (NumberFormatException e) {
            problems.add(path + ": expected a number between 0 and 1, was '" + v + "'");
            return null;
        }
    }

    private void allowOnly(JsonNode node, String path, Set<String> allowed) {
        for (String name : node.propertyNames()) {
            if (!allowed.contains(name)) {
                problems.add(path + "." + name + ": unknown field" + ConfigReader.suggestion(name, allowed));
            }
        }
    }
}
