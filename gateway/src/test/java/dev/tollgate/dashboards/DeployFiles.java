package dev.tollgate.dashboards;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** The repository's deploy/ directory as the tests read it. */
final class DeployFiles {

    static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();
    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    private DeployFiles() {}

    static JsonNode yaml(Path file) {
        try {
            return YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The (single) object of a Kubernetes manifest under deploy/. */
    static JsonNode k8sObject(String relativePath) {
        return yaml(DEPLOY.resolve(relativePath));
    }

    /** The path Prometheus scrapes the gateway on, from deploy/prometheus/prometheus.yml (job {@code tollgate}). */
    static String metricsPath() {
        for (JsonNode job : yaml(DEPLOY.resolve("prometheus/prometheus.yml")).path("scrape_configs")) {
            if (job.path("job_name").asString().equals("tollgate")) {
                return job.path("metrics_path").asString("/metrics");
            }
        }
        throw new IllegalStateException("no job 'tollgate' in deploy/prometheus/prometheus.yml");
    }
}
