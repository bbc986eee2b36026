package dev.tollgate.analytics;

import dev.tollgate.admin.AdminAuthenticator;
import dev.tollgate.admin.AdminIdentity;
import dev.tollgate.api.GatewayException;
import dev.tollgate.support.Json;
import dev.tollgate.usage.UsageRollups;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /admin/v1/costs}, {@code /usage} and {@code /savings}: what was spent and saved, by any
 * dimension and period, as JSON or CSV. Same credentials as the rest of the admin API; what each
 * role may read is {@link CostAccess}.
 */
public class AnalyticsHandlers {

    private static final JsonMapper JSON = Json.MAPPER;
    private static final String IDENTITY = AnalyticsHandlers.class.getName() + ".identity";
    private static final MediaType CSV = MediaType.parseMediaType("text/csv;charset=UTF-8");
    /** Set when the routing columns exist: see {@link UsageRollups#MEASURES}. */
    static final String BASELINE = "baseline_cost_usd";

    private final AdminAuthenticator auth;
    private final CostAnalytics analytics;
    private final Clock clock;

    public AnalyticsHandlers(AdminAuthenticator auth, CostAnalytics analytics, Clock clock) {
        this.auth = auth;
        this.analytics = analytics;
        this.clock = clock;
    }

    public RouterFunction<ServerResponse> routes() {
        HandlerFilterFunction<ServerResponse, ServerResponse> authenticate = (request, next) -> {
            request.attributes().put(IDENTITY, auth.authenticate(request.headers().asHttpHeaders()));
            return next.handle(request);
        };
        return RouterFunctions.route()
                .path("/admin/v1", b -> b
                        .GET("/costs", this::costs)
                        .GET("/savings", this::savings)
                        .GET("/usage", this::usage))
                .filter(authenticate)
                .build();
    }

    static AdminIdentity identity(ServerRequest request) {
        return (AdminIdentity) request.attributes().get(IDENTITY);
    }

    private CostQuery query(ServerRequest request) {
        AdminIdentity who = identity(request);
        String scope = CostAccess.teamScope(who);
        CostAccess.checkTeam(who, scope, request.queryParam("team").orElse(null));
        return ReportParams.costQuery(name -> request.queryParam(name).orElse(null), scope, clock.instant());
    }

    Mono<ServerResponse> costs(ServerRequest request) {
        CostQuery q = query(request);
        boolean csv = wantsCsv(request);
        return analytics.costs(q).flatMap(rows -> {
            List<String> columns = new ArrayList<>();
            UsageRollups.MEASURES.forEach(m -> columns.add(m.column()));
            if (csv) {
                return csv(q, rows, columns, r -> measures(r));
            }
            ObjectNode out = head("cost_report", q);
            ObjectNode totals = out.putObject("totals");
            BigDecimal[] sum = total(rows);
            for (int i = 0; i < sum.length; i++) {
                totals.put(UsageRollups.MEASURES.get(i).column(), sum[i]);
            }
            ArrayNode data = out.putArray("data");
            for (CostRow r : rows) {
                ObjectNode o = line(data, q, r);
                for (int i = 0; i < r.measures().length; i++) {
                    o.put(UsageRollups.MEASURES.get(i).column(), r.measures()[i]);
                }
            }
            return json(out);
        });
    }

    /**
     * Cache savings (what the cached answers cost when a provider first produced them) and routing
     * savings (what the calls would have cost on the model asked for, minus what they cost), per
     * group and bucket.
     */
    Mono<ServerResponse> savings(ServerRequest request) {
        CostQuery q = query(request);
        boolean csv = wantsCsv(request);
        List<String> columns = List.of("calls", "cache_hits", "cost_usd", "cache_saved_usd", "routing_saved_usd", "total_saved_usd",
                "cost_without_gateway_usd");
        return analytics.costs(q).flatMap(rows -> {
            if (csv) {
                return csv(q, rows, columns, AnalyticsHandlers::savingsOf);
            }
            ObjectNode out = head("savings_report", q);
            out.put("routing_savings_available", UsageRollups.hasMeasure(BASELINE));
            BigDecimal[] total = new BigDecimal[columns.size()];
            ArrayNode data = out.putArray("data");
            for (CostRow r : rows) {
                ObjectNode o = line(data, q, r);
                List<BigDecimal> values = savingsOf(r);
                for (int i = 0; i < columns.size(); i++) {
                    o.put(columns.get(i), values.get(i));
                    total[i] = values.get(i) == null ? null : (total[i] == null ? values.get(i) : total[i].add(values.get(i)));
                }
            }
            ObjectNode totals = JSON.createObjectNode();
            for (int i = 0; i < columns.size(); i++) {
                totals.put(columns.get(i), rows.isEmpty() && !columns.get(i).equals("routing_saved_usd") ? BigDecimal.ZERO : total[i]);
            }
            out.set("totals", totals);
            return json(out);
        });
    }

    /** calls, cache hits, cost, cache saved, routing saved (null until the routing columns exist), total saved, cost without the gateway. */
    static List<BigDecimal> savingsOf(CostRow r) {
        BigDecimal cost = r.measure("cost_usd");
        BigDecimal cache = r.measure("cost_saved_usd");
        BigDecimal routing = UsageRollups.hasMeasure(BASELINE) ? r.measure(BASELINE).subtract(cost) : null;
        BigDecimal saved = routing == null ? cache : cache.add(routing);
        List<BigDecimal> out = new ArrayList<>();
        out.add(r.measure("calls"));
        out.add(r.measure("cache_hits"));
        out.add(cost);
        out.add(cache);
        out.add(routing);
        out.add(saved);
        out.add(cost.add(saved));
        return out;
    }

    Mono<ServerResponse> usage(ServerRequest request) {
        AdminIdentity who = identity(request);
        String scope = CostAccess.teamScope(who);
        CostAccess.checkTeam(who, scope, request.queryParam("team").orElse(null));
        java.time.ZoneId zone = ReportParams.zone(request.queryParam("tz").orElse(null));
        Instant now = clock.instant();
        Instant to = request.queryParam("to").map(v -> ReportParams.time("to", v, zone)).orElse(now.plusSeconds(1));
        Instant from = request.queryParam("from").map(v -> ReportParams.time("from", v, zone)).orElse(to.minus(java.time.Duration.ofDays(1)));
        if (!from.isBefore(to)) {
            throw GatewayException.invalidRequest("from", "from (" + from + ") must be before to (" + to + ").");
        }
        Map<String, String> filters = new LinkedHashMap<>();
        ReportParams.filters(name -> request.queryParam(name).orElse(null)).forEach((d, v) -> filters.put(d.column(), v));
        if (scope != null) {
            filters.put("team", scope);
        }
        Boolean failed = switch (request.queryParam("status").orElse("all")) {
            case "all" -> null;
            case "error" -> true;
            case "ok" -> false;
            default -> throw GatewayException.invalidRequest("status", "status: expected ok, error or all.");
        };
        int limit;
        try {
            limit = Integer.parseInt(request.queryParam("limit").orElse("100"));
        } catch (NumberFormatException e) {
            throw GatewayException.invalidRequest("limit", "limit: expected a number from 1 to 1000.");
        }
        if (limit < 1 || limit > 1000) {
            throw GatewayException.invalidRequest("limit", "limit: expected a number from 1 to 1000.");
        }
        CostAnalytics.Cursor after = request.queryParam("cursor").map(AnalyticsHandlers::cursor).orElse(null);
        int pageSize = limit;
        return analytics.events(new CostAnalytics.EventQuery(from, to, filters, failed, after, limit + 1)).flatMap(rows -> {
            boolean more = rows.size() > pageSize;
            List<Map<String, Object>> page = more ? rows.subList(0, pageSize) : rows;
            ObjectNode out = JSON.createObjectNode().put("object", "list");
            ArrayNode data = out.putArray("data");
            for (Map<String, Object> row : page) {
                data.add(JSON.valueToTree(row.entrySet().stream().collect(LinkedHashMap<String, Object>::new,
                        (m, e) -> m.put(e.getKey(), e.getValue() instanceof Instant t ? t.toString() : e.getValue()), Map::putAll)));
            }
            out.put("has_more", more);
            if (more) {
                Map<String, Object> last = page.get(page.size() - 1);
                out.put("next_cursor", cursor((Instant) last.get("created_at"), (String) last.get("event_id")));
            } else {
                out.putNull("next_cursor");
            }
            return json(out);
        });
    }

    static String cursor(Instant at, String eventId) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((at + "|" + eventId).getBytes(StandardCharsets.UTF_8));
    }

    static CostAnalytics.Cursor cursor(String token) {
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split("\\|");
            return new CostAnalytics.Cursor(Instant.parse(parts[0]), UUID.fromString(parts[1]));
        } catch (RuntimeException e) {
            throw GatewayException.invalidRequest("cursor", "cursor: not a next_cursor of this endpoint; start again without it.");
        }
    }

    // ---- output ----

    private static boolean wantsCsv(ServerRequest request) {
        String format = request.queryParam("format").orElse(null);
        if (format != null) {
            if (!format.equals("csv") && !format.equals("json")) {
                throw GatewayException.invalidRequest("format", "format: expected json or csv.");
            }
            return format.equals("csv");
        }
        return request.headers().accept().stream().anyMatch(m -> m.isCompatibleWith(MediaType.parseMediaType("text/csv"))
                && !m.isWildcardType());
    }

    private static ObjectNode head(String object, CostQuery q) {
        ObjectNode out = JSON.createObjectNode();
        out.put("object", object).put("from", q.from().toString()).put("to", q.to().toString()).put("tz", q.zone().getId())
                .put("interval", q.interval() == null ? null : q.interval().name().toLowerCase(java.util.Locale.ROOT))
                .put("currency", "USD");
        ArrayNode g = out.putArray("group_by");
        q.groupBy().forEach(d -> g.add(d.name()));
        ObjectNode f = out.putObject("filters");
        q.filters().forEach((d, v) -> f.put(d.name(), v));
        return out;
    }

    private static ObjectNode line(ArrayNode data, CostQuery q, CostRow r) {
        ObjectNode o = data.addObject();
        if (q.interval() != null) {
            o.put("bucket", r.bucket().toOffsetDateTime().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        }
        for (int i = 0; i < q.groupBy().size(); i++) {
            String v = r.dimensions().get(i);
            o.put(q.groupBy().get(i).name(), v.isEmpty() ? null : v);
        }
        return o;
    }

    private static List<BigDecimal> measures(CostRow r) {
        return List.of(r.measures());
    }

    private static BigDecimal[] total(List<CostRow> rows) {
        BigDecimal[] sum = new BigDecimal[UsageRollups.MEASURES.size()];
        java.util.Arrays.fill(sum, BigDecimal.ZERO);
        for (CostRow r : rows) {
            for (int i = 0; i < sum.length; i++) {
                sum[i] = sum[i].add(r.measures()[i]);
            }
        }
        return sum;
    }

    private static Mono<ServerResponse> csv(CostQuery q, List<CostRow> rows, List<String> columns,
            java.util.function.Function<CostRow, List<BigDecimal>> values) {
        StringBuilder out = new StringBuilder();
        List<String> header = new ArrayList<>();
        if (q.interval() != null) {
            header.add("bucket");
        }
        q.groupBy().forEach(d -> header.add(d.name()));
        header.addAll(columns);
        Csv.line(out, header);
        for (CostRow r : rows) {
            List<String> cells = new ArrayList<>();
            if (q.interval() != null) {
                cells.add(r.bucket().toOffsetDateTime().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
            }
            cells.addAll(r.dimensions());
            values.apply(r).forEach(v -> cells.add(v == null ? "" : v.stripTrailingZeros().toPlainString()));
            Csv.line(out, cells);
        }
        return ServerResponse.ok().contentType(CSV)
                .header("content-disposition", "attachment; filename=\"tollgate-" + (q.interval() == null ? "total" : q.interval().name().toLowerCase(java.util.Locale.ROOT)) + ".csv\"")
                .bodyValue(out.toString().getBytes(StandardCharsets.UTF_8));
    }

    static Mono<ServerResponse> json(JsonNode body) {
        return ServerResponse.status(HttpStatus.OK).contentType(MediaType.APPLICATION_JSON).bodyValue(JSON.writeValueAsBytes(body));
    }
}
