package dev.tollgate.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.client.MappingBuilder;
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
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The real agent tools against {@code /v1/responses}, offline: the OpenAI Agents SDK
 * ({@code @openai/agents}), the Vercel AI SDK's default OpenAI provider ({@code ai} +
 * {@code @ai-sdk/openai}) and the Codex CLI ({@code @openai/codex}, {@code codex exec}), run by
 * {@code clients/agent-tools-test/agent-tools-test.mjs} with {@code node --test}. The upstream
 * behind model {@code backup} is a scripted OpenAI-compatible model on WireMock: it calls
 * {@code get_weather} when offered, answers once the tool's result is in, and returns JSON when
 * asked for it. Skipped only when {@code node} or {@code npm} is not on the PATH; {@code npm ci}
 * installs the locked versions when {@code node_modules} is missing.
 */
class AgentToolsIT extends GatewayTestBase {

    private static final Path CLIENT_DIR = Path.of("..", "clients", "agent-tools-test").toAbsolutePath().normalize();
    private static final Duration NPM_CI_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration NODE_TEST_TIMEOUT = Duration.ofMinutes(5);
    static final String ANSWER = "It is 18C and sunny in Paris.";
    static final String JSON_ANSWER = "{\\\"city\\\":\\\"Paris\\\",\\\"celsius\\\":18}";

    @Test
    void agentsSdkVercelAiSdkAndCodexCliWorkAgainstTheGateway() throws Exception {
        Assumptions.assumeTrue(onPath("node") && onPath("npm"), "node and npm are not on the PATH");
        assertThat(CLIENT_DIR.resolve("agent-tools-test.mjs")).isRegularFile();
        if (!Files.isDirectory(CLIENT_DIR.resolve("node_modules"))) {
            Result install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), NPM_CI_TIMEOUT);
            assertThat(install.exitCode()).as("npm ci in %s failed:%n%s", CLIENT_DIR, install.output()).isZero();
        }
        scriptedModel();

        Result test = run(List.of("node", "--test", "--test-concurrency=1", "agent-tools-test.mjs"), Map.of(
                "TOLLGATE_BASE_URL", "http://127.0.0.1:" + port + "/v1",
                "TOLLGATE_KEY", KEY,
                "OPENAI_DEFAULT_MODEL", "backup",
                "OPENAI_AGENTS_DISABLE_TRACING", "1",
                "DO_NOT_TRACK", "1"), NODE_TEST_TIMEOUT);
        System.out.println(test.output());
        assertThat(test.exitCode()).as("node --test agent-tools-test.mjs failed:%n%s", test.output()).isZero();
    }

    /** The upstream behind {@code backup}: a tool call when get_weather is offered, the answer once its result is in, JSON when asked. */
    private static void scriptedModel() {
        String text = Transcripts.chatCompletion("backup-upstream", ANSWER);
        String textStream = Transcripts.chunk("backup-upstream", "{\"role\":\"assistant\",\"content\":\"\"}", null)
                + Transcripts.chunk("backup-upstream", "{\"content\":\"It is 18C \"}", null)
                + Transcripts.chunk("backup-upstream", "{\"content\":\"and sunny in Paris.\"}", null)
                + Transcripts.chunk("backup-upstream", "{}", "stop")
                + Transcripts.usageChunk("backup-upstream", 30, 9) + "data: [DONE]\n\n";
        String json = Transcripts.chatCompletion("backup-upstream", JSON_ANSWER);
        String jsonStream = Transcripts.chunk("backup-upstream", "{\"role\":\"assistant\",\"content\":\"" + JSON_ANSWER + "\"}", null)
                + Transcripts.chunk("backup-upstream", "{}", "stop")
                + Transcripts.usageChunk("backup-upstream", 30, 9) + "data: [DONE]\n\n";
        stub(1, () -> post("/v1/chat/completions").withRequestBody(matchingJsonPath("$.messages[?(@.role == 'tool')]")), text, textStream);
        stub(2, () -> post("/v1/chat/completions").withRequestBody(matchingJsonPath("$.response_format")), json, jsonStream);
        stub(3, () -> post("/v1/chat/completions").withRequestBody(matchingJsonPath("$.tools[?(@.function.name == 'get_weather')]")),
                MessagesFrontDoorIT.OPENAI_TOOL_CALL, MessagesFrontDoorIT.OPENAI_TOOL_STREAM);
        stub(4, () -> post("/v1/chat/completions"), text, textStream);
    }

    private static void stub(int priority, Supplier<MappingBuilder> request, String complete, String stream) {
        SECONDARY.stubFor(request.get().atPriority(priority * 2 - 1).withRequestBody(matchingJsonPath("$.stream", equalTo("true")))
                .willReturn(aResponse().withHeader("content-type", "text/event-stream").withBody(stream)));
        SECONDARY.stubFor(request.get().atPriority(priority * 2)
                .willReturn(aResponse().withHeader("content-type", "application/json").withBody(complete)));
    }

    private record Result(int exitCode, String output) {}

    /** Runs a command in the client folder on this (test) thread, stdout and stderr merged into one file. */
    private static Result run(List<String> command, Map<String, String> env, Duration timeout)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile(DIR, "agent-tools", ".log");
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
