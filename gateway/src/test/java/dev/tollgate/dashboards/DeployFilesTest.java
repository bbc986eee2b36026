package dev.tollgate.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.ConfigReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * deploy/ cannot be run here (no container engine), so every file is read and checked against the
 * application it deploys: ports, environment variable names, probe and metrics paths, files that
 * Dockerfiles copy and compose mounts, the selectors and names Kubernetes objects refer to each
 * other by, and the tollgate.yaml files through the gateway's own config reader.
 */
class DeployFilesTest {

    static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    static final Path DEPLOY = DeployFiles.DEPLOY;
    static final YAMLMapper YAML = YAMLMapper.builder().build();

    /** An image the repository builds: its Dockerfile, module, port and the jar its build stage produces. */
    record Image(String dockerfile, String module, int port, String jar) {}

    static final Image GATEWAY = new Image("deploy/docker/gateway.Dockerfile", "gateway", 8080, "gateway/target/tollgate.jar");
    static final Image SIDECAR = new Image("deploy/docker/embedding-sidecar.Dockerfile", "embedding-sidecar", 8091,
            "embedding-sidecar/target/tollgate-embedding-sidecar-exec.jar");

    // ---------------------------------------------------------------- Dockerfiles

    @Test
    void dockerfilesBuildTheModulesJarAndRunItAsAnUnprivilegedUserOnASmallJre() throws IOException {
        for (Image image : List.of(GATEWAY, SIDECAR)) {
            List<String[]> instructions = instructions(REPO.resolve(image.dockerfile()));
            List<String> froms = instructions.stream().filter(i -> i[0].equals("FROM")).map(i -> i[1]).toList();
            assertThat(froms).as(image.dockerfile() + " stages").hasSizeGreaterThanOrEqualTo(2);
            assertThat(froms.get(froms.size() - 1)).as(image.dockerfile() + " runtime image").matches("eclipse-temurin:\\d+-jre(-\\S+)?");
            List<String[]> runtime = instructions.subList(lastIndexOf(instructions, "FROM"), instructions.size());
            String user = runtime.stream().filter(i -> i[0].equals("USER")).map(i -> i[1]).reduce((a, b) -> b).orElse("root");
            assertThat(user).as(image.dockerfile() + " USER").doesNotStartWith("root").doesNotStartWith("0");
            String env = String.join(" ", runtime.stream().filter(i -> i[0].equals("ENV")).map(i -> i[1]).toList());
            assertThat(env).as(image.dockerfile() + " JVM flags").contains("-XX:MaxRAMPercentage=").contains("PORT=" + image.port());
            assertThat(runtime.stream().filter(i -> i[0].equals("EXPOSE")).map(i -> i[1]).toList())
                    .as(image.dockerfile() + " EXPOSE").containsExactly(Integer.toString(image.port()));
            assertThat(defaultPort(image.module())).as(image.module() + " default port").isEqualTo(image.port());
            String entrypoint = runtime.stream().filter(i -> i[0].equals("ENTRYPOINT")).map(i -> i[1]).findFirst().orElse("");
            assertThat(entrypoint).as(image.dockerfile() + " ENTRYPOINT").contains("\"java\", \"-jar\"");

            for (String[] copy : instructions.stream().filter(i -> i[0].equals("COPY")).toList()) {
                List<String> args = new ArrayList<>(List.of(copy[1].split("\\s+")));
                String from = args.stream().filter(a -> a.startsWith("--from=")).findFirst().orElse(null);
                args.removeIf(a -> a.startsWith("--"));
                List<String> sources = args.subList(0, args.size() - 1);
                for (String source : sources) {
                    if (from == null) {
                        assertThat(REPO.resolve(source)).as(image.dockerfile() + ": COPY source").exists();
                    } else {
                        // What the build stage built: <module>/target/<finalName>[-<classifier>].jar of the module's pom.
                        assertThat(source).as(image.dockerfile() + ": jar copied from the build stage").isEqualTo("/src/" + image.jar());
                        assertThat(builtJar(image.module())).isEqualTo(image.jar());
                    }
                }
            }
            String build = String.join("\n", instructions.stream().filter(i -> i[0].equals("RUN")).map(i -> i[1]).toList());
            assertThat(build).as(image.dockerfile() + " builds its module").contains("-pl " + image.module() + " -am");
        }
        assertThat(REPO.resolve(".dockerignore")).exists();
        assertThat(Files.readString(REPO.resolve(".dockerignore"))).doesNotContain("\nsrc").doesNotContain(".mvn");
    }

    /** Instructions as {keyword, arguments}, continuation lines joined, comments dropped. */
    static List<String[]> instructions(Path dockerfile) throws IOException {
        List<String[]> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(dockerfile)) {
            String trimmed = line.strip();
            if (current.isEmpty() && (trimmed.isEmpty() || trimmed.startsWith("#"))) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            String[] parts = current.toString().split("\\s+", 2);
            out.add(new String[] {parts[0].toUpperCase(), parts.length > 1 ? parts[1].strip() : ""});
            current.setLength(0);
        }
        return out;
    }

    private static int lastIndexOf(List<String[]> instructions, String keyword) {
        for (int i = instructions.size() - 1; i >= 0; i--) {
            if (instructions.get(i)[0].equals(keyword)) {
                return i;
            }
        }
        return -1;
    }

    /** The port an application listens on by default: server.port: ${PORT:n} in its application.yaml. */
    static int defaultPort(String module) throws IOException {
        Matcher m = Pattern.compile("port: \\$\\{PORT:(\\d+)}").matcher(Files.readString(applicationYaml(module)));
        assertThat(m.find()).as(module + " application.yaml server.port").isTrue();
        return Integer.parseInt(m.group(1));
    }

    static Path applicationYaml(String module) {
        return REPO.resolve(module + "/src/main/resources/application.yaml");
    }

    private static String builtJar(String module) throws IOException {
        String pom = Files.readString(REPO.resolve(module + "/pom.xml"));
        Matcher name = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(pom);
        assertThat(name.find()).as(module + " finalName").isTrue();
        Matcher classifier = Pattern.compile("<classifier>([^<]+)</classifier>").matcher(pom);
        return module + "/target/" + name.group(1) + (classifier.find() ? "-" + classifier.group(1) : "") + ".jar";
    }

    // ---------------------------------------------------------------- docker compose

    @Test
    void composeBuildsMountsAndWiresWhatExists() throws IOException {
        JsonNode compose = DeployFiles.yaml(DEPLOY.resolve("docker-compose.yaml"));
        JsonNode services = compose.path("services");
        assertThat(names(services)).contains("gateway", "embedding-sidecar", "postgres", "redis", "prometheus", "grafana", "traffic");
        Set<String> namedVolumes = names(compose.path("volumes"));

        Map<String, Image> built = Map.of("gateway", GATEWAY, "embedding-sidecar", SIDECAR);
        for (Map.Entry<String, Image> e : built.entrySet()) {
            JsonNode build = services.path(e.getKey()).path("build");
            Path context = DEPLOY.resolve(build.path("context").asString()).normalize();
            assertThat(context).as(e.getKey() + " build context").isEqualTo(REPO);
            assertThat(build.path("dockerfile").asString()).as(e.getKey() + " dockerfile").isEqualTo(e.getValue().dockerfile());
            assertThat(services.path(e.getKey()).path("image").asString()).as(e.getKey() + " image")
                    .startsWith(imageRepository(e.getValue()) + ":");
        }

        for (Map.Entry<String, JsonNode> service : services.properties()) {
            String name = service.getKey();
            for (JsonNode volume : service.getValue().path("volumes")) {
                String[] parts = volume.asString().split(":");
                if (parts[0].startsWith(".")) {
                    assertThat(DEPLOY.resolve(parts[0]).normalize()).as(name + " mounts " + parts[0]).exists();
                } else {
                    assertThat(namedVolumes).as(name + " named volume " + parts[0]).contains(parts[0]);
                }
            }
            for (String dependency : names(service.getValue().path("depends_on"))) {
                assertThat(names(services)).as(name + " depends_on").contains(dependency);
            }
            service.getValue().path("depends_on").forEach(d -> {
                if (d.isString()) {
                    assertThat(names(services)).as(name + " depends_on").contains(d.asString());
                }
            });
        }

        // The gateway: env names it reads, port, the config file in the mounted directory, the stores.
        JsonNode gateway = services.path("gateway");
        Map<String, String> env = strings(gateway.path("environment"));
        assertThat(gatewayEnvironmentNames()).as("environment variables the gateway reads").containsAll(env.keySet());
        assertThat(gateway.path("ports").get(0).asString()).endsWith(":" + GATEWAY.port());
        Path config = hostPath(gateway, env.get("TOLLGATE_CONFIG"));
        assertThat(config).as("TOLLGATE_CONFIG inside a mounted host directory").isNotNull().exists();
        assertThat(mountSource(gateway, Path.of(env.get("TOLLGATE_CONFIG")).getParent().toString()))
                .as("the config's directory is mounted whole, so edits are reloaded").isNotNull();
        assertThat(env.get("TOLLGATE_USAGE_URL")).isEqualTo("postgresql://postgres:5432/"
                + services.path("postgres").path("environment").path("POSTGRES_DB").asString());
        assertThat(env.get("TOLLGATE_USAGE_USERNAME")).isEqualTo(services.path("postgres").path("environment").path("POSTGRES_USER").asString());
        assertThat(env.get("TOLLGATE_REDIS_URL")).isEqualTo("redis://redis:6379");
        assertThat(env.get("SPRING_PROFILES_ACTIVE")).isEqualTo("cluster");
        assertThat(REPO.resolve("gateway/src/main/resources/application-cluster.yaml")).exists();
        Set<String> referenced = readConfig(config);
        assertThat(env.keySet()).as("variables " + config + " references").containsAll(referenced);

        // The sidecar is where the config sends embeddings, on the port it listens on.
        assertThat(Files.readString(config)).contains("embedder-url: http://embedding-sidecar:" + SIDECAR.port() + "/v1");

        // Prometheus scrapes services that exist, on their ports, on the path the gateway exposes.
        JsonNode prometheus = services.path("prometheus");
        Path scrapeConfig = hostPath(prometheus, "/etc/prometheus/prometheus.yml");
        assertThat(scrapeConfig).isEqualTo(DEPLOY.resolve("prometheus/prometheus.yml"));
        Map<String, Integer> ports = Map.of("gateway", GATEWAY.port(), "embedding-sidecar", SIDECAR.port());
        Map<String, String> modules = Map.of("gateway", GATEWAY.module(), "embedding-sidecar", SIDECAR.module());
        for (JsonNode job : DeployFiles.yaml(scrapeConfig).path("scrape_configs")) {
            for (JsonNode target : job.path("static_configs").get(0).path("targets")) {
                String[] hostPort = target.asString().split(":");
                assertThat(ports).as("scrape target " + target).containsEntry(hostPort[0], Integer.parseInt(hostPort[1]));
                Path application = applicationYaml(modules.get(hostPort[0]));
                assertThat(exposes(application, "prometheus")).as(application + " exposes prometheus").isTrue();
                assertThat(job.path("metrics_path").asString()).as("metrics path of " + target).isEqualTo(prometheusPath(application));
            }
        }

        // Grafana: the repository's provisioning and dashboards, and every variable the datasources file reads.
        JsonNode grafana = services.path("grafana");
        assertThat(hostPath(grafana, "/etc/grafana/provisioning")).isEqualTo(REPO.resolve("grafana/provisioning"));
        assertThat(hostPath(grafana, DashboardLintTest.DASHBOARDS_MOUNT)).isEqualTo(REPO.resolve("grafana/dashboards"));
        Map<String, String> grafanaEnv = strings(grafana.path("environment"));
        String datasources = Files.readString(REPO.resolve("grafana/provisioning/datasources/tollgate.yaml"));
        Matcher m = Pattern.compile("\\$\\{(\\w+)}").matcher(datasources);
        while (m.find()) {
            assertThat(grafanaEnv).as("grafana environment").containsKey(m.group(1));
        }
        assertThat(grafanaEnv.get("TOLLGATE_PROMETHEUS_URL")).isEqualTo("http://prometheus:9090");
        assertThat(grafanaEnv.get("TOLLGATE_GRAFANA_DB_HOST")).isEqualTo("postgres:5432");
        assertThat(grafanaEnv.get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")).startsWith(DashboardLintTest.DASHBOARDS_MOUNT + "/");
        assertThat(REPO.resolve("grafana/dashboards").resolve(Path.of(grafanaEnv.get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")).getFileName()))
                .exists();
        String init = Files.readString(hostPath(services.path("postgres"), "/docker-entrypoint-initdb.d/10-grafana-reader.sql"));
        assertThat(init).contains("ROLE " + grafanaEnv.get("TOLLGATE_GRAFANA_DB_USER") + " ")
                .contains("PASSWORD '" + grafanaEnv.get("TOLLGATE_GRAFANA_DB_PASSWORD") + "'");

        // The traffic generator uses keys and models of the config and the gateway's readiness probe.
        String traffic = Files.readString(hostPath(services.path("traffic"), "/traffic.sh"));
        JsonNode configYaml = DeployFiles.yaml(config);
        Set<String> keys = new HashSet<>();
        configYaml.path("keys").forEach(k -> keys.add(k.path("key").asString()));
        Matcher key = Pattern.compile("call (tg-[\\w-]+) ([\\w.-]+) ").matcher(traffic);
        int calls = 0;
        while (key.find()) {
            calls++;
            assertThat(keys).as("key of the traffic generator").contains(key.group(1));
            assertThat(configYaml.path("models").has(key.group(2))).as("model " + key.group(2)).isTrue();
        }
        assertThat(calls).isGreaterThan(3);
        assertThat(traffic).contains("/actuator/health/readiness");
        assertThat(probesEnabled()).isTrue();
    }

    // ---------------------------------------------------------------- Kubernetes

    @Test
    void kubernetesObjectsReferToEachOtherAndToTheApplication() throws IOException {
        Map<String, JsonNode> base = objects(DEPLOY.resolve("k8s/base"));
        JsonNode deployment = base.get("Deployment/tollgate-gateway");
        assertThat(deployment).isNotNull();
        JsonNode pod = deployment.path("spec").path("template");
        JsonNode container = pod.path("spec").path("containers").get(0);
        assertThat(container.path("image").asString()).startsWith(imageRepository(GATEWAY) + ":");
        assertThat(pod.path("spec").path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(matches(deployment.path("spec").path("selector").path("matchLabels"), pod.path("metadata").path("labels"))).isTrue();
        assertThat(portNumber(container, "http")).isEqualTo(GATEWAY.port());

        // Probes on actuator endpoints the gateway serves (DashboardsIT calls them on a running gateway).
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            JsonNode get = container.path(probe).path("httpGet");
            assertThat(gatewayProbePaths()).as(probe).contains(get.path("path").asString());
            assertThat(portNumber(container, get.path("port").asString())).as(probe + " port").isEqualTo(GATEWAY.port());
        }
        // Environment: names the gateway reads; secrets by reference, never inline.
        Set<String> names = new HashSet<>();
        for (JsonNode e : container.path("env")) {
            names.add(e.path("name").asString());
            if (e.path("name").asString().matches(".*(PASSWORD|KEY|URL)$") && !e.path("name").asString().equals("TOLLGATE_CONFIG")) {
                assertThat(e.path("valueFrom").path("secretKeyRef").isObject()).as(e.path("name") + " from a Secret").isTrue();
            }
        }
        assertThat(gatewayEnvironmentNames()).containsAll(names);
        assertThat(container.path("envFrom").get(0).path("secretRef").path("name").asString()).isEqualTo("tollgate-provider-keys");

        // The config: the generated ConfigMap mounted as a directory (no subPath: updates must reach the pod).
        String configPath = env(container, "TOLLGATE_CONFIG");
        JsonNode mount = volumeMount(container, Path.of(configPath).getParent().toString());
        assertThat(mount).as("volume mounted at the config's directory").isNotNull();
        assertThat(mount.has("subPath")).isFalse();
        JsonNode volume = volume(pod, mount.path("name").asString());
        JsonNode kustomization = DeployFiles.yaml(DEPLOY.resolve("k8s/base/kustomization.yaml"));
        JsonNode generator = kustomization.path("configMapGenerator").get(0);
        assertThat(volume.path("configMap").path("name").asString()).isEqualTo(generator.path("name").asString());
        assertThat(kustomization.path("generatorOptions").path("disableNameSuffixHash").asBoolean()).isTrue();
        assertThat(generator.path("files").get(0).asString()).isEqualTo(Path.of(configPath).getFileName().toString());
        Set<String> baseConfigEnv = readConfig(DEPLOY.resolve("k8s/base/" + generator.path("files").get(0).asString()));
        assertThat(baseConfigEnv).as("the base config takes provider keys from the environment").contains("OPENAI_API_KEY");
        // Writable paths under a read-only root: the spool and the temp directory ONNX Runtime unpacks into.
        assertThat(Path.of(env(container, "TOLLGATE_USAGE_SPOOL_DIR")).startsWith(volumeMountPath(container, "data"))).isTrue();
        assertThat(volumeMount(container, "/tmp")).isNotNull();

        // Service, HPA, PDB and ServiceMonitor select these pods and name ports that exist.
        JsonNode service = base.get("Service/tollgate-gateway");
        assertThat(matches(service.path("spec").path("selector"), pod.path("metadata").path("labels"))).isTrue();
        assertThat(portNumber(container, service.path("spec").path("ports").get(0).path("targetPort").asString())).isEqualTo(GATEWAY.port());
        JsonNode hpa = base.get("HorizontalPodAutoscaler/tollgate-gateway");
        assertThat(hpa.path("spec").path("scaleTargetRef").path("kind").asString()).isEqualTo("Deployment");
        assertThat(hpa.path("spec").path("scaleTargetRef").path("name").asString()).isEqualTo("tollgate-gateway");
        assertThat(hpa.path("spec").path("minReplicas").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(container.path("resources").path("requests").path("cpu").isMissingNode()).as("HPA on CPU needs a CPU request").isFalse();
        JsonNode pdb = base.get("PodDisruptionBudget/tollgate-gateway");
        assertThat(matches(pdb.path("spec").path("selector").path("matchLabels"), pod.path("metadata").path("labels"))).isTrue();
        assertThat(pdb.path("spec").path("minAvailable").asInt()).isLessThan(hpa.path("spec").path("minReplicas").asInt());
        JsonNode monitor = base.get("ServiceMonitor/tollgate-gateway");
        assertThat(matches(monitor.path("spec").path("selector").path("matchLabels"), service.path("metadata").path("labels"))).isTrue();
        JsonNode endpoint = monitor.path("spec").path("endpoints").get(0);
        assertThat(endpoint.path("port").asString()).isEqualTo(service.path("spec").path("ports").get(0).path("name").asString());
        assertThat(endpoint.path("path").asString()).as("ServiceMonitor path = compose scrape path").isEqualTo(DeployFiles.metricsPath());

        // The sidecar: the Service the config's embedder-url names, on the port the sidecar listens on.
        JsonNode sidecar = base.get("Deployment/tollgate-embedding-sidecar");
        JsonNode sidecarContainer = sidecar.path("spec").path("template").path("spec").path("containers").get(0);
        assertThat(sidecarContainer.path("image").asString()).startsWith(imageRepository(SIDECAR) + ":");
        assertThat(portNumber(sidecarContainer, "http")).isEqualTo(SIDECAR.port());
        assertThat(sidecarContainer.path("readinessProbe").path("httpGet").path("path").asString()).isEqualTo("/actuator/health");
        JsonNode sidecarService = base.get("Service/embedding-sidecar");
        assertThat(matches(sidecarService.path("spec").path("selector"), sidecar.path("spec").path("template").path("metadata").path("labels"))).isTrue();
        assertThat(Files.readString(DEPLOY.resolve("k8s/base/tollgate.yaml")))
                .contains("embedder-url: http://embedding-sidecar:" + sidecarService.path("spec").path("ports").get(0).path("port").asInt() + "/v1");
    }

    @Test
    void theDatabasesOverlayProvidesEverySecretKeyTheBaseReadsAndTheComposeConfig() throws IOException {
        Path overlay = DEPLOY.resolve("k8s/overlays/with-databases");
        JsonNode kustomization = DeployFiles.yaml(overlay.resolve("kustomization.yaml"));
        Map<String, Set<String>> secrets = new HashMap<>();
        for (JsonNode generator : kustomization.path("secretGenerator")) {
            Set<String> keys = new HashSet<>();
            generator.path("literals").forEach(l -> keys.add(l.asString().split("=", 2)[0]));
            secrets.put(generator.path("name").asString(), keys);
        }
        Map<String, JsonNode> base = objects(DEPLOY.resolve("k8s/base"));
        JsonNode container = base.get("Deployment/tollgate-gateway").path("spec").path("template").path("spec").path("containers").get(0);
        for (JsonNode e : container.path("env")) {
            JsonNode ref = e.path("valueFrom").path("secretKeyRef");
            if (ref.isObject()) {
                assertThat(secrets).as("secret of " + e.path("name")).containsKey(ref.path("name").asString());
                assertThat(secrets.get(ref.path("name").asString())).as("key of " + e.path("name")).contains(ref.path("key").asString());
            }
        }
        assertThat(secrets).containsKey(container.path("envFrom").get(0).path("secretRef").path("name").asString());
        Map<String, JsonNode> added = objects(overlay);
        Map<String, String> url = Map.of("postgres", "usage-url", "redis", "redis-url");
        for (Map.Entry<String, String> e : url.entrySet()) {
            JsonNode svc = added.get("Service/" + e.getKey());
            assertThat(svc).as("Service " + e.getKey()).isNotNull();
            String literal = kustomization.path("secretGenerator").get(0).path("literals").valueStream().map(JsonNode::asString)
                    .filter(l -> l.startsWith(e.getValue() + "=")).findFirst().orElseThrow();
            assertThat(literal).containsPattern("://" + e.getKey() + ":" + svc.path("spec").path("ports").get(0).path("port").asInt() + "(/|$)");
        }
        assertThat(Files.readString(overlay.resolve("tollgate.yaml"))).as("overlay config = compose config")
                .isEqualTo(Files.readString(DEPLOY.resolve("config/tollgate.yaml")));
        assertThat(kustomization.path("resources").valueStream().map(JsonNode::asString).toList()).contains("../../base");
    }

    @Test
    void readmeShowsHowToRunTheStack() throws IOException {
        assertThat(Files.readString(REPO.resolve("README.md"))).contains("docker compose -f deploy/docker-compose.yaml up");
    }

    // ---------------------------------------------------------------- helpers

    /** Environment variables the gateway reads: its application*.yaml placeholders and the documented table, plus Spring's own. */
    static Set<String> gatewayEnvironmentNames() throws IOException {
        Set<String> names = new LinkedHashSet<>(List.of("SPRING_PROFILES_ACTIVE", "JAVA_TOOL_OPTIONS"));
        try (Stream<Path> files = Files.list(REPO.resolve("gateway/src/main/resources"))) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("application")).toList()) {
                Matcher m = Pattern.compile("\\$\\{([A-Z0-9_]+)").matcher(Files.readString(file));
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        Matcher m = Pattern.compile("\\| `[a-z.-]+` \\| `([A-Z0-9_]+)`").matcher(Files.readString(REPO.resolve("docs/configuration.md")));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** The health paths the gateway serves: /actuator/health, and the probe groups when they are enabled. */
    static Set<String> gatewayProbePaths() throws IOException {
        Set<String> paths = new HashSet<>();
        if (exposes(applicationYaml("gateway"), "health")) {
            paths.add("/actuator/health");
            if (probesEnabled()) {
                paths.add("/actuator/health/liveness");
                paths.add("/actuator/health/readiness");
            }
        }
        return paths;
    }

    static boolean probesEnabled() throws IOException {
        JsonNode yaml = DeployFiles.yaml(applicationYaml("gateway"));
        return yaml.path("management").path("endpoint").path("health").path("probes").path("enabled").asBoolean(false);
    }

    /** Where an application serves Prometheus metrics: the actuator's base path (default /actuator) + /prometheus. */
    private static String prometheusPath(Path applicationYaml) {
        JsonNode web = DeployFiles.yaml(applicationYaml).path("management").path("endpoints").path("web");
        String mapped = web.path("path-mapping").path("prometheus").asString("prometheus");
        return web.path("base-path").asString("/actuator") + "/" + mapped;
    }

    private static boolean exposes(Path applicationYaml, String endpoint) {
        String include = DeployFiles.yaml(applicationYaml).path("management").path("endpoints").path("web").path("exposure")
                .path("include").asString();
        return List.of(include.split("\\s*,\\s*")).contains(endpoint);
    }

    /** Reads a tollgate.yaml with the gateway's own reader; returns the environment variables it references. */
    private static Set<String> readConfig(Path file) throws IOException {
        Set<String> referenced = new HashSet<>();
        new ConfigReader(name -> {
            referenced.add(name);
            return "tg-placeholder-" + name.toLowerCase(); // also a valid virtual key
        }).read(Files.readString(file), file.toString());
        return referenced;
    }

    private static String imageRepository(Image image) {
        return image == GATEWAY ? "tollgate/gateway" : "tollgate/embedding-sidecar";
    }

    /** Every object of a kustomization directory's resources (files and directories), by kind/name. */
    private static Map<String, JsonNode> objects(Path dir) throws IOException {
        Map<String, JsonNode> out = new HashMap<>();
        JsonNode kustomization = DeployFiles.yaml(dir.resolve("kustomization.yaml"));
        for (JsonNode resource : kustomization.path("resources")) {
            Path path = dir.resolve(resource.asString()).normalize();
            assertThat(path).as("kustomization resource").exists();
            if (Files.isDirectory(path)) {
                continue;
            }
            for (JsonNode doc : YAML.readValues(YAML.createParser(Files.readString(path)), JsonNode.class).readAll()) {
                out.put(doc.path("kind").asString() + "/" + doc.path("metadata").path("name").asString(), doc);
            }
        }
        for (String field : List.of("configMapGenerator", "secretGenerator")) {
            for (JsonNode generator : kustomization.path(field)) {
                generator.path("files").forEach(f -> assertThat(dir.resolve(f.asString())).as("generator file").exists());
            }
        }
        return out;
    }

    private static boolean matches(JsonNode selector, JsonNode labels) {
        if (selector.isEmpty()) {
            return false;
        }
        for (Map.Entry<String, JsonNode> e : selector.properties()) {
            if (!e.getValue().asString().equals(labels.path(e.getKey()).asString())) {
                return false;
            }
        }
        return true;
    }

    private static int portNumber(JsonNode container, String nameOrNumber) {
        for (JsonNode port : container.path("ports")) {
            if (port.path("name").asString().equals(nameOrNumber) || Integer.toString(port.path("containerPort").asInt()).equals(nameOrNumber)) {
                return port.path("containerPort").asInt();
            }
        }
        throw new AssertionError("no container port " + nameOrNumber);
    }

    private static String env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asString().equals(name)) {
                return e.path("value").asString();
            }
        }
        throw new AssertionError("no env " + name);
    }

    private static JsonNode volumeMount(JsonNode container, String mountPath) {
        for (JsonNode m : container.path("volumeMounts")) {
            if (m.path("mountPath").asString().equals(mountPath)) {
                return m;
            }
        }
        return null;
    }

    private static Path volumeMountPath(JsonNode container, String volume) {
        for (JsonNode m : container.path("volumeMounts")) {
            if (m.path("name").asString().equals(volume)) {
                return Path.of(m.path("mountPath").asString());
            }
        }
        throw new AssertionError("volume " + volume + " not mounted");
    }

    private static JsonNode volume(JsonNode pod, String name) {
        for (JsonNode v : pod.path("spec").path("volumes")) {
            if (v.path("name").asString().equals(name)) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name);
    }

    /** The host path of what a compose service sees at {@code containerPath} (a mounted file or a file inside a mounted directory). */
    private static Path hostPath(JsonNode service, String containerPath) {
        for (JsonNode volume : service.path("volumes")) {
            String[] parts = volume.asString().split(":");
            if (!parts[0].startsWith(".")) {
                continue;
            }
            Path host = DEPLOY.resolve(parts[0]).normalize();
            Path target = Path.of(parts[1]);
            Path wanted = Path.of(containerPath);
            if (wanted.equals(target)) {
                return host;
            }
            if (wanted.startsWith(target)) {
                return host.resolve(target.relativize(wanted).toString());
            }
        }
        return null;
    }

    private static String mountSource(JsonNode service, String containerDir) {
        for (JsonNode volume : service.path("volumes")) {
            String[] parts = volume.asString().split(":");
            if (parts[1].equals(containerDir)) {
                return parts[0];
            }
        }
        return null;
    }

    private static Set<String> names(JsonNode node) {
        Set<String> out = new LinkedHashSet<>();
        if (node.isObject()) {
            node.properties().forEach(e -> out.add(e.getKey()));
        }
        return out;
    }

    private static Map<String, String> strings(JsonNode node) {
        Map<String, String> out = new HashMap<>();
        node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asString()));
        return out;
    }
}
