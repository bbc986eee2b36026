package dev.tollgate.it;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tollgate.testing.Http;
import dev.tollgate.testing.NettyUpstream;
import dev.tollgate.testing.TestPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The gateway on a random port, configured by a real tollgate.yaml that points at two WireMock
 * upstreams, a real Netty upstream, a closed port and the simulated provider; usage events go to
 * the local PostgreSQL.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
abstract class GatewayTestBase {

    static final String KEY = "tg-test-key-all";
    static final String LIMITED_KEY = "tg-test-key-limited";

    static final WireMockServer PRIMARY = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    static final WireMockServer SECONDARY = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    static final NettyUpstream NETTY;
    static final Path DIR;
    static final Path CONFIG;

    static {
        PRIMARY.start();
        SECONDARY.start();
        NETTY = new NettyUpstream();
        try {
            DIR = Files.createTempDirectory("tollgate-it");
            CONFIG = DIR.resolve("tollgate.yaml");
            Files.writeString(CONFIG, config());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String config() {
        return """
                providers:
                  primary:
                    type: openai-compatible
                    base-url: http://127.0.0.1:%d/v1
                    api-key: sk-primary-secret-0000
                    retry: { max-attempts: 1 }
                    timeouts: { connect: 1s, first-byte: 700ms, idle: 700ms, total: 1500ms }
                    circuit-breaker: { minimum-calls: 1000, sliding-window-size: 1000 }
                  secondary:
                    type: openai-compatible
                    base-url: http://127.0.0.1:%d/v1
                    api-key: ${SECONDARY_KEY:-sk-secondary-secret-1111}
                    retry: { max-attempts: 1 }
                    circuit-breaker: { minimum-calls: 1000, sliding-window-size: 1000 }
                  retrying:
                    type: openai-compatible
                    base-url: http://127.0.0.1:%d/v1
                    retry: { max-attempts: 3, initial-backoff: 10ms, max-retry-after: 1s }
                    circuit-breaker: { minimum-calls: 1000, sliding-window-size: 1000 }
                  flaky:
                    type: openai-compatible
                    base-url: http://127.0.0.1:%d/flaky/v1
                    retry: { max-attempts: 1 }
                    circuit-breaker: { minimum-calls: 2, sliding-window-size: 2, open-duration: 1m }
                  broken:
                    type: openai-compatible
                    base-url: http://127.0.0.1:%d/broken/v1
                  endless:
                    type: openai-compatible
                    base-url: http://127.0.0.1:%d/endless/v1
                  slowstart:
                    type: openai-compatible
                    base-url: http://127.0.0.1:%d/slowstart/v1
                    timeouts: { first-byte: 20s }
                  refused:
                    type: openai-compatible
                    base-url: http://127.0.0.1:%d/v1
                    retry: { max-attempts: 1 }
                  gemini:
                    type: gemini
                    base-url: http://127.0.0.1:%1$d/gemini/v1beta
                    api-key: gemini-test-key-0000
                    retry: { max-attempts: 1 }
                    circuit-breaker: { minimum-calls: 1000, sliding-window-size: 1000 }
                  claude:
                    type: anthropic
                    base-url: http://127.0.0.1:%d/anthropic/v1
                    api-key: sk-ant-test-0000
                    retry: { max-attempts: 1 }
                    circuit-breaker: { minimum-calls: 1000, sliding-window-size: 1000 }
                  azure:
                    type: azure
                    base-url: http://127.0.0.1:%d/azure
                    api-key: azure-test-key-0000
                    api-version: 2024-10-21
                    retry: { max-attempts: 1 }
                  bedrock:
                    type: bedrock
                    base-url: http://127.0.0.1:%d/bedrock
                    region: us-east-1
                    access-key-id: AKIDEXAMPLE
                    secret-access-key: bedrock-test-secret-0000
                    retry: { max-attempts: 1 }
                  faulty:
                    type: openai-compatible
                    base-url: http://127.0.0.1:%1$d/faulty/v1
                    api-key: sk-faulty-secret-2222
                    retry: { max-attempts: 1 }
                    circuit-breaker: { minimum-calls: 1000, sliding-window-size: 1000 }
                  sim:
                    type: simulated
                    ttft: 5ms
                    tokens-per-second: 2000
                models:
                  gpt-4o-mini:
                    deployments: [ { provider: primary, model: gpt-4o-mini-2024-07-18 } ]
                    price: { input: 0.15, cached-input: 0.075, output: 0.60, version: openai-2026-11 }
                    fallbacks: [ backup ]
                  backup:
                    deployments: [ { provider: secondary, model: backup-upstream } ]
                    price: { input: 1.00, output: 2.00, version: backup-v1 }
                  solo:
                    deployments: [ { provider: primary, model: solo-upstream } ]
                  creds:
                    deployments: [ { provider: primary, model: creds-upstream } ]
                  sdk-429:
                    deployments: [ { provider: primary, model: sdk-429-upstream } ]
                  node-429:
                    deployments: [ { provider: primary, model: node-429-upstream } ]
                  patient:
                    deployments: [ { provider: retrying, model: patient-upstream } ]
                  refused-first:
                    deployments: [ { provider: refused, model: nothing } ]
                    fallbacks: [ backup ]
                  flaky:
                    deployments: [ { provider: flaky, model: flaky-upstream } ]
                    fallbacks: [ backup ]
                  broken:
                    deployments: [ { provider: broken, model: m } ]
                    fallbacks: [ backup ]
                  slowstart:
                    deployments: [ { provider: slowstart, model: m } ]
                  endless:
                    deployments: [ { provider: endless, model: m } ]
                    price: { input: 1, output: 1 }
                  gemini-flash:
                    deployments: [ { provider: gemini, model: gemini-2.5-flash } ]
                    price: { input: 0.30, cached-input: 0.03, output: 2.50 }
                    fallbacks: [ backup ]
                  claude-sonnet:
                    deployments: [ { provider: claude, model: claude-sonnet-4-5 } ]
                    price: { input: 3, cached-input: 0.30, output: 15 }
                    fallbacks: [ backup ]
                  azure-gpt:
                    deployments: [ { provider: azure, model: gpt-4o-eastus } ]
                    fallbacks: [ backup ]
                  bedrock-haiku:
                    deployments: [ { provider: bedrock, model: "anthropic.claude-3-haiku-20240307-v1:0" } ]
                    price: { input: 0.25, cached-input: 0.03, output: 1.25 }
                    fallbacks: [ backup ]
                  faulty:
                    deployments: [ { provider: faulty, model: faulty-upstream } ]
                    fallbacks: [ backup ]
                  faulty-solo:
                    deployments: [ { provider: faulty, model: faulty-upstream } ]
                  claude-solo:
                    deployments: [ { provider: claude, model: claude-sonnet-4-5 } ]
                  sim-model:
                    deployments: [ { provider: sim, model: sim-model } ]
                    price: { input: 0.5, output: 1.5 }
                keys:
                  - { name: all, key: %s, team: platform, project: it, models: [ "*" ], metadata: { cost-center: cc-42 } }
                  - { name: limited, key: %s, team: growth, models: [ sim-model ] }
                """.formatted(PRIMARY.port(), SECONDARY.port(), PRIMARY.port(), PRIMARY.port(), NETTY.port(), NETTY.port(), NETTY.port(),
                closedPort(), PRIMARY.port(), PRIMARY.port(), PRIMARY.port(), KEY, LIMITED_KEY);
    }

    /** A port nothing listens on: connecting to it is refused at once. */
    static int closedPort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void gatewayProperties(DynamicPropertyRegistry registry) {
        registry.add("tollgate.config", CONFIG::toString);
        registry.add("tollgate.usage.url", TestPostgres::usageUrl);
        registry.add("tollgate.usage.schema", TestPostgres::freshSchema);
        registry.add("tollgate.usage.flush-interval", () -> "20ms");
        registry.add("tollgate.usage.spool-dir", () -> DIR.resolve("spool").toString());
        registry.add("tollgate.max-request-size", () -> "64KB");
    }

    @LocalServerPort
    int port;

    Http http;

    @BeforeEach
    void resetUpstreams() {
        PRIMARY.resetAll();
        SECONDARY.resetAll();
        http = new Http(port);
    }

    static String chat(String model, boolean stream, String extra) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]"
                + (stream ? ",\"stream\":true" : "") + (extra == null ? "" : "," + extra) + "}";
    }
}
