package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.warden.demo.standin.UpstreamMcpServer;
import io.warden.testing.TestPorts;
import java.io.File;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The governance console in real headless Chromium (Debian's chromium and chromium-driver, driven by
 * Selenium) against the packaged appliance: sign in; the seeded agent in the Inventory; a change
 * request made by {@code git push} approved and merged by an approver in the console, after which
 * the agent is Synced; a held MCP payment that appears on the Approvals page by server push, is not
 * decidable by a viewer, and runs exactly once when the approver approves it; a trace found by a
 * word of its prompt and opened as a tree; every other page. Each page is kept as a screenshot in
 * {@code target/screenshots}; a page showing a server error fails the test.
 */
@Timeout(600)
class ConsoleBrowserIT extends ApplianceTestBase {
  static final Path SCREENSHOTS = Path.of("target", "screenshots");
  /** What Vaadin shows for an exception on the server (production mode) or a failed navigation. */
  static final List<String> SERVER_ERRORS = List.of("Internal error", "There was an exception while trying to navigate",
      "Could not navigate to", "Exception", "Please notify the administrator");
  private static final String AGENT = "payments-bot";
  private static final Duration PAGE_WAIT = Duration.ofSeconds(30);

  private final ExecutorService callers = Executors.newCachedThreadPool();
  private UpstreamMcpServer upstream;
  private WebDriver driver;

  @AfterEach
  void stopBrowserAndUpstream() throws Exception {
    callers.shutdownNow();
    if (driver != null) {
      // What the browser showed last: the page a failing step was on.
      Files.createDirectories(SCREENSHOTS);
      Files.copy(((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath(),
          SCREENSHOTS.resolve("last.png"), StandardCopyOption.REPLACE_EXISTING);
      driver.quit();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  void platformTeam_reviewsApprovesAndInvestigates_inTheConsole() throws Exception {
    upstream = new UpstreamMcpServer();
    int otlpPort = TestPorts.free();
    warden = WardenProcess.start(tmp.resolve("data"), Map.of(
        "WARDEN_OTLP_HTTP_PORT", Integer.toString(otlpPort), "WARDEN_MCP_PROGRESS_EVERY_SECONDS", "1"));
    String admin = warden.adminToken();
    String alice = createUser(admin, "alice", "author", List.of());
    String pat = createUser(admin, "pat", "approver", List.of("platform"));
    String vic = createUser(admin, "vic", "viewer", List.of());
    warden.mergeChange(alice, pat, "ERP tools", erpUpstreamFiles(upstream.url()));
    driver = chromium();

    // A token must be the named user's own: vic's name with pat's token is refused.
    driver.get(warden.consoleUrl("/login"));
    waitFor(By.cssSelector("#login-user input")).sendKeys("vic");
    waitFor(By.cssSelector("#login-token input")).sendKeys(pat);
    waitFor(By.id("login-submit")).click();
    await().atMost(PAGE_WAIT).until(() -> driver.findElement(By.id("login-error")).getText(),
        t -> t.contains("the user name and the token do not match"));
    driver.get(warden.consoleUrl("/approvals"));
    waitFor(By.cssSelector("#login-user input"));
    page("00-login-refused");

    // Sign in; the seeded agent is in the Inventory, and its page opens.
    signIn("pat", pat);
    waitForText("reconciliation-finance");
    page("01-inventory");
    driver.get(warden.consoleUrl("/agents/reconciliation-finance"));
    waitFor(By.id("agent-history"));
    assertThat(source()).contains("Descriptor").contains("Revision history").contains("Credentials");
    page("02-agent-detail");

    // A change request made by git push, approved and merged in the console: the agent is Synced.
    String changeId = pushPaymentsAgent(alice);
    driver.get(warden.consoleUrl("/changes"));
    waitForText("#" + changeId + " ");
    page("03-changes");
    driver.get(warden.consoleUrl("/changes/" + changeId));
    waitFor(By.id("change-approve")).click();
    waitForText("Ready to merge");
    page("04-change-approved");
    waitFor(By.id("change-merge")).click();
    await().atMost(PAGE_WAIT).ignoreExceptions()
        .until(() -> driver.findElement(By.id("change-status")).getText().equals("merged"));
    page("05-change-merged");
    driver.get(warden.consoleUrl("/"));
    waitFor(By.cssSelector("#inventory-filter input")).sendKeys(AGENT);
    await("the inventory filtered to " + AGENT).atMost(PAGE_WAIT).pollInterval(Duration.ofMillis(200))
        .until(() -> visibleCells("inventory-grid"), cells -> cells.contains(AGENT) && !cells.contains("reconciliation-finance"));
    assertThat(visibleCells("inventory-grid")).contains("Synced").contains("finance-platform");
    page("06-inventory-synced");

    // A held payment appears on the open Approvals page by server push.
    String credential = warden.post(admin, "/api/v1/agents/" + AGENT + "/credentials", Map.of())
        .body().path("credential").asText();
    driver.get(warden.consoleUrl("/approvals"));
    waitFor(By.id("approvals-pending"));
    page("07-approvals-empty");
    McpSyncClient client = mcpClient(credential);
    client.initialize();
    CompletableFuture<McpSchema.CallToolResult> payment = CompletableFuture.supplyAsync(() -> client.callTool(
        new McpSchema.CallToolRequest("pay-invoice", Map.of("supplier", "acme", "amount_usd", new BigDecimal("5000")))),
        callers);
    String approvalId = await().atMost(PAGE_WAIT).pollInterval(Duration.ofMillis(250))
        .until(() -> warden.get(vic, "/api/v1/approvals?status=pending").body().path("approvals"), a -> a.size() == 1)
        .get(0).path("id").asText();
    await("approval " + approvalId + " pushed to the open page").atMost(PAGE_WAIT)
        .until(() -> !driver.findElements(By.id("approve-" + approvalId)).isEmpty());
    assertThat(source()).contains("pay-invoice").contains("$5000");
    page("08-approval-pushed");

    // A viewer sees the queue but has nothing to press.
    signOut();
    signIn("vic", vic);
    driver.get(warden.consoleUrl("/approvals"));
    waitForText("pay-invoice");
    assertThat(driver.findElements(By.id("approve-" + approvalId))).isEmpty();
    assertThat(driver.findElements(By.id("deny-" + approvalId))).isEmpty();
    assertThat(source()).contains("deciding needs the approver role");
    page("09-approvals-as-viewer");
    assertThat(payment).isNotDone();
    assertThat(upstream.payments).hasValue(0);

    // The approver approves with a reason: the payment runs once and its caller gets the result.
    signOut();
    signIn("pat", pat);
    driver.get(warden.consoleUrl("/approvals"));
    waitFor(By.id("approve-" + approvalId)).click();
    waitFor(By.cssSelector("#decision-reason input")).sendKeys("invoice 88 checked");
    waitFor(By.id("decision-confirm")).click();
    McpSchema.CallToolResult paid = payment.get(60, TimeUnit.SECONDS);
    assertThat(paid.isError()).as(paid.toString()).isFalse();
    client.closeGracefully();
    await().atMost(PAGE_WAIT).until(() ->
        warden.get(vic, "/api/v1/approvals/" + approvalId).body().path("execution").asText().equals("done"));
    driver.navigate().refresh();
    waitForText("invoice 88 checked");
    assertThat(source()).contains("approved by user:pat").contains(">done<");
    assertThat(driver.findElements(By.id("approve-" + approvalId))).isEmpty();
    assertThat(upstream.payments).hasValue(1);
    page("10-approval-executed");

    // A trace found by a word of its prompt, opened as a tree.
    String traceId = sendTrace(admin, otlpPort);
    driver.get(warden.consoleUrl("/traces"));
    waitFor(By.cssSelector("#trace-search input")).sendKeys("quokka");
    waitFor(By.id("trace-search-button")).click();
    await().atMost(PAGE_WAIT).until(() -> source().contains("<em>quokka</em>"));
    page("11-trace-search");
    waitFor(By.linkText("chat claude-opus-4-7")).click();
    waitFor(By.id("trace-tree"));
    waitForText("reconcile supplier invoice INV-4711");
    assertThat(source()).contains(traceId).contains("chat claude-opus-4-7").contains("claude-opus-4-7");
    page("12-trace-tree");

    // The other pages, each with what it is for.
    openUntil("/costs", "costs-grid", "$0.");
    page("13-costs");
    // The decision log is written in batches: the held payment's decision shows once it is there.
    openUntil("/decisions", "decisions-grid", "require_approval");
    page("14-decisions");
    driver.get(warden.consoleUrl("/audit"));
    waitFor(By.id("audit-chain"));
    waitForText("chain verified");
    page("15-audit");
    driver.get(warden.consoleUrl("/health"));
    waitFor(By.id("health-grid"));
    waitForText("policy");
    page("16-health");
  }

  // ---------------------------------------------------------------- the appliance side

  /** Pushes the payments agent on a branch with the real git client; returns the change request's id. */
  private String pushPaymentsAgent(String alice) throws Exception {
    Path work = tmp.resolve("work");
    git(tmp, 0, "clone", warden.gitUrl(alice), work.toString());
    git(work, 0, "config", "user.name", "Alice");
    git(work, 0, "config", "user.email", "alice@example.com");
    Files.writeString(work.resolve("agents/" + AGENT + ".yaml"), PAYMENTS_AGENT);
    git(work, 0, "add", "agents/" + AGENT + ".yaml");
    git(work, 0, "commit", "-q", "-m", "Add payments-bot");
    Result pushed = git(work, 0, "push", "origin", "HEAD:refs/heads/add-payments-bot");
    assertThat(pushed.output()).contains("change request");
    String id = onlyOpenChange(alice).path("id").asText();
    awaitChecksPassed(alice, id);
    return id;
  }

  private void awaitChecksPassed(String token, String id) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
      List<String> statuses = checkStatuses(warden.get(token, "/api/v1/changes/" + id).body().path("change"));
      return !statuses.isEmpty() && statuses.stream().allMatch("PASSED"::equals);
    });
  }

  /** Two spans of the seeded agent over OTLP/HTTP, the chat one with a prompt; returns the trace id once searchable. */
  private String sendTrace(String admin, int otlpPort) throws Exception {
    String credential = warden.post(admin, "/api/v1/agents/reconciliation-finance/credentials", Map.of())
        .body().path("credential").asText();
    String traceId = ReconciliationTrace.send(otlpPort, credential, "console-it");
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
        .until(() -> warden.get(admin, "/api/v1/traces/" + traceId).body().path("spans").size() == 2);
    String q = "/api/v1/traces/search?q=" + URLEncoder.encode("quokka", StandardCharsets.UTF_8);
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
        .until(() -> warden.get(admin, q).body().path("hits").size() == 1);
    return traceId;
  }

  // ---------------------------------------------------------------- the browser side

  private WebDriver chromium() throws Exception {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(executable("chromium"));
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--user-data-dir=" + Files.createDirectories(tmp.resolve("chromium")), "--window-size=1400,1000");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(executable("chromedriver")))
        .usingAnyFreePort()
        .build();
    return new ChromeDriver(service, options);
  }

  /** A browser binary on PATH; its absence says how to install it instead of failing obscurely. */
  static String executable(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    throw new AssertionError("'" + name + "' is not on PATH: run scripts/install.d/chromium.sh --test "
        + "(as root: apt-get install -y chromium chromium-driver)");
  }

  private void signIn(String user, String token) {
    driver.get(warden.consoleUrl("/login"));
    waitFor(By.cssSelector("#login-user input")).sendKeys(user);
    waitFor(By.cssSelector("#login-token input")).sendKeys(token);
    waitFor(By.id("login-submit")).click();
    await("signed in as " + user).atMost(PAGE_WAIT).ignoreExceptions()
        .until(() -> driver.findElement(By.id("signed-in-as")).getText().startsWith(user + " ("));
  }

  private void signOut() {
    waitFor(By.id("sign-out")).click();
    waitFor(By.cssSelector("#login-user input"));
  }

  private WebElement waitFor(By by) {
    return await("element " + by).atMost(PAGE_WAIT).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
        .until(() -> driver.findElement(by), e -> e.isDisplayed());
  }

  /** Opens {@code path} again until the grid there shows {@code text} (data written in the background). */
  private void openUntil(String path, String gridId, String text) {
    await("'" + text + "' in " + path).atMost(PAGE_WAIT).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
        .until(() -> {
          driver.get(warden.consoleUrl(path));
          waitFor(By.id(gridId));
          return visibleCells(gridId).contains(text);
        });
  }

  private void waitForText(String text) {
    await("page text '" + text + "'").atMost(PAGE_WAIT).pollInterval(Duration.ofMillis(100))
        .until(() -> source().contains(text));
  }

  /**
   * The text of the grid's cells that are on screen. Grids keep the cells of rows they no longer
   * show in the DOM, so the page source alone cannot tell what a filtered grid shows.
   */
  private String visibleCells(String gridId) {
    return String.valueOf(((org.openqa.selenium.JavascriptExecutor) driver).executeScript(
        "return Array.from(document.getElementById(arguments[0]).querySelectorAll('vaadin-grid-cell-content'))"
            + ".filter(c => c.offsetHeight > 0).map(c => c.textContent.trim()).join(' | ')", gridId));
  }

  private String source() {
    return driver.getPageSource();
  }

  /** Keeps a screenshot of the page, and fails if it shows a server error. */
  private void page(String name) throws Exception {
    Files.createDirectories(SCREENSHOTS);
    Path shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    String html = source();
    for (String error : SERVER_ERRORS) {
      assertThat(html).as("page %s shows a server error (screenshot %s)", name, SCREENSHOTS.resolve(name + ".png"))
          .doesNotContain(error);
    }
  }
}
