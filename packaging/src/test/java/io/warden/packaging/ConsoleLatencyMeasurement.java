package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.warden.testing.TestPorts;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A measurement, not a test (no {@code *Test} / {@code *IT} name, so neither surefire nor failsafe
 * runs it with the suite): the console's time to first render and server time at scale, in real
 * headless Chromium against the packaged appliance.
 *
 * <p>1,000 agents arrive through the governance path (one change request, approved, merged,
 * reconciled); {@code warden.bench.spans} spans (default 1,000,000) arrive over OTLP/HTTP protobuf
 * from real SDK exporters. Then, cold (the first time) and warm ({@code warden.bench.reps} times):
 * the Inventory from navigation start to the first agent row on screen; the Traces page from
 * navigation start to its first row; a search by a prompt word from the click to the highlighted
 * hits on screen. Render times come from the page's own clock ({@code performance.now()}, stamped by
 * a {@code requestAnimationFrame} watcher injected before the page's scripts), server times from
 * Resource / Navigation Timing ({@code responseStart - requestStart} of the document and Vaadin's
 * {@code v-r=} requests). Run:
 *
 * <pre>{@code
 * mvn -B -o -q -pl packaging -am verify -Dvaadin.frontend.phase=none -Dtest=none \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ConsoleLatencyMeasurement \
 *     -Dwarden.bench.spans=1000000
 * }</pre>
 *
 * The table is printed and written to {@code packaging/target/console-latency.txt}.
 */
@Timeout(value = 3, unit = TimeUnit.HOURS)
class ConsoleLatencyMeasurement extends ApplianceTestBase {
  private static final int AGENTS = 1_000;
  private static final long SPANS = Long.getLong("warden.bench.spans", 1_000_000);
  private static final int REPS = Integer.getInteger("warden.bench.reps", 5);
  private static final int SENDERS = Integer.getInteger("warden.bench.senders", 8);
  private static final int SPANS_PER_TRACE = 5;
  private static final int BATCH = 512;
  /** One chat span in this many carries the rare word. */
  private static final int RARE_EVERY = 10_000;
  private static final String RARE = "quokka";
  private static final String COMMON = "invoice";
  /** In the last span of every sender: once all are searchable, everything sent before is too. */
  private static final String LAST = "zebrafinal";
  private static final List<String> WORDS = List.of("ledger", "supplier", "payment", "refund", "reconcile", "vendor",
      "balance", "statement", "credit", "debit", "account", "receipt", "purchase", "order", "shipment", "tax", "audit",
      "currency", "transfer", "budget", "approval", "contract", "quarter", "forecast", "expense", "journal", "entry",
      "customer", "discount", "penalty");
  private static final Duration PAGE_WAIT = Duration.ofSeconds(120);
  /**
   * Injected before any page script: stamps {@code __wb[key] = performance.now()} in the first
   * animation frame in which {@code test()} holds, and starts the page-open watchers.
   */
  private static final String WATCHER = """
      window.__wb = {};
      window.__wbWatch = function (key, test) {
        (function tick() {
          try { if (test()) { window.__wb[key] = performance.now(); return; } } catch (e) {}
          requestAnimationFrame(tick);
        })();
      };
      window.__wbVisible = function (selector, re) {
        return Array.from(document.querySelectorAll(selector))
            .some(c => c.offsetHeight > 0 && re.test(c.textContent.trim()));
      };
      if (location.pathname === '/') {
        __wbWatch('row', () => __wbVisible('#inventory-grid vaadin-grid-cell-content',
            /^(bench-agent-\\d+|reconciliation-finance)$/));
      }
      if (location.pathname === '/traces') {
        __wbWatch('row', () => __wbVisible('#trace-results vaadin-grid-cell-content', /^(chat|invoke_agent) /));
      }
      """;
  /** Server time: the document's and Vaadin's requests ({@code v-r=init}, {@code v-r=uidl}) started within [from, until]. */
  private static final String SERVER_TIME = """
      const from = arguments[0], until = arguments[1];
      let ms = 0, n = 0;
      for (const e of performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))) {
        if ((e.entryType === 'navigation' || e.name.includes('v-r=')) && e.startTime >= from && e.startTime <= until) {
          ms += e.responseStart - e.requestStart; n++;
        }
      }
      return [ms, n];
      """;

  private ChromeDriver driver;

  @AfterEach
  void quitBrowser() {
    if (driver != null) {
      driver.quit();
    }
  }

  @Test
  void inventoryAndTraceSearch_atScale() throws Exception {
    int otlpPort = TestPorts.free();
    warden = WardenProcess.start(tmp.resolve("data"), Map.of("WARDEN_OTLP_HTTP_PORT", Integer.toString(otlpPort)));
    String admin = warden.adminToken();
    String alice = createUser(admin, "alice", "author", List.of());
    String pat = createUser(admin, "pat", "approver", List.of("platform"));

    long t = System.nanoTime();
    addAgents(alice, pat);
    String agentsTook = seconds(t);
    t = System.nanoTime();
    long sent = sendSpans(admin, otlpPort);
    String ingestTook = seconds(t);
    await("the last span of every sender searchable").atMost(Duration.ofMinutes(30)).pollInterval(Duration.ofSeconds(1))
        .until(() -> warden.get(admin, "/api/v1/traces/search?q=" + LAST).body().path("hits").size() >= SENDERS);
    String searchableTook = seconds(t);

    driver = chromium();
    driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", WATCHER));
    signIn("pat", pat);

    Map<String, List<double[]>> rows = new LinkedHashMap<>();
    for (int rep = 0; rep <= REPS; rep++) {
      rows.computeIfAbsent("Inventory: navigation -> first row", k -> new ArrayList<>()).add(open("/"));
      rows.computeIfAbsent("Traces page: navigation -> first row", k -> new ArrayList<>()).add(open("/traces"));
      rows.computeIfAbsent("search '" + RARE + "' (1 in " + RARE_EVERY + " prompts): click -> hits", k -> new ArrayList<>())
          .add(search(RARE));
      rows.computeIfAbsent("Traces page: navigation -> first row", k -> new ArrayList<>()).add(open("/traces"));
      rows.computeIfAbsent("search '" + COMMON + "' (every prompt): click -> hits", k -> new ArrayList<>())
          .add(search(COMMON));
    }

    StringBuilder out = new StringBuilder();
    out.append("Console latency: %d agents (+1 seeded) added and reconciled in %s; %,d spans sent in %s, all searchable after %s%n"
        .formatted(AGENTS, agentsTook, sent, ingestTook, searchableTook));
    out.append("headless Chromium, %d warm repetitions after one cold; ms (render = page clock, server = responseStart - requestStart summed)%n"
        .formatted(REPS));
    out.append("%-58s %10s %10s %10s %10s %10s %10s%n".formatted("", "cold rend", "warm p50", "warm max", "cold srv",
        "srv p50", "srv max"));
    rows.forEach((name, samples) -> {
      // The Traces page is opened twice per repetition: the first opening is the cold one.
      List<double[]> warm = samples.subList(1, samples.size());
      out.append("%-58s %10.0f %10.0f %10.0f %10.0f %10.0f %10.0f%n".formatted(name, samples.get(0)[0],
          pct(warm, 0, 0.5), pct(warm, 0, 1.0), samples.get(0)[1], pct(warm, 1, 0.5), pct(warm, 1, 1.0)));
    });
    System.out.print(out);
    Files.writeString(Path.of("target", "console-latency.txt"), out);
  }

  // ---------------------------------------------------------------- the appliance side

  /** One change request adding {@link #AGENTS} descriptors, approved, merged, and reconciled. */
  private void addAgents(String author, String approver) throws Exception {
    Map<String, String> files = new LinkedHashMap<>();
    for (int i = 0; i < AGENTS; i++) {
      files.put("agents/" + agent(i) + ".yaml", """
          apiVersion: agent.os/v1
          kind: Agent
          metadata:
            name: %s
            owner: finance-platform
          spec:
            model:
              provider: anthropic
              name: claude-opus-4-7
              pinned_revision: "2026-02-14"
            tools:
              - mcp://gateway/ledger-read
            budgets:
              calls_per_hour: 200
              usd_per_day: 40
          """.formatted(agent(i)));
    }
    WardenProcess.Response opened = warden.post(author, "/api/v1/changes", Map.of("title", "1,000 agents", "files", files));
    assertThat(opened.status()).as(opened.body().toString()).isEqualTo(201);
    String id = opened.body().path("id").asText();
    await("checks of the 1,000 agents").atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(1)).until(() -> {
      List<String> statuses = checkStatuses(warden.get(author, "/api/v1/changes/" + id).body().path("change"));
      assertThat(statuses).as("checks").doesNotContain("FAILED");
      return !statuses.isEmpty() && statuses.stream().allMatch("PASSED"::equals);
    });
    assertThat(warden.post(approver, "/api/v1/changes/" + id + "/approve", Map.of()).status()).isEqualTo(200);
    WardenProcess.Response merged = warden.post(approver, "/api/v1/changes/" + id + "/merge", Map.of());
    assertThat(merged.status()).as(merged.body().toString()).isEqualTo(200);
    await("1,001 agents synced").atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(1)).until(() -> {
      JsonNode agents = warden.get(author, "/api/v1/agents").body().path("agents");
      long synced = 0;
      for (JsonNode a : agents) {
        synced += a.path("status").asText().equals("SYNCED") ? 1 : 0;
      }
      return synced == AGENTS + 1;
    });
  }

  private static String agent(int i) {
    return "bench-agent-%04d".formatted(i);
  }

  /**
   * {@link #SPANS} spans from {@link #SENDERS} threads, each with its own SDK exporter sending
   * {@value #BATCH}-span batches one at a time (the collector's ingest token names each span's agent).
   */
  private long sendSpans(String ingestToken, int otlpPort) throws Exception {
    long traces = SPANS / SPANS_PER_TRACE;
    AtomicLong sent = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(SENDERS);
    try {
      List<Future<?>> senders = new ArrayList<>();
      for (int s = 0; s < SENDERS; s++) {
        int sender = s;
        senders.add(pool.submit(() -> {
          OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
              .setEndpoint("http://127.0.0.1:" + otlpPort + "/v1/traces")
              .addHeader("Authorization", "Bearer " + ingestToken)
              .setTimeout(Duration.ofSeconds(60))
              .build();
          BatchingSender batches = new BatchingSender(exporter, sent);
          try (SdkTracerProvider provider = SdkTracerProvider.builder()
              .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "bench-runtime")))
              .addSpanProcessor(batches).build()) {
            Tracer tracer = provider.get("console-latency");
            Random random = new Random(sender);
            for (long tr = sender; tr < traces; tr += SENDERS) {
              trace(tracer, random, tr, tr + SENDERS >= traces);
            }
            batches.flush();
          }
          return null;
        }));
      }
      for (Future<?> f : senders) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return sent.get();
  }

  private static void trace(Tracer tracer, Random random, long n, boolean last) {
    String agent = agent((int) (n % AGENTS));
    Span root = tracer.spanBuilder("invoke_agent " + agent)
        .setAttribute("gen_ai.operation.name", "invoke_agent")
        .setAttribute("warden.agent", agent)
        .setAttribute("warden.intent", "reconcile supplier invoice INV-" + n)
        .startSpan();
    Context parent = Context.current().with(root);
    for (int c = 1; c < SPANS_PER_TRACE; c++) {
      long spanNo = n * SPANS_PER_TRACE + c;
      StringBuilder prompt = new StringBuilder("check the ").append(COMMON);
      for (int w = 0; w < 6; w++) {
        prompt.append(' ').append(WORDS.get(random.nextInt(WORDS.size())));
      }
      if (spanNo % RARE_EVERY == 1) {
        prompt.append(' ').append(RARE);
      }
      if (last && c == SPANS_PER_TRACE - 1) {
        prompt.append(' ').append(LAST);
      }
      tracer.spanBuilder("chat claude-opus-4-7").setParent(parent)
          .setAttribute("gen_ai.operation.name", "chat")
          .setAttribute("warden.agent", agent)
          .setAttribute("gen_ai.request.model", "claude-opus-4-7")
          .setAttribute("gen_ai.usage.input_tokens", 200L + random.nextInt(2000))
          .setAttribute("gen_ai.usage.output_tokens", 50L + random.nextInt(500))
          .setAttribute("gen_ai.input.messages",
              "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"" + prompt + "\"}]}]")
          .startSpan().end();
    }
    root.end();
  }

  /** Collects ended spans and exports each full batch synchronously on the sending thread. */
  private static final class BatchingSender implements SpanProcessor {
    private final OtlpHttpSpanExporter exporter;
    private final AtomicLong sent;
    private final List<SpanData> batch = new ArrayList<>(BATCH);

    BatchingSender(OtlpHttpSpanExporter exporter, AtomicLong sent) {
      this.exporter = exporter;
      this.sent = sent;
    }

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {}

    @Override
    public boolean isStartRequired() {
      return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
      batch.add(span.toSpanData());
      if (batch.size() >= BATCH) {
        flush();
      }
    }

    @Override
    public boolean isEndRequired() {
      return true;
    }

    void flush() {
      if (batch.isEmpty()) {
        return;
      }
      CompletableResultCode result = exporter.export(List.copyOf(batch)).join(120, TimeUnit.SECONDS);
      if (!result.isSuccess()) {
        throw new AssertionError("OTLP export of " + batch.size() + " spans failed", result.getFailureThrowable());
      }
      sent.addAndGet(batch.size());
      batch.clear();
    }

    @Override
    public CompletableResultCode shutdown() {
      return exporter.shutdown();
    }
  }

  // ---------------------------------------------------------------- the browser side

  /** Opens {@code path}: {render ms, server ms} from navigation start to the first row on screen. */
  private double[] open(String path) {
    driver.get(warden.consoleUrl(path));
    double rendered = await(path + " first row").atMost(PAGE_WAIT).pollInterval(Duration.ofMillis(50))
        .until(() -> number("return window.__wb && window.__wb.row;"), v -> v != null);
    return new double[] {rendered, serverTime(0, rendered)};
  }

  /** Searches the open Traces page for {@code word}: {render ms, server ms} from the click to the highlighted hits. */
  private double[] search(String word) {
    WebElement field = driver.findElement(By.cssSelector("#trace-search input"));
    field.sendKeys(word);
    driver.executeScript("""
        performance.clearResourceTimings();
        document.getElementById('trace-search-button').addEventListener('click',
            () => { window.__wb.click = performance.now(); }, {capture: true, once: true});
        __wbWatch('hits', () => __wbVisible('#trace-results em', new RegExp('^' + arguments[0] + '$', 'i')));
        return 0;""", word);
    driver.findElement(By.id("trace-search-button")).click();
    double rendered = await("hits for " + word).atMost(PAGE_WAIT).pollInterval(Duration.ofMillis(50))
        .until(() -> number("return window.__wb.hits;"), v -> v != null);
    Double clicked = number("return window.__wb.click;");
    assertThat(clicked).as("click seen by the page").isNotNull();
    return new double[] {rendered - clicked, serverTime(clicked, rendered)};
  }

  private double serverTime(double from, double until) {
    List<?> r = (List<?>) driver.executeScript(SERVER_TIME, from, until);
    return ((Number) r.get(0)).doubleValue();
  }

  private Double number(String script) {
    return driver.executeScript(script) instanceof Number n ? n.doubleValue() : null;
  }

  private ChromeDriver chromium() throws Exception {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(ConsoleBrowserIT.executable("chromium"));
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--user-data-dir=" + Files.createDirectories(tmp.resolve("chromium")), "--window-size=1400,1000");
    return new ChromeDriver(new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(ConsoleBrowserIT.executable("chromedriver")))
        .usingAnyFreePort()
        .build(), options);
  }

  private void signIn(String user, String token) {
    driver.get(warden.consoleUrl("/login"));
    element(By.cssSelector("#login-user input")).sendKeys(user);
    element(By.cssSelector("#login-token input")).sendKeys(token);
    element(By.id("login-submit")).click();
    await("signed in as " + user).atMost(PAGE_WAIT).ignoreExceptions()
        .until(() -> driver.findElement(By.id("signed-in-as")).getText().startsWith(user + " ("));
  }

  private WebElement element(By by) {
    return await("element " + by).atMost(PAGE_WAIT).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
        .until(() -> driver.findElement(by), WebElement::isDisplayed);
  }

  private static double pct(List<double[]> samples, int column, double q) {
    double[] v = samples.stream().mapToDouble(s -> s[column]).sorted().toArray();
    return v[Math.max(0, (int) Math.ceil(q * v.length) - 1)];
  }

  private static String seconds(long startNanos) {
    return "%.1f s".formatted((System.nanoTime() - startNanos) / 1e9);
  }
}
