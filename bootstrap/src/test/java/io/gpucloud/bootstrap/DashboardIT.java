package io.gpucloud.bootstrap;

import com.sun.net.httpserver.HttpServer;
import io.gpucloud.adapters.persistence.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.stream.Stream;

import static io.gpucloud.bootstrap.Instances.ADMIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The dashboard in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, driven by
 * Selenium through {@code /usr/bin/chromedriver}; Selenium Manager never downloads anything) against a real server
 * and PostgreSQL. Each screen is saved under {@code target/dashboard-screenshots/} for people to look at.
 *
 * <p>Without the browser the test is skipped (a developer machine; {@code scripts/install-browser.sh} installs it),
 * except under CI ({@code CI=true}), where a missing browser fails it: CI installs the browser, so a skip there would
 * hide a broken install step. {@code CHROMIUM_BIN} and {@code CHROMEDRIVER} override the paths.
 */
class DashboardIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Path SCREENSHOTS = Path.of("target", "dashboard-screenshots");
    private static final Path CHROMEDRIVER = Path.of(env("CHROMEDRIVER", "/usr/bin/chromedriver"));
    private static final Path CHROMIUM = Path.of(env("CHROMIUM_BIN",
            Files.isExecutable(Path.of("/usr/lib/chromium/chromium")) ? "/usr/lib/chromium/chromium" : "/usr/bin/chromium"));

    private static Map<String, String> environment;
    private static ApiServer server;
    private ChromeDriver browser;
    private Path profile;

    @BeforeAll
    static void startServer() throws IOException {
        if (!browserInstalled()) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI must have " + CHROMIUM + " and " + CHROMEDRIVER + " (scripts/install-browser.sh installs them)");
            }
            return; // each test reports itself skipped, with the reason
        }
        Files.createDirectories(SCREENSHOTS);
        environment = Instances.environment(TestDatabase.createDatabase(), null, null);
        server = Instances.startReady(environment);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.stop();
        }
    }

    @BeforeEach
    void openBrowser() throws IOException {
        assumeTrue(browserInstalled(), "chromium and chromedriver are not installed (" + CHROMIUM + ", " + CHROMEDRIVER
                + "): the dashboard's browser test is skipped; scripts/install-browser.sh installs them");
        profile = Files.createTempDirectory("dashboard-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-default-apps", "--disable-extensions", "--window-size=1280,900", "--lang=en-US",
                "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        // The driver is named explicitly, so Selenium Manager is never asked for one (and SE_OFFLINE forbids downloads).
        ChromeDriverService driver = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().withSilent(true).build();
        browser = new ChromeDriver(driver, options);
    }

    @AfterEach
    void closeBrowser(TestInfo test) throws IOException {
        if (browser == null) {
            deleteRecursively(profile);
            return;
        }
        try {
            List<String> problems = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                    .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                    .map(LogEntry::getMessage)
                    // The failed calls the tests provoke on purpose (401, 404, refused connections) are logged too.
                    .filter(message -> !message.contains("Failed to load resource") && !message.contains("net::ERR_"))
                    .toList();
            assertEquals(List.of(), problems, test.getDisplayName() + ": the page logged errors");
        } finally {
            browser.quit();
            deleteRecursively(profile);
        }
    }

    @Test
    void signIn_createKey_useIt_seeUsage_revokeIt() {
        browser.get(base(server) + "/");
        visible(By.id("signin-token"));
        screenshot("01-signin");

        // A wrong token: a clear message, and no way in.
        type(By.id("signin-token"), "not-the-admin-token-at-all");
        browser.findElement(By.id("signin-submit")).click();
        waitForText(By.id("signin-error"), "refused (HTTP 401)");
        assertFalse(browser.findElement(By.id("app")).isDisplayed());
        screenshot("02-signin-wrong-token");

        signIn(ADMIN, "");
        visible(By.id("keys-empty"));
        waitUntil("health shows the database up", d -> "up".equals(
                d.findElement(By.cssSelector("#health [data-service=database]")).getAttribute("data-state")));

        // Create a key with limits, from the keyboard: Enter submits the dialog's form.
        browser.findElement(By.id("key-new")).click();
        visible(By.id("key-name")).sendKeys("Team A");
        type(By.id("key-rpm"), "600");
        type(By.id("key-tpm"), "200000");
        type(By.id("key-budget"), "5000000");
        type(By.id("key-models"), "gpt-4, gpt-4o");
        browser.findElement(By.id("key-models")).sendKeys(Keys.ENTER);

        // The secret, once, with the warning and a copy button.
        WebElement secretInput = visible(By.id("secret-value"));
        String secret = secretInput.getAttribute("value");
        assertTrue(secret.startsWith("sk-"), secret);
        assertTrue(browser.findElement(By.id("secret-warning")).getText().contains("shown only this once"));
        assertTrue(browser.findElement(By.id("secret-copy")).isDisplayed());
        screenshot("03-key-secret");
        browser.findElement(By.id("secret-done")).click();
        waitUntil("the secret dialog closes", d -> !d.findElement(By.id("secret-dialog")).isDisplayed());
        assertEquals("", browser.findElement(By.id("secret-value")).getAttribute("value"), "the secret left the page");

        // Rows are redrawn when their data changes: read them inside waits, which retry on a replaced element.
        String keyId = waitUntil("the new key is listed", d -> d.findElement(
                By.cssSelector("#keys-table tbody tr[data-status=active]")).getAttribute("data-id"));
        By keyRow = By.cssSelector("#keys-table tr[data-id='" + keyId + "']");
        waitForText(keyRow, "Team A");
        waitForText(keyRow, "600 rpm");
        assertFalse(browser.getPageSource().contains(secret), "the secret is nowhere in the page any more");
        By requests = By.cssSelector("#keys-table tr[data-id='" + keyId + "'] td.requests");
        waitForText(requests, "0");
        screenshot("04-keys");

        // Use it: three chat calls, and the page follows by itself (it refreshes every 5 s).
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> chat = Instances.chat(server, secret, ",\"max_tokens\":5");
            assertEquals(200, chat.statusCode(), chat.body());
        }
        waitForText(requests, "3");
        waitUntil("the key's tokens are counted", d -> {
            String tokens = d.findElement(By.cssSelector("#keys-table tr[data-id='" + keyId + "'] td.tokens")).getText();
            return !tokens.isBlank() && !tokens.startsWith("0") && !tokens.startsWith("…");
        });

        browser.findElement(By.cssSelector("a[data-tab=usage]")).click();
        waitForText(By.id("usage-total-requests"), "3");
        waitUntil("the requests chart shows three requests", d -> "3".equals(
                d.findElement(By.cssSelector("#chart-requests svg")).getAttribute("data-total")));
        assertFalse(browser.findElements(By.cssSelector("#chart-requests rect.bar")).isEmpty());
        assertFalse(browser.findElements(By.cssSelector("#chart-tokens rect.bar")).isEmpty());
        assertFalse(browser.findElement(By.id("usage-avg-latency")).getText().isBlank());
        screenshot("05-usage-24h");

        // One key, over 7 days.
        browser.findElement(By.cssSelector("label[for=usage-168]")).click();
        new Select(browser.findElement(By.id("usage-key"))).selectByValue(keyId);
        waitUntil("a 7-day chart of that key", d -> "168".equals(
                d.findElement(By.cssSelector("#chart-requests svg")).getAttribute("data-points"))
                && "3".equals(d.findElement(By.cssSelector("#chart-requests svg")).getAttribute("data-total")));
        screenshot("06-usage-7d-one-key");

        // Deployments: create one, watch it come up, delete it after a confirmation.
        browser.findElement(By.cssSelector("a[data-tab=deployments]")).click();
        visible(By.id("deployments-empty"));
        browser.findElement(By.id("deployment-new")).click();
        visible(By.id("deployment-name")).sendKeys("simulated-1");
        type(By.id("deployment-model"), "my-model");
        browser.findElement(By.id("deployment-create")).click();
        // Its status is live: provisioning until its engine answers a probe, then running (or failed, with why).
        By deployment = By.cssSelector("#deployments-table tbody tr");
        waitForText(deployment, "my-model");
        waitUntil("the deployment has a status", d -> List.of("provisioning", "running", "failed")
                .contains(d.findElement(deployment).getAttribute("data-status")));
        screenshot("07-deployments");
        click(By.cssSelector("#deployments-table tbody tr button[data-action=delete]"));
        visible(By.id("confirm-ok")).click();
        visible(By.id("deployments-empty"));

        // Workers: listed when the server reports them, a note when it has no /api/workers.
        browser.findElement(By.cssSelector("a[data-tab=workers]")).click();
        waitUntil("the workers section says something", d -> !d.findElement(By.id("workers-empty")).getText().isBlank()
                || !d.findElements(By.cssSelector("#workers-table tbody tr")).isEmpty());
        screenshot("08-workers");

        // Revoke: Escape cancels the confirmation, the button confirms it.
        browser.findElement(By.cssSelector("a[data-tab=keys]")).click();
        By revoke = By.cssSelector("#keys-table tr[data-id='" + keyId + "'] button[data-action=revoke]");
        click(revoke);
        WebElement cancel = visible(By.id("confirm-cancel"));
        assertEquals(cancel, browser.switchTo().activeElement(), "the safe choice has the focus");
        assertTrue(browser.findElement(By.id("confirm-title")).getText().contains("Team A"));
        screenshot("09-revoke-confirm");
        cancel.sendKeys(Keys.ESCAPE);
        waitUntil("Escape closes the dialog", d -> !d.findElement(By.id("confirm-dialog")).isDisplayed());
        waitUntil("the key is still active", d -> "active".equals(d.findElement(keyRow).getAttribute("data-status")));
        click(revoke);
        visible(By.id("confirm-ok")).click();
        waitUntil("the key shows as revoked", d -> "revoked".equals(d.findElement(keyRow).getAttribute("data-status")));
        waitForText(By.id("toast"), "revoked");
        assertEquals(401, Instances.chat(server, secret, "").statusCode());
        screenshot("10-keys-revoked");

        // The token lives in this tab's session storage only: a reload stays signed in, nothing is in local storage.
        browser.navigate().refresh();
        visible(By.cssSelector("#keys-table tr[data-id='" + keyId + "'][data-status=revoked]"));
        assertEquals(ADMIN, browser.executeScript("return sessionStorage.getItem('gpucloud.adminToken')"));
        assertFalse(String.valueOf(browser.executeScript("return JSON.stringify(localStorage)")).contains(ADMIN));

        // A phone.
        browser.manage().window().setSize(new Dimension(390, 844));
        waitUntil("the keys table turns into cards", d -> "block".equals(
                d.findElement(By.cssSelector("#keys-table tbody tr")).getCssValue("display")));
        screenshot("11-phone-keys");
        browser.findElement(By.cssSelector("a[data-tab=usage]")).click();
        waitForText(By.id("usage-total-requests"), "3");
        browser.executeScript("document.getElementById('chart-requests').scrollIntoView()");
        screenshot("12-phone-usage");

        // Signing out forgets the token.
        browser.findElement(By.id("sign-out")).click();
        visible(By.id("signin-token"));
        assertEquals(null, browser.executeScript("return sessionStorage.getItem('gpucloud.adminToken')"));
    }

    @Test
    void apiDown_saysSo_atSignInAndWhileSignedIn() {
        // A base URL where nothing listens.
        String closed = "http://127.0.0.1:" + freePort();
        browser.get(base(server) + "/dashboard");
        visible(By.id("signin-token"));
        signInExpectingError(closed, "Cannot reach the API at " + closed);
        screenshot("13-signin-api-unreachable");

        // Signed in to another server (another origin: CORS), which then stops.
        ApiServer other = Instances.startReady(environment);
        String otherBase = base(other);
        try {
            signIn(ADMIN, otherBase);
            visible(By.id("keys-title"));
            assertEquals(otherBase, browser.findElement(By.id("session-base")).getText());
        } finally {
            other.stop();
        }
        // The page would notice within 5 s by itself (the first test relies on that); Refresh saves the wait.
        browser.findElement(By.id("refresh-now")).click();
        waitForText(By.id("banner"), "Cannot reach the API at " + otherBase);
        waitUntil("the header shows the API down", d -> "down".equals(
                d.findElement(By.cssSelector("#health [data-service=api]")).getAttribute("data-state")));
        assertTrue(browser.findElement(By.id("app")).isDisplayed(), "the last figures stay on screen");
        screenshot("14-api-down");
    }

    /**
     * States the real server in this test cannot be brought into (workers online and lost, a failed deployment with
     * its reason), from a stub of the admin API on another origin, in the shapes of the contract.
     */
    @Test
    void workersAndFailedDeployments_showTheirState() throws IOException {
        String now = Instant.now().toString();
        String earlier = Instant.now().minusSeconds(600).toString();
        Map<String, String> answers = Map.of(
                "/health", "{\"status\":\"degraded\",\"services\":{\"database\":\"up\",\"redis\":\"down\"}}",
                "/api/keys", "{\"keys\":[]}",
                "/api/metrics", "{\"timeSeries\":[],\"summary\":{\"totalRequests\":0,\"totalTokens\":0,\"avgLatencyMs\":0}}",
                "/api/deployments", "{\"deployments\":[{\"id\":\"d1\",\"name\":\"vllm-a\",\"modelType\":\"llama-3-70b\","
                        + "\"engine\":\"openai\",\"endpoints\":[\"http://gpu-1:8000/v1\"],\"upstreamModel\":null,"
                        + "\"upstreamApiKeyEnv\":null,\"status\":\"failed\",\"reason\":\"connection refused by http://gpu-1:8000/v1\","
                        + "\"createdAt\":\"" + earlier + "\",\"updatedAt\":\"" + now + "\"}]}",
                "/api/workers", "{\"workers\":[{\"id\":\"w-1\",\"host\":\"gpu-1\",\"models\":[\"llama-3-8b\"],\"concurrency\":8,"
                        + "\"inFlight\":3,\"lastSeenAt\":\"" + now + "\",\"status\":\"online\"},{\"id\":\"w-2\",\"host\":\"gpu-2\","
                        + "\"models\":[\"mistral-7b\"],\"concurrency\":4,\"inFlight\":0,\"lastSeenAt\":\"" + earlier + "\",\"status\":\"lost\"}]}");
        HttpServer stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stub.createContext("/", exchange -> {
            exchange.getResponseHeaders().add("Access-Control-Allow-Origin", "*");
            exchange.getResponseHeaders().add("Access-Control-Allow-Headers", "authorization, content-type");
            String body = answers.get(exchange.getRequestURI().getPath());
            boolean preflight = exchange.getRequestMethod().equals("OPTIONS");
            byte[] bytes = (body == null ? "{}" : body).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(preflight ? 204 : body == null ? 404 : 200, preflight ? -1 : bytes.length);
            if (!preflight) {
                exchange.getResponseBody().write(bytes);
            }
            exchange.close();
        });
        stub.start();
        try {
            String stubBase = "http://127.0.0.1:" + stub.getAddress().getPort();
            browser.get(base(server) + "/dashboard#workers");
            signIn("any-token-the-stub-accepts", stubBase);
            waitForText(By.cssSelector("#workers-table tr[data-status=online]"), "3 / 8");
            visible(By.cssSelector("#workers-table tr[data-status=lost]"));
            waitForText(By.id("workers-summary"), "1 online, 1 lost, 3 requests in flight");
            waitUntil("the header shows Redis down", d -> "down".equals(
                    d.findElement(By.cssSelector("#health [data-service=redis]")).getAttribute("data-state")));
            screenshot("15-workers");
            browser.findElement(By.cssSelector("a[data-tab=deployments]")).click();
            waitForText(By.cssSelector("#deployments-table tr[data-status=failed]"), "connection refused by http://gpu-1:8000/v1");
            screenshot("16-deployment-failed");
        } finally {
            stub.stop(0);
        }
    }

    private void signIn(String token, String apiBase) {
        WebElement base = visible(By.id("signin-base"));
        base.clear();
        base.sendKeys(apiBase);
        type(By.id("signin-token"), token);
        browser.findElement(By.id("signin-token")).sendKeys(Keys.ENTER);
        visible(By.id("app"));
    }

    private void signInExpectingError(String apiBase, String message) {
        WebElement base = visible(By.id("signin-base"));
        base.clear();
        base.sendKeys(apiBase);
        type(By.id("signin-token"), ADMIN);
        browser.findElement(By.id("signin-submit")).click();
        waitForText(By.id("signin-error"), message);
    }

    private void type(By field, String text) {
        WebElement element = browser.findElement(field);
        element.clear();
        element.sendKeys(text);
    }

    private WebElement visible(By locator) {
        return waitUntil(locator + " visible", d -> d.findElements(locator).stream()
                .filter(WebElement::isDisplayed).findFirst().orElse(null));
    }

    /** Clicks the element once it is visible; a row redrawn meanwhile is found again. */
    private void click(By locator) {
        waitUntil(locator + " clicked", d -> {
            WebElement element = d.findElements(locator).stream().filter(WebElement::isDisplayed).findFirst().orElse(null);
            if (element == null) {
                return false;
            }
            element.click();
            return true;
        });
    }

    private void waitForText(By locator, String text) {
        waitUntil(locator + " shows '" + text + "'", d -> d.findElements(locator).stream()
                .anyMatch(element -> element.getText().contains(text)));
    }

    private <T> T waitUntil(String what, ExpectedCondition<T> condition) {
        return new WebDriverWait(browser, WAIT, Duration.ofMillis(100)).withMessage(what)
                .ignoring(StaleElementReferenceException.class).until(condition);
    }

    private void screenshot(String name) {
        try {
            Files.write(SCREENSHOTS.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
        } catch (IOException failure) {
            throw new UncheckedIOException(failure);
        }
    }

    private static boolean browserInstalled() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    private static String base(ApiServer api) {
        return "http://127.0.0.1:" + api.port();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException failure) {
            throw new UncheckedIOException(failure);
        }
    }

    private static String env(String name, String fallback) {
        return Optional.ofNullable(System.getenv(name)).filter(value -> !value.isBlank()).orElse(fallback);
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (directory == null || !Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
