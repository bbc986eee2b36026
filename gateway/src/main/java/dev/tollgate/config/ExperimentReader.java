package dev.tollgate.config;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Reads one experiment, from {@code experiments:} in the config file or from the admin API's JSON
 * (the same kebab-case fields). Problems are added to {@code problems} with their path, e.g.
 * {@code experiments[0].variants[1].weight: ...}; the path's last part names the field.
 */
public final class ExperimentReader {

    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Set<String> FIELDS = Set.of("name", "model", "unit", "variants", "team", "feature", "start", "end", "min-calls");
    private static final Set<String> VARIANT_FIELDS = Set.of("name", "weight", "model", "strategy");

    private ExperimentReader() {}

    /**
     * @param models the names calls can be routed to (models, and routing aliases)
     * @return the experiment, or null when a problem was found
     */
    public static Experiment read(JsonNode node, String path, Set<String> models, List<String> problems) {
        int before = problems.size();
        if (!node.isObject()) {
            problems.add(path + ": expected { name, model, variants: [...] }");
            return null;
        }
        for (String field : node.propertyNames()) {
            if (!FIELDS.contains(field)) {
                problems.add(path + "." + field + ": unknown field (allowed: " + String.join(", ", sorted(FIELDS)) + ")");
            }
        }
        String name = text(node, "name", path, true, problems);
        if (name != null && !NAME.matcher(name).matches()) {
            problems.add(path + ".name: 1-128 letters, digits, '.', '_' or '-', was '" + name + "'");
        }
        String model = text(node, "model", path, true, problems);
        if (model != null && !models.contains(model)) {
            problems.add(path + ".model: unknown model '" + model + "'");
        }
        Experiment.Unit unit = Experiment.Unit.USER;
        String unitText = text(node, "unit", path, false, problems);
        if (unitText != null) {
            try {
                unit = Experiment.Unit.valueOf(unitText.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problems.add(path + ".unit: one of user, key, request, was '" + unitText + "'");
            }
        }
        List<Experiment.Variant> variants = variants(node.path("variants"), path + ".variants", models, problems);
        String team = text(node, "team", path, false, problems);
        String feature = text(node, "feature", path, false, problems);
        Instant start = instant(node, "start", path, problems);
        Instant end = instant(node, "end", path, problems);
        if (start != null && end != null && !end.isAfter(start)) {
            problems.add(path + ".end: must be after start");
        }
        int minCalls = Experiment.DEFAULT_MIN_CALLS;
        JsonNode min = node.path("min-calls");
        if (!min.isMissingNode()) {
            if (!min.isIntegralNumber() || min.asInt() < 2) {
                problems.add(path + ".min-calls: a whole number of calls, at least 2, was '" + min.asString() + "'");
            } else {
                minCalls = min.asInt();
            }
        }
        if (problems.size() > before) {
            return null;
        }
        return new Experiment(name, model, unit, variants, team, feature, start, end, minCalls);
    }

    private static List<Experiment.Variant> variants(JsonNode node, String path, Set<String> models, List<String> problems) {
        if (!node.isArray() || node.size() < 2) {
            problems.add(path + ": at least two variants { name, weight, model or strategy } are required");
            return List.of();
        }
        List<Experiment.Variant> variants = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int total = 0;
        for (int i = 0; i < node.size(); i++) {
            String vpath = path + "[" + i + "]";
            JsonNode v = node.get(i);
            if (!v.isObject()) {
                problems.add(vpath + ": expected { name, weight, model or strategy }");
                continue;
            }
            for (String field : v.propertyNames()) {
                if (!VARIANT_FIELDS.contains(field)) {
                    problems.add(vpath + "." + field + ": unknown field (allowed: name, weight, model, strategy)");
                }
            }
            String name = text(v, "name", vpath, true, problems);
            if (name != null && !NAME.matcher(name).matches()) {
                problems.add(vpath + ".name: 1-128 letters, digits, '.', '_' or '-', was '" + name + "'");
            } else if (name != null && !names.add(name)) {
                problems.add(vpath + ".name: '" + name + "' is used by another variant");
            }
            int weight = 1;
            JsonNode w = v.path("weight");
            if (!w.isMissingNode()) {
                if (!w.isIntegralNumber() || w.asInt() < 0) {
                    problems.add(vpath + ".weight: a whole number, zero or more, was '" + w.asString() + "'");
                } else {
                    weight = w.asInt();
                }
            }
            total += weight;
            String model = text(v, "model", vpath, false, problems);
            if (model != null && !models.contains(model)) {
                problems.add(vpath + ".model: unknown model '" + model + "'");
            }
            RoutingStrategy strategy = v.has("strategy") ? StrategyReader.read(v.path("strategy"), vpath + ".strategy", problems) : null;
            variants.add(new Experiment.Variant(name, weight, model, strategy));
        }
        if (total == 0 && !variants.isEmpty()) {
            problems.add(path + ": at least one variant needs a weight above 0");
        }
        return List.copyOf(variants);
    }

    private static String text(JsonNode node, String field, String path, boolean required, List<String> problems) {
        JsonNode v = node.path(field);
        if (v.isMissingNode() || v.isNull()) {
            if (required) {
                problems.add(path + "." + field + ": required");
            }
            return null;
        }
        if (!v.isString() || v.asString().isBlank()) {
            problems.add(path + "." + field + ": expected a non-empty string");
            return null;
        }
        return v.asString().trim();
    }

    private static Instant instant(JsonNode node, String field, String path, List<String> problems) {
        String text = text(node, field, path, false, problems);
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            problems.add(path + "." + field + ": expected a UTC time such as 2026-12-01T00:00:00Z, was '" + text + "'");
            return null;
        }
    }

    private static List<String> sorted(Set<String> set) {
        return set.stream().sorted().toList();
    }
}
