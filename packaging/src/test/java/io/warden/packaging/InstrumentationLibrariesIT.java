package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.warden.demo.standin.ProviderStandIn;
import io.warden.testing.TestPorts;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assumptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Real, unmodified GenAI instrumentation libraries pointed at a running Warden: each makes one OpenAI
 * chat completion with the real OpenAI SDK against the provider stand-in (the real wire format, usage
 * with cached and reasoning tokens) and exports its spans with its own OpenTelemetry SDK. Warden's
 * search API then finds the span by a word of its prompt, mapped to operation, model, tokens, agent
 * and priced. The libraries are installed by {@code scripts/install.d/instrumentation.sh --test}.
 *
 * <p>Through the model gateway, the same call is described twice (the gateway's span and the
 * library's client span): both are kept, the call is priced once.
 */
@Timeout(600)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InstrumentationLibrariesIT {
  private static final String AGENT = "reconciliation-finance";
  private static final String GATEWAY_AGENT = "ledger-assistant";
  /** gpt-4o in the seeded pricing.yaml, USD per 1M tokens. */
  private static final BigDecimal INPUT = new BigDecimal("2.50");
  private static final BigDecimal CACHED = new BigDecimal("1.25");
  private static final BigDecimal OUTPUT = new BigDecimal("10.00");

  @TempDir static Path tmp;
  private final Vertx vertx = Vertx.vertx();
  private ProviderStandIn standIn;
  private WardenProcess warden;
  private int otlpPort;
  private String admin;

  @BeforeAll
  void start() throws Exception {
    standIn = new ProviderStandIn(vertx).start();
    standIn.uniqueResponseIds = true; // one id per call, as a provider answers
    otlpPort = TestPorts.free();
    warden = WardenProcess.start(tmp.resolve("data"), Map.of(
        "WARDEN_OTLP_HTTP_PORT", Integer.toString(otlpPort),
        "WARDEN_GATEWAY_PROVIDERS_OPENAI_BASE_URL", standIn.openAiBaseUrl(),
        "WARDEN_GATEWAY_PROVIDERS_OPENAI_API_KEY_ENV", "STANDIN_OPENAI_KEY",
        "STANDIN_OPENAI_KEY", "sk-standin"));
    admin = warden.adminToken();
  }

  @AfterAll
  void stop() throws Exception {
    try {
      if (warden != null) {
        warden.close();
      }
    } finally {
      if (standIn != null) {
        standIn.close();
      }
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(nullValues = "none", value = {
      // library (what the driver script instruments with), a word only its prompt has, the attribute
      // the operation came from when the span has no gen_ai.operation.name
      "openinference,      quokka,  openinference.span.kind=LLM",
      "openllmetry,        wallaby, none",
      "openllmetry-legacy, koala,   llm.request.type=chat",
      "otel-genai-span,    bilby,   none",
      "otel-genai-event,   echidna, none",
      "vercel-ai,          numbat,  ai.operationId=ai.generateText.doGenerate",
  })
  void realLibrary_spanIsFoundByPromptWord_mappedAndPriced(String library, String word, String operationSource)
      throws Exception {
    String credential = credential(AGENT);
    String answer = runLibrary(library, standIn.openAiBaseUrl(), "sk-standin", credential,
        "Does the " + word + " invoice match the ledger?");
    assertThat(answer).contains(ProviderStandIn.answer("gpt-4o"));

    JsonNode span = onlyHit(word + " AND operation:chat", AGENT);
    assertThat(span.path("agent").asText()).isEqualTo(AGENT);
    assertThat(span.path("operation").asText()).isEqualTo("chat");
    if (operationSource == null) {
      assertThat(span.path("attributes").has("warden.operation.source")).isFalse();
    } else {
      assertThat(span.path("attributes").path("warden.operation.source").asText()).isEqualTo(operationSource);
    }
    assertThat(span.path("requestModel").asText()).isEqualTo("gpt-4o");
    assertThat(span.path("inputTokens").asLong()).isEqualTo(ProviderStandIn.PROMPT_TOKENS);
    assertThat(span.path("outputTokens").asLong()).isEqualTo(ProviderStandIn.COMPLETION_TOKENS);
    if (!library.startsWith("otel-genai")) { // the official instrumentation does not report them
      assertThat(span.path("attributes").path("gen_ai.usage.reasoning_tokens").asText())
          .isEqualTo(Long.toString(ProviderStandIn.REASONING_TOKENS));
    }
    long cached = span.path("cachedTokens").asLong();
    assertThat(cached).isIn(0L, ProviderStandIn.CACHED_TOKENS); // the official instrumentation does not report it
    BigDecimal expected = INPUT.multiply(BigDecimal.valueOf(ProviderStandIn.PROMPT_TOKENS - cached))
        .add(CACHED.multiply(BigDecimal.valueOf(cached)))
        .add(OUTPUT.multiply(BigDecimal.valueOf(ProviderStandIn.COMPLETION_TOKENS)))
        .movePointLeft(6);
    assertThat(span.path("costUsd").decimalValue()).isPositive().isEqualByComparingTo(expected);
    // The completion is searchable too, in the same span (or its log records).
    assertThat(hits("\"Hello from gpt-4o\" AND " + word, AGENT)).isNotEmpty();
  }

  @Test
  void callThroughTheGateway_describedByTwoSpans_isPricedOnce() throws Exception {
    addOpenAiAgent();
    String credential = credential(GATEWAY_AGENT);
    String answer = runLibrary("otel-genai-span", warden.uri("/v1").toString(), credential, credential,
        "Which platypus invoices are unpaid?");
    assertThat(answer).contains(ProviderStandIn.answer("gpt-4o-2024-08-06"));

    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
        .until(() -> hits("operation:chat", GATEWAY_AGENT).size() == 2);
    List<JsonNode> spans = hits("operation:chat", GATEWAY_AGENT);
    JsonNode gateway = spans.stream().filter(s -> s.path("attributes").has("warden.gateway.latency_ms"))
        .findFirst().orElseThrow();
    JsonNode library = spans.stream().filter(s -> s != gateway).findFirst().orElseThrow();
    assertThat(library.path("attributes").path("otel.scope.name").asText()).contains("genai");
    assertThat(library.path("attributes").path("gen_ai.response.id").asText())
        .isEqualTo(gateway.path("attributes").path("gen_ai.response.id").asText()).startsWith("chatcmpl-standin-");
    // The span that reached the store first (in practice the gateway's: it is recorded before the
    // client has its answer) carries the cost; the other names it and keeps its tokens.
    JsonNode carrier = gateway.path("costUsd").decimalValue().signum() > 0 ? gateway : library;
    JsonNode duplicate = carrier == gateway ? library : gateway;
    BigDecimal price = carrier.path("costUsd").decimalValue();
    assertThat(price).isPositive();
    assertThat(duplicate.path("costUsd").decimalValue()).isZero();
    assertThat(duplicate.path("attributes").path("warden.cost.duplicate_of").asText())
        .isEqualTo(carrier.path("traceId").asText() + ":" + carrier.path("spanId").asText());
    assertThat(duplicate.path("attributes").path("warden.cost.source").asText()).isEqualTo("duplicate");
    assertThat(library.path("inputTokens").asLong()).isEqualTo(ProviderStandIn.PROMPT_TOKENS);

    JsonNode byAgent = warden.get(admin, "/api/v1/costs?group_by=agent&from=1h").body();
    JsonNode row = null;
    for (JsonNode r : byAgent.path("rows")) {
      if (r.path("key").asText().equals(GATEWAY_AGENT)) {
        row = r;
      }
    }
    assertThat(row).as(byAgent.toString()).isNotNull();
    assertThat(row.path("spans").asLong()).isEqualTo(2);
    assertThat(row.path("totalUsd").decimalValue()).isEqualByComparingTo(price);
  }

  // ---------------------------------------------------------------------------------------------

  private String credential(String agent) throws Exception {
    WardenProcess.Response r = warden.post(admin, "/api/v1/agents/" + agent + "/credentials", Map.of());
    assertThat(r.status()).as(r.body().toString()).isIn(200, 201);
    return r.body().path("credential").asText();
  }

  /** An agent whose pinned model is OpenAI's, through a reviewed change as any agent arrives. */
  private void addOpenAiAgent() throws Exception {
    String author = user("alice", "author", List.of());
    String approver = user("pat", "approver", List.of("platform", "security", "finance-platform"));
    WardenProcess.Response opened = warden.post(author, "/api/v1/changes", Map.of("title", "Ledger assistant",
        "files", Map.of("agents/" + GATEWAY_AGENT + ".yaml", """
            apiVersion: agent.os/v1
            kind: Agent
            metadata:
              name: ledger-assistant
              owner: finance-platform
            spec:
              model:
                provider: openai
                name: gpt-4o
                pinned_revision: "2024-08-06"
              memory:
                type: none
              tools:
                - mcp://gateway/ledger-read
              budgets:
                calls_per_hour: 200
                usd_per_day: 40
            """)));
    assertThat(opened.status()).as(opened.body().toString()).isEqualTo(201);
    String id = opened.body().path("id").asText();
    WardenProcess.Response approved = warden.post(approver, "/api/v1/changes/" + id + "/approve", Map.of());
    assertThat(approved.status()).as(approved.body().toString()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
        .until(() -> warden.post(approver, "/api/v1/changes/" + id + "/merge", Map.of()).status() == 200);
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
        .until(() -> warden.post(admin, "/api/v1/agents/" + GATEWAY_AGENT + "/credentials", Map.of()).status() < 300);
  }

  private String user(String name, String role, List<String> teams) throws Exception {
    WardenProcess.Response r = warden.post(admin, "/api/v1/users", Map.of("name", name, "role", role, "teams", teams));
    assertThat(r.status()).as(r.body().toString()).isEqualTo(201);
    return r.body().path("token").asText();
  }

  private List<JsonNode> hits(String q, String agent) throws Exception {
    JsonNode body = warden.get(admin, "/api/v1/traces/search?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8)
        + "&agent=" + agent + "&from=1h").body();
    List<JsonNode> out = new ArrayList<>();
    body.path("hits").forEach(h -> out.add(h.path("span")));
    return out;
  }

  private JsonNode onlyHit(String q, String agent) throws Exception {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> !hits(q, agent).isEmpty());
    List<JsonNode> found = hits(q, agent);
    assertThat(found).as("spans for %s", q).hasSize(1);
    return found.get(0);
  }

  /** Runs one library's driver (Python or Node) and returns what it printed: the model's answer. */
  private String runLibrary(String library, String baseUrl, String apiKey, String otlpToken, String prompt)
      throws IOException, InterruptedException {
    Path root = WardenProcess.root();
    List<String> cmd;
    Map<String, String> env = new java.util.HashMap<>();
    if (library.equals("vercel-ai")) {
      Path modules = root.resolve(".tools/instrumentation-node");
      Assumptions.assumeThat(onPath("node")).as("node is not installed: the Vercel AI SDK is not tested").isTrue();
      assertThat(modules.resolve("node_modules")).as("run scripts/install.sh --test: it installs the Vercel AI SDK "
          + "into .tools/instrumentation-node").isDirectory();
      cmd = List.of("node", root.resolve("packaging/src/test/node/vercel_ai_call.mjs").toString());
      env.put("WARDEN_NODE_MODULES", modules.toString());
    } else {
      Path python = root.resolve(library.equals("openllmetry-legacy")
          ? ".tools/instrumentation-legacy-venv/bin/python" : ".tools/instrumentation-venv/bin/python");
      assertThat(Files.isExecutable(python)).as("run scripts/install.sh --test: it installs the instrumentation "
          + "libraries into .tools/instrumentation-venv").isTrue();
      cmd = List.of(python.toString(), root.resolve("packaging/src/test/python/instrumented_openai_call.py").toString(),
          library);
    }
    env.put("OPENAI_BASE_URL", baseUrl);
    env.put("OPENAI_API_KEY", apiKey);
    env.put("WARDEN_OTLP_ENDPOINT", "http://127.0.0.1:" + otlpPort);
    env.put("WARDEN_OTLP_TOKEN", otlpToken);
    env.put("PROMPT", prompt);
    env.put("MODEL", "gpt-4o");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", library).isTrue();
    assertThat(p.exitValue()).as("%s:\n%s", library, out).isZero();
    return out;
  }

  private static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }
}
