package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.Http;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * What a newcomer gets from {@code java -jar tollgate.jar} with nothing configured: the demo
 * config with the simulated provider and key tg-demo-key, usage in an embedded H2 file.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class EmbeddedDefaultsIT {

    static final Path DATA;

    static {
        try {
            DATA = Files.createTempDirectory("tollgate-embedded");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("tollgate.server.management-token", () -> "embedded-management-token");
        registry.add("tollgate.config", () -> "");
        registry.add("tollgate.usage.url", () -> "h2:file:" + DATA.resolve("usage"));
        registry.add("tollgate.usage.spool-dir", () -> DATA.resolve("spool").toString());
    }

    @LocalServerPort
    int port;

    @Test
    void demoConfigServesAndMetersIntoH2() throws Exception {
        Http http = new Http(port);
        assertThat(http.get("/v1/models", "tg-demo-key").body()).contains("demo-mini", "demo-large", "demo-embed");
        assertThat(http.post("/v1/chat/completions", "tg-demo-key", "embedded-1",
                "{\"model\":\"demo-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode()).isEqualTo(200);
        assertThat(http.get("/actuator/health/details", "embedded-management-token").body()).contains("\"usageStore\"").contains("\"UP\"");

        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int rows = 0;
        while (rows == 0 && System.nanoTime() < deadline) {
            try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + DATA.resolve("usage").toAbsolutePath() + ";DB_CLOSE_DELAY=-1", "sa", "");
                    ResultSet rs = c.createStatement().executeQuery(
                            "SELECT count(*) FROM usage_events WHERE request_id = 'embedded-1' AND cost_usd > 0 AND price_version = 'demo-2026-11'")) {
                rs.next();
                rows = rs.getInt(1);
            }
            Thread.sleep(50);
        }
        assertThat(rows).isEqualTo(1);
    }
}
