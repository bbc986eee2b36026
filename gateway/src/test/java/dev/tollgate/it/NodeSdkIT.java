package dev.tollgate.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.Transcripts;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Node SDK ({@code openai} on npm), unchanged but for base URL and key, against
 * the gateway: runs {@code clients/node-sdk-test/sdk-test.mjs} with {@code node --test}. Skipped only
 * when {@code node} or {@code npm} is not on the PATH; {@code npm ci} installs the locked SDK version
 * when {@code node_modules} is missing.
 */
class NodeSdkIT extends GatewayTestBase {

    private static final Path CLIENT_DIR = Path.of("..", "clients", "node-sdk-test").toAbsolutePath().normalize();
    private static final Duration NPM_CI_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration NODE_TEST_TIMEOUT = Duration.ofSeconds(120);

    @Test
    void officialNodeSdkWorksAgainstTheGateway() throws Exception {
        Assumptions.assumeTrue(onPath("node") && onPath("npm"), "node and npm are not on the PATH");
        assertThat(CLIENT_DIR.resolve("sdk-test.mjs")).isRegularFile();

        if (!Files.isDirectory(CLIENT_DIR.resolve("node_modules"))) {
            Result install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), NPM_CI_TIMEOUT);
            assertThat(install.exitCode()).as("npm ci in %s failed:%n%s", CLIENT_DIR, install.output()).isZero();
        }

        // The SDK test expects model `node-429` (upstream PRIMARY) to answer 429 with retry-after: 20.
        PRIMARY.stubFor(post("/v1/chat/completions").willReturn(aResponse().withStatus(429).withHeader("retry-after", "20")
                .withBody(Transcripts.error("Rate limit reached for requests", "requests", "rate_limit_exceeded"))));

        Result test = run(List.of("node", "--test", "sdk-test.mjs"), Map.of(
                "TOLLGATE_BASE_URL", "http://127.0.0.1:" + port + "/v1",
                "TOLLGATE_KEY", KEY,
                "TOLLGATE_LIMITED_KEY", LIMITED_KEY), NODE_TEST_TIMEOUT);
        System.out.println(test.output());
        assertThat(test.exitCode()).as("node --test sdk-test.mjs failed:%n%s", test.output()).isZero();
    }

    private record Result(int exitCode, String output) {}

    /** Runs a command in the client folder on this (test) thread, stdout and stderr merged into one file. */
    private static Result run(List<String> command, Map<String, String> env, Duration timeout)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile(DIR, "node-sdk", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(CLIENT_DIR.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullFile()));
        builder.environment().keySet().removeIf(name -> name.startsWith("OPENAI_"));
        builder.environment().put("NO_COLOR", "1");
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            return new Result(-1, "timed out after " + timeout + ": " + String.join(" ", command) + "\n"
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    private static File nullFile() {
        return new File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private static boolean onPath(String executable) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, executable))) {
                return true;
            }
        }
        return false;
    }
}
