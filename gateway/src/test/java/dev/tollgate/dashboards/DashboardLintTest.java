package dev.tollgate.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.dashboards.GrafanaDashboards.Dashboard;
import dev.tollgate.dashboards.GrafanaDashboards.Query;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Static checks of grafana/: what Grafana would silently show as "No data" or a broken panel
 * rather than refuse. Whether the queries return data is {@link DashboardsIT}'s job.
 */
class DashboardLintTest {

    private static final Set<String> KNOWN_MACROS = Set.of("$__timeFilter", "$__timeGroupAlias", "$__timeGroup", "$__timeFrom",
            "$__timeTo", "$__unixEpochFilter", "$__interval", "$__interval_ms", "$__rate_interval", "$__range");
    private static final Pattern MACRO = Pattern.compile("\\$__\\w+");

    private final List<Dashboard> dashboards = GrafanaDashboards.load();

    @Test
    void dashboardsHaveUniqueUidsAndPanelsUniqueIds() {
        Set<String> uids = new HashSet<>();
        for (Dashboard d : dashboards) {
            assertThat(d.uid()).as(d.file() + " uid").isNotBlank();
            assertThat(uids.add(d.uid())).as("uid %s used twice", d.uid()).isTrue();
            Set<Integer> ids = new HashSet<>();
            for (JsonNode panel : d.panels()) {
                int id = panel.path("id").asInt(-1);
                assertThat(id).as(d.file() + " panel '" + panel.path("title").asString() + "' id").isPositive();
                assertThat(ids.add(id)).as("%s: panel id %d used twice", d.file(), id).isTrue();
                assertThat(panel.path("title").asString()).as(d.file() + " panel " + id + " title").isNotBlank();
                assertThat(panel.path("gridPos").path("w").asInt()).as(d.file() + " panel " + id + " width").isBetween(1, 24);
            }
        }
    }

    @Test
    void everyDatasourceUidIsProvisionedWithTheSameType() throws Exception {
        Map<String, String> provisioned = new HashMap<>();
        JsonNode file = YAMLMapper.builder().build()
                .readTree(Files.readString(GrafanaDashboards.GRAFANA.resolve("provisioning/datasources/tollgate.yaml")));
        for (JsonNode ds : file.path("datasources")) {
            provisioned.put(ds.path("uid").asString(), ds.path("type").asString());
        }
        assertThat(provisioned).containsEntry("tollgate-prometheus", GrafanaDashboards.PROMETHEUS)
                .containsEntry("tollgate-postgres", GrafanaDashboards.POSTGRES);
        for (Dashboard d : dashboards) {
            List<JsonNode> refs = new ArrayList<>();
            for (JsonNode panel : d.panels()) {
                refs.add(panel.path("datasource"));
                panel.path("targets").forEach(t -> refs.add(t.path("datasource")));
            }
            d.variables().forEach(v -> refs.add(v.path("datasource")));
            for (JsonNode ref : refs) {
                if (ref.isMissingNode() || ref.isNull()) {
                    continue;
                }
                assertThat(ref.isObject()).as("%s: datasource given by name, not uid: %s", d.file(), ref).isTrue();
                String uid = ref.path("uid").asString();
                assertThat(provisioned).as("%s: datasource uid %s is not provisioned", d.file(), uid).containsKey(uid);
                assertThat(ref.path("type").asString()).as("%s: type of datasource %s", d.file(), uid).isEqualTo(provisioned.get(uid));
            }
        }
    }

    @Test
    void everyQueryUsesDefinedVariablesAndKnownMacros() {
        for (Dashboard d : dashboards) {
            Set<String> defined = new HashSet<>();
            d.variables().forEach(v -> defined.add(v.path("name").asString()));
            List<String> texts = new ArrayList<>();
            GrafanaDashboards.queries(d).forEach(q -> texts.add(q.text()));
            d.variables().forEach(v -> texts.add(GrafanaDashboards.variableQuery(v)));
            for (String text : texts) {
                assertThat(defined).as("%s: variables used in %s", d.file(), text)
                        .containsAll(GrafanaDashboards.variablesUsed(text));
                Matcher m = MACRO.matcher(text);
                while (m.find()) {
                    assertThat(KNOWN_MACROS).as("%s: unknown macro in %s", d.file(), text).contains(m.group());
                }
            }
        }
    }

    @Test
    void everyDataPanelHasQueriesAndAUnit() {
        for (Dashboard d : dashboards) {
            for (JsonNode panel : d.panels()) {
                String type = panel.path("type").asString();
                if (type.equals("row") || type.equals("text")) {
                    assertThat(panel.path("targets").isEmpty()).as("%s panel %s: a %s has no queries", d.file(), panel.path("id"), type).isTrue();
                    continue;
                }
                String where = d.file().getFileName() + " panel " + panel.path("id") + " '" + panel.path("title").asString() + "'";
                assertThat(panel.path("targets").size()).as(where + " queries").isPositive();
                assertThat(panel.path("fieldConfig").path("defaults").path("unit").asString()).as(where + " unit").isNotBlank();
            }
            for (Query q : GrafanaDashboards.queries(d)) {
                assertThat(q.text()).as(q.where() + " query").isNotBlank();
                assertThat(q.datasourceType()).as(q.where() + " datasource")
                        .isIn(GrafanaDashboards.PROMETHEUS, GrafanaDashboards.POSTGRES);
            }
        }
    }

    @Test
    void moneyIsShownInDollarsAndSqlNeverRoundsBeforeSumming() {
        for (Dashboard d : dashboards) {
            for (Query q : GrafanaDashboards.queries(d)) {
                String unit = q.panel().path("fieldConfig").path("defaults").path("unit").asString();
                if (q.text().contains("cost_usd") || q.text().contains("cost_saved_usd") || q.text().contains("_usd_total")) {
                    assertThat(unit).as(q.where() + " unit of a money query").isIn("currencyUSD", "percentunit");
                }
                // Floats would drift from the exact numeric sums the usage store keeps.
                assertThat(q.text().toLowerCase()).as(q.where()).doesNotContain("::float").doesNotContain("round(");
            }
        }
    }

    @Test
    void theDashboardsProviderLoadsTheDirectoryTheDeploymentsMount() throws Exception {
        JsonNode file = YAMLMapper.builder().build()
                .readTree(Files.readString(GrafanaDashboards.GRAFANA.resolve("provisioning/dashboards/tollgate.yaml")));
        assertThat(file.path("providers").size()).isEqualTo(1);
        assertThat(file.path("providers").get(0).path("options").path("path").asString())
                .isEqualTo(DASHBOARDS_MOUNT);
        assertThat(Files.isDirectory(Path.of("..", "grafana", "dashboards"))).isTrue();
    }

    /** Where deploy/ mounts grafana/dashboards in the Grafana container. */
    static final String DASHBOARDS_MOUNT = "/var/lib/grafana/dashboards/tollgate";
}
