package dev.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.tollgate.testing.GatewayInstance;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser (Debian's headless Chromium): sign in, drain a deployment and see
 * through the OpenAI SDK that calls go to the other one (and come back), create a key and use it,
 * create and edit a budget, read the spend page, and a viewer without write controls. Writes a
 * screenshot of every page to docs/console/.
 */
class ConsoleBrowserIT {

    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    static final String OWNER = "owner-admin-key-console-1";
    static final String VIEWER = "viewer-admin-key-console-1";
    static final String SUFFIX = Long.toHexString(ThreadLocalRandom.current().nextLong());
    static final String KEY = "tg-console-key-" + SUFFIX;
    static final Path SHOTS = Path.of(System.getProperty("user.dir")).resolve("../docs/console").normalize();

    static GatewayInstance gateway;
    static WebDriver browser;
    static WebDriverWait wait;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(CHROMEDRIVER)),
                "Chromium and chromedriver are needed (apt-get install chromium chromium-driver; .ci/run installs them)");
        Path dir = Files.createTempDirectory("tollgate-console");
        Path config = dir.resolve("tollgate.yaml");
        Files.writeString(config, """
                providers:
                  pa: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 5 }
                  pb: { type: simulated, ttft: 1ms, tokens-per-second: 5000, output-tokens: 5 }
                models:
                  m:
                    deployments: [ { provider: pa, model: up }, { provider: pb, model: up } ]
                    price: { input: 1.0, output: 2.0 }
                keys:
                  - { name: app-%1$s, key: %2$s, team: web }
                admins:
                  - { name: vera, key: %3$s, role: viewer }
                """.formatted(SUFFIX, KEY, VIEWER));
        Map<String, Object> props = GatewayInstance.properties(config, dir, "memory");
        props.put("tollgate.admin-key", OWNER);
        gateway = GatewayInstance.start(props);
        Files.createDirectories(SHOTS);

        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1366,900", "--user-data-dir=" + Files.createTempDirectory("chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(Path.of(CHROMEDRIVER).toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    static String base() {
        return "http://127.0.0.1:" + gateway.port();
    }

    static OpenAIClient sdk(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(base() + "/v1").apiKey(key).maxRetries(0).build();
    }

    static Set<String> servedBy(OpenAIClient client, int calls) {
        Set<String> served = new HashSet<>();
        for (int i = 0; i < calls; i++) {
            try (HttpResponseFor<ChatCompletion> r = client.chat().completions().withRawResponse().create(ChatCompletionCreateParams.builder()
                    .model("m").addUserMessage("hello " + i).maxCompletionTokens(5).build())) {
                r.parse().validate();
                served.add(r.headers().values("x-tollgate-deployment").get(0));
            }
        }
        return served;
    }

    static void open(String hash) {
        String before = String.valueOf(((JavascriptExecutor) browser).executeScript("return document.querySelector('#page').dataset.ready"));
        browser.get(base() + "/console" + hash);
        wait.until(d -> {
            Object ready = ((JavascriptExecutor) d).executeScript("return document.querySelector('#page').dataset.ready");
            return ready != null && !String.valueOf(ready).equals(before);
        });
    }

    static void reloadPage() {
        String before = String.valueOf(((JavascriptExecutor) browser).executeScript("return document.querySelector('#page').dataset.ready"));
        wait.until(d -> !String.valueOf(((JavascriptExecutor) d).executeScript("return document.querySelector('#page').dataset.ready"))
                .equals(before));
    }

    static void shot(String name) throws Exception {
        byte[] png = ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES);
        Files.write(SHOTS.resolve(name + ".png"), png);
    }

    static void signIn(String key) {
        browser.get(base() + "/console");
        WebElement input = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("admin-key")));
        input.sendKeys(key);
        browser.findElement(By.cssSelector("#signin-form button[type=submit]")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nav")));
        wait.until(d -> ((JavascriptExecutor) d).executeScript("return document.querySelector('#page').dataset.ready") != null);
    }

    @Test
    void anOperatorRunsTheGatewayFromTheBrowserAndAViewerOnlyReads() throws Exception {
        OpenAIClient app = sdk(KEY);
        assertThat(servedBy(app, 30)).containsExactlyInAnyOrder("pa/up", "pb/up");

        signIn(OWNER);
        assertThat(browser.findElement(By.id("who")).getText()).contains("owner");
        // What the first load cost: bytes transferred and time to interactive, printed for docs/console.md.
        Object load = ((JavascriptExecutor) browser).executeScript("const n = performance.getEntriesByType('navigation')[0];"
                + "const r = performance.getEntriesByType('resource').filter(e => e.name.includes('/console/'));"
                + "return 'console first load: ' + (n.transferSize + r.reduce((a, e) => a + e.transferSize, 0)) + ' bytes transferred, '"
                + " + 'DOM interactive ' + Math.round(n.domInteractive) + ' ms, load event ' + Math.round(n.loadEventEnd) + ' ms';");
        System.out.println(load);
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("spend-today")));
        shot("overview");

        // Providers: drain pa/up, calls go to pb/up; enable it again, calls come back.
        open("#/providers");
        WebElement drain = browser.findElement(By.cssSelector("button[data-action=drain][data-target='m|pa/up']"));
        drain.click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr.drained[data-deployment='m|pa/up']")));
        shot("providers");
        assertThat(servedBy(app, 20)).containsExactly("pb/up");
        browser.findElement(By.cssSelector("button[data-action=enable][data-target='m|pa/up']")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("button[data-action=drain][data-target='m|pa/up']")));
        assertThat(servedBy(app, 30)).containsExactlyInAnyOrder("pa/up", "pb/up");

        // Keys: create one, its secret is shown once, and it works.
        open("#/keys");
        browser.findElement(By.cssSelector("#create-key input[name=name]")).sendKeys("ui-" + SUFFIX);
        browser.findElement(By.cssSelector("#create-key input[name=team]")).sendKeys("web");
        browser.findElement(By.cssSelector("#create-key button[type=submit]")).click();
        String secret = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("secret-value"))).getText();
        assertThat(secret).startsWith("tg-");
        shot("keys");
        assertThat(servedBy(sdk(secret), 1)).hasSize(1);

        // Budgets: create, then edit.
        open("#/budgets");
        String budget = "web-" + SUFFIX;
        browser.findElement(By.cssSelector("#budget-form input[name=name]")).sendKeys(budget);
        browser.findElement(By.cssSelector("#budget-form input[name=scope]")).sendKeys("team=web");
        browser.findElement(By.cssSelector("#budget-form input[name=amount]")).sendKeys("25");
        browser.findElement(By.cssSelector("#budget-form button[type=submit]")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-budget='" + budget + "']")));
        browser.findElement(By.cssSelector("tr[data-budget='" + budget + "'] button")).click();
        WebElement amount = browser.findElement(By.cssSelector("#budget-form input[name=amount]"));
        amount.clear();
        amount.sendKeys("40");
        browser.findElement(By.cssSelector("#budget-form button[type=submit]")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("tr[data-budget='" + budget + "']"), "$40.00"));
        shot("budgets");

        // Spend: the calls above, by model.
        open("#/spend?group_by=model");
        WebElement spendTable = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("spend-table")));
        assertThat(spendTable.getText()).contains("m");
        shot("spend");

        open("#/audit");
        assertThat(browser.findElement(By.id("audit-table")).getText()).contains("override.deployment.set").contains("key.create")
                .contains("budget.update");
        shot("audit");

        // Nothing left the gateway's origin, and what the first load weighed.
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> resources = (List<Map<String, Object>>) ((JavascriptExecutor) browser).executeScript(
                "return performance.getEntriesByType('resource').map(r => ({name: r.name, size: r.transferSize}))");
        assertThat(resources).allSatisfy(r -> assertThat(String.valueOf(r.get("name"))).startsWith(base()));

        // A viewer sees no write controls, and the API refuses its writes.
        browser.findElement(By.id("signout")).click();
        signIn(VIEWER);
        open("#/providers");
        assertThat(browser.findElements(By.cssSelector("button[data-action]"))).isEmpty();
        open("#/keys");
        assertThat(browser.findElements(By.id("create-key"))).isEmpty();
        open("#/budgets");
        assertThat(browser.findElements(By.id("budget-form"))).isEmpty();
        HttpResponse<String> refused = dev.tollgate.testing.Http.send(HttpRequest.newBuilder(URI.create(base() + "/admin/v1/overrides/deployments"))
                .header("authorization", "Bearer " + VIEWER).header("content-type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"deployment\":\"pa/up\",\"enabled\":false}")).build());
        assertThat(refused.statusCode()).isEqualTo(403);
    }

    @Test
    void theConsoleIsServedWithAStrictContentSecurityPolicy() {
        HttpResponse<String> page = dev.tollgate.testing.Http.send(HttpRequest.newBuilder(URI.create(base() + "/console")).GET().build());
        assertThat(page.statusCode()).isEqualTo(200);
        String csp = page.headers().firstValue("content-security-policy").orElseThrow();
        assertThat(csp).contains("default-src 'none'").contains("script-src 'self'").contains("frame-ancestors 'none'")
                .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
        assertThat(page.body()).doesNotContain("<script>").doesNotContain("http://").doesNotContain("https://");
        HttpResponse<String> script = dev.tollgate.testing.Http.send(HttpRequest.newBuilder(URI.create(base() + "/console/console.js")).GET().build());
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("content-security-policy")).isPresent();
    }
}
