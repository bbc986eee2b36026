package dev.tollgate.dashboards;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tollgate.dashboards.GrafanaDashboards.Dashboard;
import dev.tollgate.dashboards.GrafanaDashboards.Query;
import dev.tollgate.testing.GatewayInstance;
import dev.tollgate.testing.Http;
import dev.tollgate.testing.PrometheusServer;
import dev.tollgate.testing.TestPostgres;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Every query of every dashboard, run for real: a gateway serves traffic that makes every series
 * a panel shows exist (successes, streams, provider errors, a fallback, exact and semantic cache
 * hits, a rate-limit and a budget rejection), a real Prometheus scrapes it through the scrape
 * config of deploy/, and the usage events land in the real PostgreSQL. Each PromQL expression
 * (template variables and $__rate_interval expanded) must evaluate without error to at least one
 * sample that is a number; each SQL query (Grafana's macros expanded) must return a row with a value.
 */
class DashboardsIT {

    /** Faster than the deployments' 15 s so the test waits seconds, not minutes, for two scrapes. */
    static final Duration SCRAPE = Duration.ofSeconds(1);
    /** What Grafana would use for $__rate_interval on a zoomed-in dashboard: covers both traffic rounds. */
    static final Duration RATE_WINDOW = Duration.ofMinutes(2);

    static final WireMockServer UPSTREAM = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    static Path dir;
    static GatewayInstance gateway;
    static PrometheusServer prometheus;
    static Instant started;
    static int calls;
    static double evaluationTime;

    @BeforeAll
    static void start() throws Exception {
        started = Instant.now();
        UPSTREAM.start();
        // "flaky" is unavailable (the call falls back), "broken" fails outright.
        UPSTREAM.stubFor(post(urlEqualTo("/v1/chat/completions")).withRequestBody(containing("\"flaky\""))
                .willReturn(aResponse().withStatus(503).withHeader("content-type", "application/json")
                        .withBody("{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}")));
        UPSTREAM.stubFor(post(urlEqualTo("/v1/chat/completions")).withRequestBody(containing("\"broken\""))
                .willReturn(aResponse().withStatus(500).withHeader("content-type", "application/json")
                        .withBody("{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}")));
        dir = Files.createTempDirectory("tollgate-dashboards");
        Path config = dir.resolve("tollgate.yaml");
        Files.writeString(config, """
                providers:
                  sim: { type: simulated, ttft: 5ms, tokens-per-second: 2000, output-tokens: 12 }
                  upstream:
                    type: openai-compatible
                    base-url: http://127.0.0.1:%d/v1
                    api-key: sk-dashboards
                    retry: { max-attempts: 1 }
                    circuit-breaker: { minimum-calls: 1000, sliding-window-size: 1000 }
                models:
                  dash-chat: { deployments: [ { provider: sim } ], price: { input: 2, output: 8 } }
                  dash-flaky:
                    deployments: [ { provider: upstream, model: flaky } ]
                    price: { input: 1, output: 4 }
                    fallbacks: [ dash-chat ]
                  dash-broken: { deployments: [ { provider: upstream, model: broken } ], price: { input: 1, output: 4 } }
                keys:
                  - { name: web, key: tg-dash-web, team: web, project: shop, user: alice }
                  - { name: data, key: tg-dash-data, team: data, project: etl }
                  - { name: limited, key: tg-dash-limited, team: web, project: shop, limits: { requests-per-minute: 1 } }
                  - { name: broke, key: tg-dash-broke, team: broke }
                budgets:
                  - { name: web-monthly, scope: { team: web }, period: monthly, amount: 100.00 }
                  - { name: broke-daily, scope: { team: broke }, period: daily, amount: 0.000001, enforcement: hard }
                cache:
                  mode: semantic
                  ttl: 10m
                  models:
                    dash-flaky: { mode: off }
                    dash-broken: { mode: off }
                """.formatted(UPSTREAM.port()));
        java.util.Map<String, Object> props = GatewayInstance.properties(config, dir, "memory");
        props.put("tollgate.server.management-token", "dashboards-management-token"); // as PrometheusServer scrapes
        gateway = GatewayInstance.start(props);
        prometheus = PrometheusServer.start(dir, "127.0.0.1:" + gateway.port(), DeployFiles.metricsPath(), SCRAPE);

        // Two rounds with a scrape after each: a counter first seen in a scrape has no rate until
        // the next one shows it grew.
        traffic(1);
        double afterFirst = awaitScrapeAfter(Instant.now().plusMillis(500));
        traffic(2);
        evaluationTime = awaitScrapeAfter(Instant.now().plusMillis(500)) + 0.5;
        assertThat(evaluationTime - afterFirst).isLessThan(RATE_WINDOW.toSeconds() / 2.0);
        awaitUsageEvents(calls);
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        UPSTREAM.stop();
    }

    /** One round of calls that gives every panel something to show. */
    private static void traffic(int round) {
        Http http = gateway.http();
        String[] countries = {"France", "Spain"};
        String country = countries[round - 1];
        // A miss, the same question again (exact hit), a paraphrase (semantic hit).
        expect(200, chat(http, "tg-dash-web", "dash-chat", "What is the capital of " + country + "?", false, "checkout"));
        expect(200, chat(http, "tg-dash-web", "dash-chat", "What is the capital of " + country + "?", false, "checkout"));
        HttpResponse<String> paraphrase = chat(http, "tg-dash-web", "dash-chat", "what's the capital of " + country + "?", false, "checkout");
        expect(200, paraphrase);
        assertThat(paraphrase.headers().firstValue("x-tollgate-cache")).hasValue("semantic-hit");
        // Streams (time to first token), another team and feature.
        expect(200, chat(http, "tg-dash-data", "dash-chat", "Summarise round " + round + " of the nightly load.", true, "etl"));
        expect(200, chat(http, "tg-dash-web", "dash-chat", "Write a haiku about round " + round + ".", true, "checkout"));
        // Provider 503 then fallback to dash-chat; provider 500 with nowhere to go.
        HttpResponse<String> fellBack = chat(http, "tg-dash-data", "dash-flaky", "Plan round " + round + ".", false, "etl");
        expect(200, fellBack);
        assertThat(fellBack.headers().firstValue("x-tollgate-fallbacks")).isPresent();
        assertThat(chat(http, "tg-dash-data", "dash-broken", "Fail round " + round + ".", false, "etl").statusCode()).isGreaterThanOrEqualTo(500);
        calls++;
        // One request a minute: the second is refused (429); a budget of a millionth of a dollar refuses everything.
        chat(http, "tg-dash-limited", "dash-chat", "Limited round " + round + ".", false, null);
        calls++;
        expect(429, chat(http, "tg-dash-limited", "dash-chat", "Limited again round " + round + ".", false, null));
        HttpResponse<String> broke = chat(http, "tg-dash-broke", "dash-chat", "Broke round " + round + ".", false, null);
        assertThat(broke.statusCode()).as(broke.body()).isIn(402, 429);
        calls++;
    }

    private static void expect(int status, HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        calls++;
    }

    private static HttpResponse<String> chat(Http http, String key, String model, String question, boolean stream, String feature) {
        String body = """
                {"model":"%s","temperature":0,"stream":%s,"messages":[{"role":"user","content":"%s"}]}
                """.formatted(model, stream, question);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(http.base() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
                .header("authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.ofString(body));
        if (feature != null) {
            request.header("x-tollgate-feature", feature);
        }
        return Http.send(request.build());
    }

    /** Waits for a scrape that started after {@code after}; returns its time in epoch seconds. */
    private static double awaitScrapeAfter(Instant after) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode result = prometheus.query("timestamp(up{job=\"tollgate\"} == 1)", Instant.now().toEpochMilli() / 1000.0)
                    .path("data").path("result");
            if (!result.isEmpty()) {
                double scraped = result.get(0).path("value").get(1).asDouble();
                if (scraped * 1000 > after.toEpochMilli()) {
                    return scraped;
                }
            }
            TestPostgres.sleep(200);
        }
        throw new AssertionError("Prometheus did not scrape the gateway within 30 s");
    }

    private static void awaitUsageEvents(int expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        long count = 0;
        while (System.nanoTime() < deadline) {
            count = ((Number) TestPostgres.query("SELECT COUNT(*) AS n FROM usage_events").get(0).get("n")).longValue();
            if (count >= expected) {
                return;
            }
            TestPostgres.sleep(50);
        }
        throw new AssertionError("expected " + expected + " usage events, found " + count);
    }

    @Test
    void everyPromQlExpressionReturnsNumbers() {
        List<String> failures = new ArrayList<>();
        List<Expanded> queries = expanded(GrafanaDashboards.PROMETHEUS);
        for (Expanded e : queries) {
            String expr = GrafanaDashboards.expandPrometheusMacros(e.text(), Duration.ofMinutes(10), RATE_WINDOW.dividedBy(4));
            JsonNode answer = prometheus.query(expr, evaluationTime);
            if (!"success".equals(answer.path("status").asString())) {
                failures.add(e.query().where() + ": " + answer.path("error").asString() + "\n    " + expr);
            } else if (numbers(answer.path("data")) == 0) {
                failures.add(e.query().where() + ": no sample that is a number (" + answer.path("data") + ")\n    " + expr);
            }
        }
        assertThat(failures).as("PromQL panels (Prometheus log: %s)", dir.resolve("prometheus.log")).isEmpty();
        assertThat(queries).hasSizeGreaterThan(20);
    }

    @Test
    void everySqlQueryReturnsValuesFromTheUsageStore() {
        List<String> failures = new ArrayList<>();
        List<Expanded> queries = expanded(GrafanaDashboards.POSTGRES);
        for (Expanded e : queries) {
            String sql = sql(e.text());
            try {
                List<Map<String, Object>> rows = TestPostgres.query(sql);
                boolean anyValue = rows.stream().anyMatch(r -> r.values().stream().anyMatch(v -> v != null));
                if (!anyValue) {
                    failures.add(e.query().where() + ": no value (" + rows + ")\n    " + sql);
                }
            } catch (RuntimeException ex) {
                failures.add(e.query().where() + ": " + ex.getCause() + "\n    " + sql);
            }
        }
        assertThat(failures).as("SQL panels").isEmpty();
        assertThat(queries).hasSizeGreaterThan(10);
    }

    private record Expanded(Query query, String text) {}

    /** Every query on a datasource of {@code type}, its template variables expanded to all the values they offer. */
    private static List<Expanded> expanded(String type) {
        List<Expanded> out = new ArrayList<>();
        for (Dashboard d : GrafanaDashboards.load()) {
            Map<String, List<String>> values = variableValues(d);
            Map<String, JsonNode> variables = byName(d);
            for (Query q : GrafanaDashboards.queries(d)) {
                if (q.datasourceType().equals(type)) {
                    out.add(new Expanded(q, GrafanaDashboards.expandVariables(q.text(), type, variables, values)));
                }
            }
        }
        return out;
    }

    @Test
    void spendByTeamAddsUpToTheTotalToTheMicroDollar() {
        Dashboard cost = GrafanaDashboards.load().stream().filter(d -> d.uid().equals("tollgate-cost")).findFirst().orElseThrow();
        BigDecimal total = (BigDecimal) TestPostgres.query(panelSql(cost, "Spend in the selected period")).get(0).get("Spend");
        BigDecimal byTeam = TestPostgres.query(panelSql(cost, "Spend by team")).stream()
                .map(r -> (BigDecimal) r.get("Spend")).filter(v -> v != null).reduce(BigDecimal.ZERO, BigDecimal::add);
        BigDecimal events = (BigDecimal) TestPostgres.query("SELECT SUM(cost_usd) AS s FROM usage_events").get(0).get("s");
        assertThat(total).isPositive();
        assertThat(byTeam).isEqualByComparingTo(total);
        assertThat(total).isEqualByComparingTo(events);
        BigDecimal saved = (BigDecimal) TestPostgres.query(panelSql(cost, "Cache savings")).get(0).get("Saved by the cache");
        assertThat(saved).isPositive();
    }

    @Test
    void theKubernetesProbesAnswerOnTheGateway() {
        JsonNode deployment = DeployFiles.k8sObject("k8s/base/gateway-deployment.yaml");
        JsonNode container = deployment.path("spec").path("template").path("spec").path("containers").get(0);
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            String path = container.path(probe).path("httpGet").path("path").asString();
            HttpResponse<String> response = gateway.http().get(path, null);
            assertThat(response.statusCode()).as(probe + " " + path + ": " + response.body()).isEqualTo(200);
            assertThat(response.body()).contains("\"UP\"");
        }
    }

    private String panelSql(Dashboard d, String title) {
        Query q = GrafanaDashboards.queries(d).stream().filter(x -> x.panel().path("title").asString().equals(title)).findFirst()
                .orElseThrow(() -> new AssertionError("no panel '" + title + "'"));
        return sql(GrafanaDashboards.expandVariables(q.text(), q.datasourceType(), byName(d), variableValues(d)));
    }

    private static String sql(String text) {
        return GrafanaDashboards.expandSqlMacros(text, started.minus(Duration.ofHours(1)), Instant.now().plusSeconds(60),
                Duration.ofMinutes(1));
    }

    private static Map<String, JsonNode> byName(Dashboard d) {
        Map<String, JsonNode> out = new HashMap<>();
        d.variables().forEach(v -> out.put(v.path("name").asString(), v));
        return out;
    }

    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*(\\w+)\\)");

    /** Every variable's values, from its own query run against the real backend; a variable that offers nothing fails. */
    private static Map<String, List<String>> variableValues(Dashboard d) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (JsonNode v : d.variables()) {
            String name = v.path("name").asString();
            String query = GrafanaDashboards.variableQuery(v);
            List<String> values;
            if (v.path("datasource").path("type").asString().equals(GrafanaDashboards.PROMETHEUS)) {
                Matcher m = LABEL_VALUES.matcher(query);
                assertThat(m.matches()).as("%s: variable %s: only label_values(metric, label) is supported here: %s", d.file(), name, query).isTrue();
                values = prometheus.labelValues(m.group(2), m.group(1));
            } else {
                values = TestPostgres.query(sql(query)).stream().map(r -> String.valueOf(r.values().iterator().next())).toList();
            }
            assertThat(values).as("%s: values of variable %s (%s)", d.file(), name, query).isNotEmpty();
            out.put(name, values);
        }
        return out;
    }

    /** Samples in a query answer that are numbers (NaN and ±Inf are what a broken ratio or quantile gives). */
    private static int numbers(JsonNode data) {
        int n = 0;
        String type = data.path("resultType").asString();
        if (type.equals("scalar")) {
            return isNumber(data.path("result").get(1).asString()) ? 1 : 0;
        }
        for (JsonNode series : data.path("result")) {
            if (series.has("value") && isNumber(series.path("value").get(1).asString())) {
                n++;
            }
        }
        return n;
    }

    private static boolean isNumber(String value) {
        return !value.equals("NaN") && !value.contains("Inf");
    }
}
