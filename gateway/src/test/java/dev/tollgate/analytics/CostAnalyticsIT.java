package dev.tollgate.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.GatewayInstance;
import dev.tollgate.testing.Http;
import dev.tollgate.testing.TestPostgres;
import dev.tollgate.usage.UsageEvent;
import dev.tollgate.usage.UsageStore;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The costs, savings and usage endpoints through HTTP against sums worked out by hand (to the
 * micro-dollar) over six events around two midnights, in UTC, Berlin and New York (the day its
 * clocks changed); CSV; who may read what; cursor paging; and a real call showing up.
 */
class CostAnalyticsIT {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final String OWNER = "owner-costs-key-0123456789";
    static final String BILLING = "billing-costs-key-0123456789";
    static final String MEMBER = "member-costs-key-0123456789";
    static final String VIEWER = "viewer-costs-key-0123456789";
    static final String S = Long.toHexString(ThreadLocalRandom.current().nextLong());
    static final String GROWTH = "growth-" + S;
    static final String CORE = "core-" + S;
    static final String LIVE = "live-" + S;
    static GatewayInstance gateway;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("tollgate-costs");
        Path config = dir.resolve("tollgate.yaml");
        Files.writeString(config, """
                providers:
                  sim: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 5 }
                models:
                  m: { deployments: [ { provider: sim } ], price: { input: 3, output: 15 } }
                keys:
                  - { name: live-key-%1$s, key: tg-live-key-%1$s, team: %2$s }
                admins:
                  - { name: bea, key: %3$s, role: billing }
                  - { name: max, key: %4$s, role: member, team: %5$s }
                  - { name: vic, key: %6$s, role: viewer }
                """.formatted(S, LIVE, BILLING, MEMBER, GROWTH, VIEWER));
        Map<String, Object> props = GatewayInstance.properties(config, dir, "memory");
        props.put("tollgate.admin-key", OWNER);
        gateway = GatewayInstance.start(props);
        // 2025-03-09: New York moved its clocks forward (UTC-5 → UTC-4); Berlin stayed at UTC+1.
        List<UsageEvent> fixture = new ArrayList<>(List.of(
                TestEvents.event("2025-03-09T22:30:00Z", GROWTH, "gpt-a", "openai", "0.000001"),
                TestEvents.event("2025-03-09T23:10:00Z", GROWTH, "gpt-a", "openai", "0.123456"),
                TestEvents.event("2025-03-10T00:05:00Z", CORE, "gpt-b", "anthropic", "1.000001"),
                TestEvents.event(Instant.parse("2025-03-10T01:59:59Z"), CORE, "proj", "key-1", "u-1", null, "gpt-a", "openai", 503,
                        new BigDecimal("0.5"), null, null, 100, 0),
                TestEvents.event(Instant.parse("2025-03-10T12:00:00Z"), GROWTH, "proj", "key-1", "u-2", null, "gpt-b", null, 200,
                        BigDecimal.ZERO, "hit", new BigDecimal("0.75"), 100, 20),
                TestEvents.event("2025-03-11T00:00:00Z", null, "gpt-b", "anthropic", "0.000010")));
        gateway.bean(UsageStore.class).insert(fixture).block();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    static HttpResponse<String> get(String pathAndQuery, String adminKey, String accept) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(30)).GET();
        if (adminKey != null) {
            b.header("authorization", "Bearer " + adminKey);
        }
        if (accept != null) {
            b.header("accept", accept);
        }
        return Http.send(b.build());
    }

    static JsonNode ok(String pathAndQuery, String adminKey) {
        HttpResponse<String> r = get(pathAndQuery, adminKey, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** "bucket|dim|…" → cost_usd of each line, costs compared as numbers. */
    static Map<String, BigDecimal> costs(JsonNode report, String... dims) {
        Map<String, BigDecimal> out = new java.util.TreeMap<>();
        for (JsonNode line : report.get("data")) {
            StringBuilder key = new StringBuilder(line.has("bucket") ? line.get("bucket").asString() : "-");
            for (String d : dims) {
                key.append('|').append(line.get(d).isNull() ? "" : line.get(d).asString());
            }
            out.put(key.toString(), line.get("cost_usd").decimalValue().stripTrailingZeros());
        }
        return out;
    }

    static BigDecimal usd(String s) {
        return new BigDecimal(s).stripTrailingZeros();
    }

    @Test
    void dailyCostsByTeamInUtc() {
        JsonNode report = ok("/admin/v1/costs?from=2025-03-09&to=2025-03-12&group_by=team&interval=day", OWNER);
        assertThat(costs(report, "team")).containsExactlyInAnyOrderEntriesOf(Map.of(
                "2025-03-09T00:00:00Z|" + GROWTH, usd("0.123457"),
                "2025-03-10T00:00:00Z|" + CORE, usd("1.500001"),
                "2025-03-10T00:00:00Z|" + GROWTH, usd("0"),
                "2025-03-11T00:00:00Z|", usd("0.00001")));
        assertThat(report.at("/totals/cost_usd").decimalValue()).isEqualByComparingTo("1.623468");
        assertThat(report.at("/totals/calls").asLong()).isEqualTo(6);
        assertThat(report.at("/totals/error_calls").asLong()).isEqualTo(1);
        assertThat(report.at("/totals/failed_cost_usd").decimalValue()).isEqualByComparingTo("0.5");
        assertThat(report.at("/totals/cost_saved_usd").decimalValue()).isEqualByComparingTo("0.75");
    }

    @Test
    void daysFollowTheAskedZoneAcrossMidnightAndADaylightSavingChange() {
        JsonNode berlin = ok("/admin/v1/costs?from=2025-03-09&to=2025-03-12&group_by=team&interval=day&tz=Europe/Berlin", OWNER);
        assertThat(costs(berlin, "team")).containsExactlyInAnyOrderEntriesOf(Map.of(
                "2025-03-09T00:00:00+01:00|" + GROWTH, usd("0.000001"),
                "2025-03-10T00:00:00+01:00|" + GROWTH, usd("0.123456"),
                "2025-03-10T00:00:00+01:00|" + CORE, usd("1.500001"),
                "2025-03-11T00:00:00+01:00|", usd("0.00001")));
        JsonNode newYork = ok("/admin/v1/costs?from=2025-03-09&to=2025-03-12&group_by=team&interval=day&tz=America/New_York", OWNER);
        assertThat(costs(newYork, "team")).containsExactlyInAnyOrderEntriesOf(Map.of(
                "2025-03-09T00:00:00-05:00|" + GROWTH, usd("0.123457"),
                "2025-03-09T00:00:00-05:00|" + CORE, usd("1.500001"),
                "2025-03-10T00:00:00-04:00|" + GROWTH, usd("0"),
                "2025-03-10T00:00:00-04:00|", usd("0.00001")));
        assertThat(get("/admin/v1/costs?from=2025-03-09&to=2025-03-12&interval=day&tz=Asia/Kolkata", OWNER, null).body())
                .contains("+05:30").contains("whole-hour");
        assertThat(ok("/admin/v1/costs?from=2025-03-09&to=2025-03-12&tz=Asia/Kolkata", OWNER).at("/totals/cost_usd").decimalValue())
                .as("without buckets any zone works").isEqualByComparingTo("1.623468");
    }

    @Test
    void partialHoursAtTheEndsAreReadFromTheEvents() {
        JsonNode report = ok("/admin/v1/costs?from=2025-03-09T22:45:00Z&to=2025-03-10T01:30:00Z&group_by=model", OWNER);
        assertThat(costs(report, "model")).containsExactlyInAnyOrderEntriesOf(Map.of(
                "-|gpt-a", usd("0.123456"), "-|gpt-b", usd("1.000001")));
        JsonNode hourly = ok("/admin/v1/costs?from=2025-03-09T22:45:00Z&to=2025-03-10T02:00:00Z&group_by=provider&interval=hour", OWNER);
        assertThat(costs(hourly, "provider")).containsExactlyInAnyOrderEntriesOf(Map.of(
                "2025-03-09T23:00:00Z|openai", usd("0.123456"),
                "2025-03-10T00:00:00Z|anthropic", usd("1.000001"),
                "2025-03-10T01:00:00Z|openai", usd("0.5")));
    }

    @Test
    void monthlyCostsAsCsv() {
        HttpResponse<String> csv = get("/admin/v1/costs?from=2025-03-01&to=2025-04-01&group_by=team,model&interval=month", OWNER, "text/csv");
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("content-type").orElse("")).startsWith("text/csv");
        List<String> lines = csv.body().lines().toList();
        assertThat(lines.get(0)).startsWith("bucket,team,model,calls,error_calls,");
        assertThat(lines).hasSize(6);
        int cost = List.of(lines.get(0).split(",")).indexOf("cost_usd");
        assertThat(lines).filteredOn(l -> l.contains(CORE + ",gpt-b"))
                .singleElement().satisfies(l -> assertThat(l.split(",")[cost]).isEqualTo("1.000001"));
        assertThat(get("/admin/v1/costs?from=2025-03-01&to=2025-04-01&format=csv", OWNER, null).body())
                .isEqualTo(get("/admin/v1/costs?from=2025-03-01&to=2025-04-01", OWNER, "text/csv").body());
    }

    @Test
    void savingsReportCacheSavingsAndSayRoutingSavingsAreNotMeasuredYet() {
        JsonNode report = ok("/admin/v1/savings?from=2025-03-01&to=2025-04-01&group_by=team", OWNER);
        JsonNode growth = null;
        for (JsonNode line : report.get("data")) {
            if (GROWTH.equals(line.get("team").asString())) {
                growth = line;
            }
        }
        assertThat(growth).isNotNull();
        assertThat(growth.get("cache_hits").asLong()).isEqualTo(1);
        assertThat(growth.get("cache_saved_usd").decimalValue()).isEqualByComparingTo("0.75");
        assertThat(growth.get("cost_without_gateway_usd").decimalValue()).isEqualByComparingTo("0.873457");
        assertThat(report.get("routing_savings_available").asBoolean()).isFalse();
        assertThat(growth.get("routing_saved_usd").isNull()).isTrue();
        assertThat(report.at("/totals/total_saved_usd").decimalValue()).isEqualByComparingTo("0.75");
    }

    @Test
    void rolesDecideWhichTeamsCanBeRead() {
        assertThat(get("/admin/v1/costs", null, null).statusCode()).isEqualTo(401);
        assertThat(get("/admin/v1/costs", "tg-live-key-" + S, null).statusCode()).as("a virtual key").isEqualTo(401);
        assertThat(ok("/admin/v1/costs?from=2025-03-01&to=2025-04-01", BILLING).at("/totals/cost_usd").decimalValue())
                .isEqualByComparingTo("1.623468");
        JsonNode member = ok("/admin/v1/costs?from=2025-03-01&to=2025-04-01&group_by=team", MEMBER);
        assertThat(costs(member, "team")).containsOnlyKeys("-|" + GROWTH);
        assertThat(member.at("/filters/team").asString()).isEqualTo(GROWTH);
        HttpResponse<String> other = get("/admin/v1/costs?team=" + CORE, MEMBER, null);
        assertThat(other.statusCode()).isEqualTo(403);
        assertThat(other.body()).contains("insufficient_role").contains(GROWTH);
        assertThat(get("/admin/v1/costs", VIEWER, null).body()).contains("has no team");
        assertThat(get("/admin/v1/usage?from=2025-03-01&to=2025-04-01", VIEWER, null).statusCode()).isEqualTo(403);
        JsonNode usage = ok("/admin/v1/usage?from=2025-03-01&to=2025-04-01&limit=1000", MEMBER);
        assertThat(usage.get("data")).hasSize(3).allSatisfy(e -> assertThat(e.get("team").asString()).isEqualTo(GROWTH));
    }

    @Test
    void badParametersSayWhatToSend() {
        assertThat(get("/admin/v1/costs?group_by=colour", OWNER, null).body()).contains("unknown dimension 'colour'").contains("team, project");
        assertThat(get("/admin/v1/costs?interval=week", OWNER, null).body()).contains("expected hour, day or month");
        assertThat(get("/admin/v1/costs?from=2025-03-02&to=2025-03-01", OWNER, null).statusCode()).isEqualTo(400);
        assertThat(get("/admin/v1/costs?from=yesterday", OWNER, null).body()).contains("expected a date");
        assertThat(get("/admin/v1/costs?tz=Mars/Olympus", OWNER, null).body()).contains("unknown time zone");
        assertThat(get("/admin/v1/costs?from=2025-01-01&to=2025-03-01&interval=hour", OWNER, null).body()).contains("at most 31 days");
        assertThat(get("/admin/v1/usage?cursor=garbage", OWNER, null).body()).contains("next_cursor");
    }

    @Test
    void usageIsPagedWithACursorNewestFirst() {
        String q = "/admin/v1/usage?from=2025-03-01&to=2025-04-01&team=" + GROWTH + "&limit=2";
        JsonNode first = ok(q, OWNER);
        assertThat(first.get("data")).hasSize(2);
        assertThat(first.get("has_more").asBoolean()).isTrue();
        assertThat(first.at("/data/0/created_at").asString()).isEqualTo("2025-03-10T12:00:00Z");
        assertThat(first.at("/data/0/cost_saved_usd").decimalValue()).isEqualByComparingTo("0.75");
        JsonNode second = ok(q + "&cursor=" + first.get("next_cursor").asString(), OWNER);
        assertThat(second.get("data")).hasSize(1);
        assertThat(second.at("/data/0/created_at").asString()).isEqualTo("2025-03-09T22:30:00Z");
        assertThat(second.get("has_more").asBoolean()).isFalse();
        assertThat(ok("/admin/v1/usage?from=2025-03-01&to=2025-04-01&status=error", OWNER).get("data"))
                .anySatisfy(e -> assertThat(e.get("status").asInt()).isEqualTo(503))
                .allSatisfy(e -> assertThat(e.get("status").asInt()).isGreaterThanOrEqualTo(400));
    }

    @Test
    void aRealCallIsInTodaysCostsAtTheCostItWasMetered() {
        HttpResponse<String> call = gateway.http().post("/v1/chat/completions", "tg-live-key-" + S, "costs-" + S,
                "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}");
        assertThat(call.statusCode()).isEqualTo(200);
        BigDecimal metered = (BigDecimal) TestPostgres.usageEvent("costs-" + S).get("cost_usd");
        assertThat(metered).isPositive();
        JsonNode report = ok("/admin/v1/costs?team=" + LIVE + "&group_by=model&from=" + Instant.now().minusSeconds(3600)
                + "&to=" + Instant.now().plusSeconds(60), OWNER);
        assertThat(report.at("/data/0/model").asString()).isEqualTo("m");
        assertThat(report.at("/data/0/calls").asLong()).isEqualTo(1);
        assertThat(report.at("/data/0/cost_usd").decimalValue()).isEqualByComparingTo(metered);
    }
}
