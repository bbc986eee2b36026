package dev.tollgate.dashboards;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboards under {@code grafana/dashboards/} as the tests see them: panels (also those nested
 * in collapsed rows), their queries with the datasource each one runs on, and Grafana's template
 * syntax expanded the way Grafana expands it, so the queries can be run against real backends.
 */
final class GrafanaDashboards {

    static final String PROMETHEUS = "prometheus";
    static final String POSTGRES = "grafana-postgresql-datasource";

    /** The repository's grafana/ directory; tests run in the gateway module. */
    static final Path GRAFANA = Path.of("..", "grafana").toAbsolutePath().normalize();

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::(\\w+))?}|\\$(\\w+)");

    record Dashboard(Path file, JsonNode json) {
        String uid() {
            return json.path("uid").asString();
        }

        List<JsonNode> panels() {
            List<JsonNode> out = new ArrayList<>();
            for (JsonNode panel : json.path("panels")) {
                out.add(panel);
                for (JsonNode nested : panel.path("panels")) {
                    out.add(nested);
                }
            }
            return out;
        }

        List<JsonNode> variables() {
            List<JsonNode> out = new ArrayList<>();
            json.path("templating").path("list").forEach(out::add);
            return out;
        }
    }

    /** One query of one panel. */
    record Query(Dashboard dashboard, JsonNode panel, String datasourceType, String datasourceUid, String text) {
        String where() {
            return dashboard.file().getFileName() + " panel " + panel.path("id").asInt() + " '" + panel.path("title").asString() + "'";
        }
    }

    private GrafanaDashboards() {}

    static List<Dashboard> load() {
        Path dir = GRAFANA.resolve("dashboards");
        try (Stream<Path> files = Files.list(dir)) {
            List<Dashboard> out = new ArrayList<>();
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                out.add(new Dashboard(file, JSON.readTree(Files.readString(file))));
            }
            if (out.isEmpty()) {
                throw new IllegalStateException("no dashboards in " + dir);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Query> queries(Dashboard dashboard) {
        List<Query> out = new ArrayList<>();
        for (JsonNode panel : dashboard.panels()) {
            for (JsonNode target : panel.path("targets")) {
                JsonNode ds = target.has("datasource") ? target.path("datasource") : panel.path("datasource");
                String type = ds.path("type").asString();
                String text = PROMETHEUS.equals(type) ? target.path("expr").asString() : target.path("rawSql").asString();
                out.add(new Query(dashboard, panel, type, ds.path("uid").asString(), text));
            }
        }
        return out;
    }

    /** The query of a template variable ({@code label_values(...)} for Prometheus, SQL for PostgreSQL). */
    static String variableQuery(JsonNode variable) {
        JsonNode query = variable.path("query");
        return query.isObject() ? query.path("query").asString() : query.asString();
    }

    /** Names of the variables a text refers to ({@code $name}, {@code ${name}}, {@code ${name:format}}), Grafana's own {@code $__…} left out. */
    static List<String> variablesUsed(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = VARIABLE.matcher(text);
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(3);
            if (!name.startsWith("__")) {
                out.add(name);
            }
        }
        return out;
    }

    /**
     * Expands template variables as Grafana does when "All" is selected: the variable's allValue if
     * it has one, else every value it offers: for SQL as a quoted list ({@code 'a','b'}), for
     * Prometheus and {@code :regex} as an alternation ({@code (a|b)}).
     */
    static String expandVariables(String text, String datasourceType, Map<String, JsonNode> variables, Map<String, List<String>> values) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(3);
            String format = m.group(2);
            if (name.startsWith("__")) {
                m.appendReplacement(out, Matcher.quoteReplacement(m.group()));
                continue;
            }
            JsonNode variable = variables.get(name);
            if (variable == null) {
                throw new AssertionError("undefined variable $" + name + " in: " + text);
            }
            List<String> all = values.getOrDefault(name, List.of());
            String allValue = variable.path("allValue").asString("");
            String expanded;
            boolean regex = "regex".equals(format) || format == null && PROMETHEUS.equals(datasourceType);
            if (!allValue.isEmpty()) {
                expanded = allValue;
            } else if (all.isEmpty()) {
                throw new AssertionError("variable $" + name + " has no values to expand in: " + text);
            } else if (regex) {
                expanded = "(" + String.join("|", all.stream().map(GrafanaDashboards::regexEscape).toList()) + ")";
            } else {
                expanded = String.join(",", all.stream().map(v -> "'" + v.replace("'", "''") + "'").toList());
            }
            m.appendReplacement(out, Matcher.quoteReplacement(expanded));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Grafana's PromQL macros for a dashboard time range of {@code range} ending now, scraped every {@code scrape}. */
    static String expandPrometheusMacros(String expr, Duration range, Duration scrape) {
        return expr.replace("$__rate_interval", promDuration(scrape.multipliedBy(4)))
                .replace("$__range", promDuration(range))
                .replace("$__interval", promDuration(scrape));
    }

    private static final Pattern MACRO = Pattern.compile("\\$__(timeFilter|timeGroupAlias|timeGroup|unixEpochFilter|timeFrom|timeTo)\\(([^)]*)\\)");

    /**
     * The PostgreSQL datasource's macros as Grafana expands them (pkg/tsdb/grafana-postgresql-datasource/macros.go):
     * {@code $__timeFilter(c)} is {@code c BETWEEN 'from' AND 'to'}, {@code $__timeGroupAlias(c, 5m)} is
     * {@code floor(extract(epoch from c)/300)*300 AS "time"}, {@code $__interval} the bucket Grafana picked.
     */
    static String expandSqlMacros(String sql, Instant from, Instant to, Duration interval) {
        String text = sql.replace("$__interval_ms", Long.toString(interval.toMillis()))
                .replace("$__interval", interval.toSeconds() + "s");
        Matcher m = MACRO.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String[] args = m.group(2).split(",");
            String column = args[0].trim();
            String expanded = switch (m.group(1)) {
                case "timeFilter" -> column + " BETWEEN '" + from + "' AND '" + to + "'";
                case "unixEpochFilter" -> column + " >= " + from.getEpochSecond() + " AND " + column + " <= " + to.getEpochSecond();
                case "timeFrom" -> "'" + from + "'";
                case "timeTo" -> "'" + to + "'";
                default -> {
                    long seconds = parseInterval(args[1].trim().replace("'", "")).toSeconds();
                    String group = "floor(extract(epoch from " + column + ")/" + seconds + ")*" + seconds;
                    yield m.group(1).equals("timeGroupAlias") ? group + " AS \"time\"" : group;
                }
            };
            m.appendReplacement(out, Matcher.quoteReplacement(expanded));
        }
        m.appendTail(out);
        return out.toString();
    }

    static Duration parseInterval(String text) {
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h|d|w)").matcher(text);
        if (!m.matches()) {
            throw new AssertionError("not a Grafana interval: " + text);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
        };
    }

    private static String promDuration(Duration d) {
        return d.toSeconds() + "s";
    }

    private static String regexEscape(String value) {
        return value.replaceAll("[\\\\.+*?^$()\\[\\]{}|]", "\\\\\\\\$0");
    }
}
