package dev.tollgate.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.boot.convert.DurationStyle;
import tools.jackson.databind.JsonNode;

/**
 * Reads a model's {@code strategy:}: a name ({@code strategy: priority}) or a mapping with
 * settings ({@code strategy: { type: latency, window: 2m, exploration: 0.1 }}). Problems are
 * added to the reader's list with their path.
 */
final class StrategyReader {

    private static final Set<String> FIELDS = Set.of("type", "window", "exploration");

    private StrategyReader() {}

    static RoutingStrategy read(JsonNode node, String path, List<String> problems) {
        if (node.isMissingNode() || node.isNull()) {
            return RoutingStrategy.WEIGHTED;
        }
        if (node.isString()) {
            RoutingStrategy.Kind kind = kind(node.asString(), path, problems);
            return kind == null ? RoutingStrategy.WEIGHTED : RoutingStrategy.of(kind);
        }
        if (!node.isObject()) {
            problems.add(path + ": expected a strategy name (" + names() + ") or { type, window, exploration }");
            return RoutingStrategy.WEIGHTED;
        }
        for (String field : node.propertyNames()) {
            if (!FIELDS.contains(field)) {
                problems.add(path + "." + field + ": unknown setting (allowed: type, window, exploration)");
            }
        }
        JsonNode type = node.path("type");
        if (!type.isString()) {
            problems.add(path + ".type: required, one of " + names());
            return RoutingStrategy.WEIGHTED;
        }
        RoutingStrategy.Kind kind = kind(type.asString(), path + ".type", problems);
        Duration window = RoutingStrategy.DEFAULT_WINDOW;
        JsonNode w = node.path("window");
        if (!w.isMissingNode()) {
            try {
                window = DurationStyle.detectAndParse(w.asString().trim());
                if (window.isNegative() || window.isZero()) {
                    problems.add(path + ".window: must be longer than zero");
                }
            } catch (IllegalArgumentException e) {
                problems.add(path + ".window: expected a duration such as 30s or 5m, was '" + w.asString() + "'");
                window = RoutingStrategy.DEFAULT_WINDOW;
            }
        }
        double exploration = RoutingStrategy.DEFAULT_EXPLORATION;
        JsonNode x = node.path("exploration");
        if (!x.isMissingNode()) {
            if (!x.isNumber() || x.asDouble() < 0 || x.asDouble() > 1) {
                problems.add(path + ".exploration: a share of calls between 0 and 1, was '" + x.asString() + "'");
            } else {
                exploration = x.asDouble();
            }
        }
        if (kind != RoutingStrategy.Kind.LATENCY && (node.has("window") || node.has("exploration"))) {
            problems.add(path + ": window and exploration apply only to type latency");
        }
        return kind == null ? RoutingStrategy.WEIGHTED : new RoutingStrategy(kind, window, exploration);
    }

    private static RoutingStrategy.Kind kind(String text, String path, List<String> problems) {
        RoutingStrategy.Kind kind = RoutingStrategy.Kind.of(text.trim());
        if (kind == null) {
            problems.add(path + ": unknown strategy '" + text + "' (one of " + names() + ")");
        }
        return kind;
    }

    private static String names() {
        return Arrays.stream(RoutingStrategy.Kind.values()).map(RoutingStrategy.Kind::id).collect(Collectors.joining(", "));
    }
}
