package dev.tollgate.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.GatewayInstance;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API server against clients that misbehave on the wire, with raw sockets: headers or a body
 * sent a byte at a time, more connections than allowed, requests Netty itself rejects, pipelined
 * requests; and who may read the management endpoints.
 */
class EdgeServerIT {

    private static final String TOKEN = "edge-management-token";
    private static GatewayInstance gateway;

    @BeforeAll
    static void start() throws IOException {
        Path dir = Files.createTempDirectory("tollgate-edge");
        Map<String, Object> props = new HashMap<>();
        props.put("tollgate.config", "");
        props.put("tollgate.usage.url", "h2:mem:edge-" + ProcessHandle.current().pid());
        props.put("tollgate.usage.spool-dir", dir.resolve("spool").toString());
        props.put("tollgate.server.header-timeout", "1500ms");
        props.put("tollgate.server.body-read-timeout", "1500ms");
        props.put("tollgate.server.body-timeout", "4s");
        props.put("tollgate.server.max-connections", "40");
        props.put("tollgate.server.management-token", TOKEN);
        gateway = GatewayInstance.start(props);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void headersTrickledAByteAtATimeAreCutOffAtTheHeaderTimeout() throws Exception {
        double before = gateway.bean(EdgeStats.class).droppedCount("header_timeout");
        try (Socket socket = socket()) {
            OutputStream out = socket.getOutputStream();
            out.write("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            long started = System.nanoTime();
            boolean closed = false;
            try {
                for (int i = 0; i < 100 && !closed; i++) {
                    out.write('X');
                    out.flush();
                    Thread.sleep(100);
                    closed = socket.getInputStream().available() == 0 && peekClosed(socket);
                }
            } catch (IOException reset) {
                closed = true;
            }
            long ms = (System.nanoTime() - started) / 1_000_000;
            assertThat(closed).as("connection closed by the server").isTrue();
            assertThat(ms).isBetween(1_000L, 8_000L);
        }
        assertThat(gateway.bean(EdgeStats.class).droppedCount("header_timeout")).isGreaterThan(before);
    }

    @Test
    void aBodyTrickledTooSlowlyIsCutOff() throws Exception {
        try (Socket socket = socket()) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tg-demo-key\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"model\":").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long started = System.nanoTime();
            String answer = readUntilClosed(socket, 10_000);
            long ms = (System.nanoTime() - started) / 1_000_000;
            assertThat(ms).isBetween(1_000L, 9_000L);
            assertThat(answer).doesNotContain("200 OK");
        }
        assertThat(gateway.bean(EdgeStats.class).droppedCount("body_timeout")).isPositive();
    }

    @Test
    void connectionsOverTheLimitAreRefusedWithA503() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 45; i++) {
                held.add(socket()); // all opened well within the header timeout
            }
            List<String> refused = new ArrayList<>();
            for (Socket s : held) {
                s.setSoTimeout(200);
                try {
                    byte[] buf = new byte[1024];
                    int n = s.getInputStream().read(buf);
                    if (n > 0) {
                        refused.add(new String(buf, 0, n, StandardCharsets.US_ASCII));
                    }
                } catch (SocketTimeoutException stillOpen) {
                    // accepted and waiting for a request
                }
            }
            // 45 sockets against a limit of 40: at least 5 refused (more when connections of other
            // tests are still open), and not all of them.
            assertThat(refused).hasSizeBetween(5, 44)
                    .allSatisfy(r -> assertThat(r).startsWith("HTTP/1.1 503").contains("too_many_connections"));
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        assertThat(gateway.bean(EdgeStats.class).droppedCount("over_limit")).isPositive();
    }

    @Test
    void nettysOwnRejectionsCarryAnErrorEnvelope() throws Exception {
        String longUri = exchange("GET /v1/models?" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        String bigHeaders = exchange("GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n");
        String garbage = exchange("GET /v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");

        assertThat(longUri).startsWith("HTTP/1.1 414").contains("application/json").contains("\"code\":\"uri_too_long\"");
        assertThat(bigHeaders).startsWith("HTTP/1.1 431").contains("\"code\":\"headers_too_large\"");
        assertThat(garbage).startsWith("HTTP/1.1 400").contains("\"type\":\"invalid_request_error\"");
    }

    @Test
    void pipelinedRequestsAreAnsweredOrRefusedWithConnectionClose() throws Exception {
        String models = "GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tg-demo-key\r\n\r\n";
        String body = "{\"model\":\"demo-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        String chat = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tg-demo-key\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
        String model = "GET /v1/models/demo-mini HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tg-demo-key\r\n\r\n";

        String gets = exchange(models + models + model.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"));
        String mixed = exchange(models + chat + model);

        // Requests without a body: every one answered, in order.
        assertThat(gets.split("HTTP/1.1 200 OK", -1)).as(gets).hasSize(4);
        // A pipelined request with a body: answered, and the connection then closed with
        // "connection: close" on that answer, so the client knows to resend what followed (RFC 9112 §9.3.2);
        // never a request silently swallowed on an open connection.
        String[] answers = mixed.split("HTTP/1.1 ", -1);
        assertThat(mixed).doesNotContain("<still open>");
        String last = answers[answers.length - 1];
        assertThat(answers.length - 1 == 3 || last.toLowerCase().contains("connection: close")).as(mixed).isTrue();
        assertThat(mixed).contains("chat.completion");
    }

    @Test
    void managementEndpointsAreClosedToAnonymousCallersExceptTheHealthStatus() {
        var http = gateway.http();

        var health = http.get("/actuator/health", null);
        var prometheus = http.get("/actuator/prometheus", null);
        var details = http.get("/actuator/health/details", null);
        var healthWithToken = http.get("/actuator/health/details", TOKEN);
        var prometheusWithToken = http.get("/actuator/prometheus", TOKEN);
        var wrongToken = http.get("/actuator/prometheus", "guess");

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"").doesNotContain("components").doesNotContain("usageStore");
        assertThat(prometheus.statusCode()).isEqualTo(401);
        assertThat(prometheus.body()).contains("management_token_required");
        assertThat(wrongToken.statusCode()).isEqualTo(401);
        assertThat(details.statusCode()).isEqualTo(401);
        assertThat(healthWithToken.body()).contains("\"components\"").contains("usageStore");
        assertThat(prometheusWithToken.statusCode()).isEqualTo(200);
        assertThat(prometheusWithToken.body()).contains("tollgate_server_connections_open");
    }

    private static Socket socket() throws IOException {
        Socket socket = new Socket("127.0.0.1", gateway.port());
        socket.setTcpNoDelay(true);
        return socket;
    }

    /** Sends raw bytes and reads until the server closes the connection (or 10 s pass). */
    private static String exchange(String raw) throws IOException {
        try (Socket socket = socket()) {
            socket.getOutputStream().write(raw.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return readUntilClosed(socket, 10_000);
        }
    }

    private static String readUntilClosed(Socket socket, int timeoutMs) throws IOException {
        socket.setSoTimeout(timeoutMs);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            InputStream in = socket.getInputStream();
            int n;
            while ((n = in.read(buf)) > 0) {
                all.write(buf, 0, n);
            }
        } catch (SocketTimeoutException timeout) {
            all.writeBytes("\n<still open>".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException reset) {
            // closed by the server
        }
        return all.toString(StandardCharsets.UTF_8);
    }

    /** True when the server has closed its side (a read returns end of stream). */
    private static boolean peekClosed(Socket socket) throws IOException {
        socket.setSoTimeout(1);
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException open) {
            return false;
        } finally {
            socket.setSoTimeout(0);
        }
    }
}
