package dev.tollgate.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Prometheus (the Debian package's binary, or {@code $PROMETHEUS_BIN}) on a free loopback
 * port with its own config and a temporary data directory, scraping the given targets.
 */
public final class PrometheusServer implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Process process;
    private final String base;
    private final Path log;

    private PrometheusServer(Process process, int port, Path log) {
        this.process = process;
        this.base = "http://127.0.0.1:" + port;
        this.log = log;
    }

    /** Starts Prometheus scraping {@code metricsPath} of {@code target} (host:port) every {@code interval}. */
    public static PrometheusServer start(Path dir, String target, String metricsPath, Duration interval) throws IOException {
        String binary = System.getenv().getOrDefault("PROMETHEUS_BIN", "prometheus");
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: %1$ds
                  evaluation_interval: %1$ds
                scrape_configs:
                  - job_name: tollgate
                    metrics_path: %2$s
                    authorization: { credentials: dashboards-management-token }
                    static_configs:
                      - targets: ['%3$s']
                """.formatted(interval.toSeconds(), metricsPath, target));
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path log = dir.resolve("prometheus.log");
        Process process;
        try {
            process = new ProcessBuilder(binary, "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port, "--storage.tsdb.retention.time=1h")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run '" + binary + "': install the Debian package prometheus "
                    + "(apt-get install -y prometheus; .ci/run does) or set PROMETHEUS_BIN", e);
        }
        PrometheusServer server = new PrometheusServer(process, port, log);
        server.awaitReady();
        return server;
    }

    private void awaitReady() throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Prometheus exited: " + Files.readString(log));
            }
            try {
                if (Http.send(HttpRequest.newBuilder(URI.create(base + "/-/ready")).GET().build()).statusCode() == 200) {
                    return;
                }
            } catch (IllegalStateException e) {
                // not listening yet
            }
            TestPostgres.sleep(100);
        }
        throw new IllegalStateException("Prometheus not ready within 30 s: " + Files.readString(log));
    }

    /** An instant query at {@code timeSeconds}; the whole API answer ({@code status}, {@code data}, {@code error}). */
    public JsonNode query(String promql, double timeSeconds) {
        return get("/api/v1/query?query=" + encode(promql) + "&time=" + timeSeconds);
    }

    /** The values of {@code label} on series matching {@code match} (what Grafana's label_values() asks). */
    public List<String> labelValues(String label, String match) {
        JsonNode answer = get("/api/v1/label/" + label + "/values?match[]=" + encode(match));
        return answer.path("data").valueStream().map(JsonNode::asString).toList();
    }

    private JsonNode get(String pathAndQuery) {
        HttpResponse<String> response = Http.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                .timeout(Duration.ofSeconds(30)).GET().build());
        return JSON.readTree(response.body());
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
