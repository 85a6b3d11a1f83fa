package io.warden.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.warden.demo.ScriptedAgent.Baggage;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * What {@code warden demo} does once Warden and the stand-ins run: it sets up a finance team through
 * the governance path (users, then two change requests opened, approved and merged over the API:
 * the ERP system in {@code mcp/erp.yaml} with {@code pay-invoice} on the allow-list, then the agents
 * {@code billing-agent}, its sub-agent {@code ledger-agent} and the shadow candidate {@code
 * billing-agent-v2}), issues the agents' credentials, and drives traffic through the real paths for
 * a while: one supplier invoice after another, each a logical trace with a delegation to the
 * sub-agent under a scoped token, model calls through the model gateway, ledger reads and payments
 * through the MCP gateway (those over the approval threshold held: the demo's approver approves one,
 * denies one, and leaves the last for whoever explores the console), the shadow candidate's
 * payments captured and paired with what the accounts-payable clerk did, and at the end a month-end
 * close that brings {@code ledger-agent} near its daily budget. A client of Warden over HTTP, MCP and
 * OTLP only: nothing is written into Warden's stores directly.
 */
public final class DemoTraffic implements AutoCloseable {
  /** The agents the demo always declares (scripted: {@link ScriptedAgent}). */
  public static final List<String> AGENTS = List.of("billing-agent", "ledger-agent", "billing-agent-v2");

  /**
   * The reference agent of {@code examples/agents/}, run by Warden's {@code process} executor and
   * invoked through the session router; declared when {@code .tools/agents-venv} is installed.
   */
  public static final String REFERENCE_AGENT = "invoice-agent";

  /** The share of ledger-agent's daily budget the month-end close spends up to. */
  public static final BigDecimal BUDGET_TARGET = new BigDecimal("0.9");

  private static final String OPENAI_MODEL = "gpt-4o";
  private static final String ANTHROPIC_MODEL = "claude-opus-4-7";
  private static final BigDecimal PAYMENT_OVER_THRESHOLD = new BigDecimal("4850.00");
  private static final int MIN_INVOICES = 7;

  /** The people of the demo, with their tokens (shown once by the API). */
  public record People(String adminToken, String authorName, String authorToken, String approverName,
      String approverToken) {}

  /** What the traffic left behind, for the summary. */
  public record Summary(int invoices, int heldPayments, List<String> pendingApprovals, int modelCalls,
      int toolCalls, int failures, String lastTraceId) {}

  private final WardenHttp warden;
  private final URI otlpHttp;
  private final URI erpUrl;
  private final PrintStream out;
  private final String adminToken;
  private final @Nullable ReferenceAgent referenceAgent;
  private final ExecutorService heldCalls = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "demo-held-call");
    t.setDaemon(true);
    return t;
  });
  private final List<AutoCloseable> open = new ArrayList<>();
  private @Nullable People people;
  private @Nullable ScriptedAgent billing;
  private @Nullable ScriptedAgent candidate;
  private @Nullable ScriptedAgent ledger;
  private final AtomicReference<String> ledgerToken = new AtomicReference<>("");
  private String billingKey = "";
  private @Nullable McpSyncClient billingTools;
  private @Nullable McpSyncClient candidateTools;
  private int invoices;
  private int modelCalls;
  private int toolCalls;
  private int failures;
  private String lastTraceId = "";

  /** Where the reference agent's program and its interpreter are. */
  record ReferenceAgent(Path script, Path python) {}

  private DemoTraffic(URI api, URI otlpHttp, URI erpUrl, String adminToken, @Nullable ReferenceAgent referenceAgent,
      PrintStream out) {
    this.warden = new WardenHttp(api);
    this.otlpHttp = otlpHttp;
    this.erpUrl = erpUrl;
    this.adminToken = adminToken;
    this.referenceAgent = referenceAgent;
    this.out = out;
  }

  /**
   * @param api Warden's HTTP API and gateways, e.g. {@code http://127.0.0.1:8080/}
   * @param otlpHttp Warden's OTLP/HTTP ingest, e.g. {@code http://127.0.0.1:4318/}
   * @param erpUrl the ERP's MCP endpoint, as {@code mcp/erp.yaml} declares it
   * @param adminToken the first admin's token (the data directory's {@code admin-token})
   * @param out where progress lines go
   */
  public static DemoTraffic create(URI api, URI otlpHttp, URI erpUrl, String adminToken, PrintStream out) {
    return new DemoTraffic(Objects.requireNonNull(api, "api"), Objects.requireNonNull(otlpHttp, "otlpHttp"),
        Objects.requireNonNull(erpUrl, "erpUrl"), Objects.requireNonNull(adminToken, "adminToken"), null,
        Objects.requireNonNull(out, "out"));
  }

  /**
   * As {@link #create(URI, URI, URI, String, PrintStream)}, with {@value #REFERENCE_AGENT}: the
   * reference agent under {@code wardenRoot} ({@code examples/agents/reference_agent.py}), run with
   * {@code .tools/agents-venv}'s interpreter. When that venv is missing or incomplete the demo says
   * so and runs without it.
   */
  public static DemoTraffic create(URI api, URI otlpHttp, URI erpUrl, String adminToken, Path wardenRoot,
      PrintStream out) {
    ReferenceAgent agent = referenceAgent(Objects.requireNonNull(wardenRoot, "wardenRoot"), out);
    return new DemoTraffic(Objects.requireNonNull(api, "api"), Objects.requireNonNull(otlpHttp, "otlpHttp"),
        Objects.requireNonNull(erpUrl, "erpUrl"), Objects.requireNonNull(adminToken, "adminToken"), agent,
        Objects.requireNonNull(out, "out"));
  }

  /** The reference agent when its venv imports what it needs, else null (and a line saying why). */
  static @Nullable ReferenceAgent referenceAgent(Path wardenRoot, PrintStream out) {
    Path root = wardenRoot.toAbsolutePath().normalize();
    Path script = root.resolve("examples/agents/reference_agent.py");
    Path python = root.resolve(".tools/agents-venv/bin/python");
    String why;
    if (!Files.isRegularFile(script)) {
      why = script + " is missing";
    } else if (!Files.isExecutable(python)) {
      why = ".tools/agents-venv is not installed (bash scripts/install.d/agents.sh --demo)";
    } else {
      // A venv whose pip install failed half-way has an interpreter but not the packages.
      try {
        Process p = new ProcessBuilder(python.toString(), "-c",
            "import openai, mcp, opentelemetry.sdk.trace, opentelemetry.exporter.otlp.proto.http.trace_exporter")
            .redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] output = p.getInputStream().readAllBytes();
        why = p.waitFor() == 0 ? null : ".tools/agents-venv cannot import the reference agent's packages ("
            + new String(output, StandardCharsets.UTF_8).strip().lines().reduce((a, b) -> b).orElse("") + ")";
      } catch (IOException e) {
        why = python + " cannot run: " + e.getMessage();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        why = "interrupted while checking " + python;
      }
    }
    if (why != null) {
      out.println("demo: " + why + ": " + REFERENCE_AGENT + " (the reference agent) is left out");
      return null;
    }
    return new ReferenceAgent(script, python);
  }

  /** The agents this demo declares: {@link #AGENTS}, and {@value #REFERENCE_AGENT} when it can run. */
  public List<String> agents() {
    if (referenceAgent == null) {
      return AGENTS;
    }
    List<String> all = new ArrayList<>(AGENTS);
    all.add(REFERENCE_AGENT);
    return List.copyOf(all);
  }

  // ------------------------------------------------------------------ governance

  /** Users, the two reviewed changes, the agents Synced, their credentials. */
  public People setUp() {
    String author = user("alice", "author", "finance");
    String approver = user("pat", "approver", "platform");
    people = new People(adminToken, "alice", author, "pat", approver);
    merge("Declare the ERP system and allow pay-invoice", Map.of(
        "tools/allowed.yaml", resource("repo/tools/allowed.yaml"),
        "mcp/erp.yaml", resource("repo/mcp/erp.yaml").replace("${ERP_URL}", erpUrl.toString())));
    Map<String, String> agents = new LinkedHashMap<>();
    for (String agent : AGENTS) {
      agents.put("agents/" + agent + ".yaml", resource("repo/agents/" + agent + ".yaml"));
    }
    ReferenceAgent ref = referenceAgent;
    if (ref != null) {
      // billing-agent may invoke the reference agent only when its spec.delegates says so.
      agents.put("agents/billing-agent.yaml", agents.get("agents/billing-agent.yaml")
          .replace("    - ledger-agent\n", "    - ledger-agent\n    - " + REFERENCE_AGENT + "\n"));
      agents.put("agents/" + REFERENCE_AGENT + ".yaml", resource("repo/agents/" + REFERENCE_AGENT + ".yaml")
          .replace("${AGENT_SCRIPT}", ref.script().toString()).replace("${AGENT_PYTHON}", ref.python().toString()));
    }
    merge("Add billing-agent, its sub-agent ledger-agent and the shadow candidate billing-agent-v2"
        + (ref == null ? "" : ", and " + REFERENCE_AGENT + " run by the process executor"), agents);
    for (String agent : agents()) {
      // The process executor starts a Python interpreter that imports the SDKs: slower on a busy machine.
      awaitSynced(agent, Duration.ofSeconds(agent.equals(REFERENCE_AGENT) ? 150 : 60));
    }
    billingKey = credential("billing-agent");
    String candidateKey = credential("billing-agent-v2");
    String ledgerKey = credential("ledger-agent");
    ledgerToken.set(ledgerKey);
    String key = billingKey;
    billing = keep(new ScriptedAgent("billing-agent", warden, otlpHttp, () -> key));
    candidate = keep(new ScriptedAgent("billing-agent-v2", warden, otlpHttp, () -> candidateKey));
    // ledger-agent works under the scoped token billing-agent hands it with each delegation.
    ledger = keep(new ScriptedAgent("ledger-agent", warden, otlpHttp, ledgerToken::get));
    billingTools = keep(billing.mcp());
    candidateTools = keep(candidate.mcp());
    out.println("demo: agents " + String.join(", ", agents()) + " are Synced; credentials issued"
        + (ref == null ? "" : "; " + REFERENCE_AGENT + " runs " + ref.script() + " under the process executor"));
    return people;
  }

  private String user(String name, String role, String team) {
    JsonNode u = warden.expect(warden.post(adminToken, "/api/v1/users",
        Map.of("name", name, "role", role, "teams", List.of(team))), "creating user " + name);
    return u.path("token").asText();
  }

  private void merge(String title, Map<String, String> files) {
    People p = Objects.requireNonNull(people);
    String id = warden.expect(warden.post(p.authorToken(), "/api/v1/changes", Map.of("title", title, "files", files)),
        "opening change '" + title + "'").path("id").asText();
    JsonNode change = until("the checks of change " + id, Duration.ofSeconds(90), () -> {
      JsonNode c = warden.expect(warden.get(p.authorToken(), "/api/v1/changes/" + id), "reading change " + id)
          .path("change");
      List<String> statuses = new ArrayList<>();
      c.path("checks").forEach(check -> statuses.add(check.path("status").asText()));
      if (statuses.stream().anyMatch(s -> s.equals("FAILED") || s.equals("ERROR"))) {
        throw new IllegalStateException("change " + id + " '" + title + "' failed its checks: " + c.path("checks"));
      }
      return !statuses.isEmpty() && statuses.stream().allMatch("PASSED"::equals) ? c : null;
    });
    warden.expect(warden.post(p.approverToken(), "/api/v1/changes/" + id + "/approve", Map.of()), "approving change " + id);
    warden.expect(warden.post(p.approverToken(), "/api/v1/changes/" + id + "/merge", Map.of()), "merging change " + id);
    out.println("demo: change #" + id + " '" + title + "' opened by alice, " + change.path("checks").size()
        + " checks passed, approved and merged by pat");
  }

  private void awaitSynced(String agent, Duration within) {
    until(agent + " Synced", within, () -> {
      WardenHttp.Reply r = warden.get(adminToken, "/api/v1/agents/" + agent);
      return r.ok() && r.body().path("status").asText().equalsIgnoreCase("synced") ? r : null;
    });
  }

  private String credential(String agent) {
    return warden.expect(warden.post(adminToken, "/api/v1/agents/" + agent + "/credentials", Map.of()),
        "issuing a credential for " + agent).path("credential").asText();
  }

  // ------------------------------------------------------------------ traffic

  /** A supplier invoice as the accounts-payable inbox holds it. */
  record Invoice(String id, String supplier, String account, BigDecimal amount) {
    String text() {
      return "invoice " + id + " from " + supplier + " for " + amount.toPlainString() + " USD";
    }
  }

  private static final String[][] SUPPLIERS = {
    {"Acme Corp", "2100-acme"}, {"Globex Logistics", "2100-globex"}, {"Initech Software", "2100-initech"},
    {"Umbrella Facilities", "2100-umbrella"}, {"Stark Industrial Supply", "2100-stark"},
  };

  static Invoice invoice(int n) {
    String[] s = SUPPLIERS[n % SUPPLIERS.length];
    // Deterministic, varied amounts under the 1,000 USD threshold; every fourth invoice is over it.
    BigDecimal amount = n % 4 == 1 ? PAYMENT_OVER_THRESHOLD
        : new BigDecimal(120 + (n * 137) % 800).add(new BigDecimal(n * 7 % 100).movePointLeft(2));
    return new Invoice("INV-" + (1040 + n), s[0], s[1], amount);
  }

  /** A held payment: the call waiting in the MCP gateway and its approval. */
  private record Held(Invoice invoice, String approvalId, CompletableFuture<McpSchema.CallToolResult> result,
      Span pay, Baggage baggage) {}

  /**
   * Drives invoices for {@code duration} (at least {@value #MIN_INVOICES}), then the month-end close. Held payments
   * are decided in turn (approved, then denied) one invoice later; the last one stays pending.
   */
  public Summary drive(Duration duration) throws InterruptedException {
    long end = System.nanoTime() + duration.toNanos();
    // About twenty invoices a minute: a pace a person can follow in the console.
    long pause = Math.max(200, Math.min(3000, duration.toMillis() / 20));
    List<Held> held = new ArrayList<>();
    int n = 0;
    boolean approveNext = true;
    Held undecided = null;
    // At least seven invoices whatever the duration: the second is held, then approved during the
    // third; the sixth is held, then denied during the seventh.
    while (System.nanoTime() < end || n < MIN_INVOICES) {
      Held h = processInvoice(invoice(n++));
      if (undecided != null) {
        decide(undecided, approveNext);
        approveNext = !approveNext;
        undecided = null;
      }
      if (h != null) {
        held.add(h);
        undecided = h;
      }
      Thread.sleep(pause);
    }
    // Make sure one payment waits for a human, whatever the duration was.
    for (int tries = 0; undecided == null; tries++) {
      if (tries == 3) {
        throw new IllegalStateException("no payment over the threshold could be held: see the lines above");
      }
      while (!invoice(n).amount().equals(PAYMENT_OVER_THRESHOLD)) {
        n++;
      }
      undecided = processInvoice(invoice(n++));
      if (undecided != null) {
        held.add(undecided);
      }
    }
    List<String> pending = List.of(undecided.approvalId());
    out.println("demo: payment of " + undecided.invoice().text() + " is waiting for an approver: approval "
        + undecided.approvalId());
    monthEndClose();
    return new Summary(invoices, held.size(), pending, modelCalls, toolCalls, failures, lastTraceId);
  }

  /** One invoice, one logical trace; the held payment when it went over the threshold. */
  private @Nullable Held processInvoice(Invoice inv) {
    ScriptedAgent b = Objects.requireNonNull(billing);
    String intent = "Pay " + inv.text();
    Baggage baggage = Baggage.of(intent);
    Span root = b.startRun(intent, baggage);
    lastTraceId = root.getSpanContext().getTraceId();
    invoices++;
    Held held = null;
    try {
      // The supplier's payment terms rarely change: identical questions, answered from the cache.
      b.chat(root, baggage, OPENAI_MODEL, "You are billing-agent. Answer in one sentence.",
          "What are the payment terms agreed with " + inv.supplier() + "?");
      b.chat(root, baggage, OPENAI_MODEL, "You are billing-agent. You pay supplier invoices that match the ledger.",
          "New " + inv.text() + ". Decide whether to check the ledger before paying.");
      modelCalls += 2;

      Span delegating = b.step(root, "delegate ledger-agent", baggage);
      try {
        reconcile(inv, baggage.delegatedFrom("billing-agent", delegating), delegating, "Reconcile account "
            + inv.account() + " before paying " + inv.id());
      } finally {
        delegating.end();
      }
      if (referenceAgent != null) {
        askReferenceAgent(inv, root, baggage);
      }

      Span pay = b.step(root, "pay " + inv.id(), baggage);
      try {
        Map<String, Object> args = Map.of("supplier", inv.supplier(), "amount_usd", inv.amount());
        if (inv.amount().compareTo(new BigDecimal("1000")) > 0) {
          held = holdPayment(inv, pay, baggage, args);
        } else {
          McpSchema.CallToolResult paid = ScriptedAgent.call(Objects.requireNonNull(billingTools), pay, baggage,
              "pay-invoice", args, Map.of());
          toolCalls++;
          if (Boolean.TRUE.equals(paid.isError())) {
            pay.setStatus(StatusCode.ERROR, text(paid));
            failures++;
          }
        }
      } finally {
        pay.end();
      }
      shadow(inv);
    } catch (RuntimeException e) {
      failures++;
      root.setStatus(StatusCode.ERROR, e.getMessage() == null ? e.toString() : e.getMessage());
      out.println("demo: " + inv.id() + ": " + e.getMessage());
    } finally {
      root.end();
    }
    return held;
  }

  /**
   * billing-agent delegates to ledger-agent: a scoped token minted with billing-agent's credential
   * for ledger-agent (the delegation chain is in the token), a new trace linked to the delegating
   * span, a model call and two ledger reads under that token.
   */
  private void reconcile(Invoice inv, Baggage baggage, Span delegating, String task) {
    ScriptedAgent l = Objects.requireNonNull(ledger);
    JsonNode minted = warden.expect(warden.post(billingKey, "/api/v1/tokens", Map.of(
        "session", "reconcile-" + inv.id() + "-" + delegating.getSpanContext().getSpanId(),
        "agent", "ledger-agent",
        "tools", List.of("mcp://gateway/ledger-read"),
        "usd_budget", new BigDecimal("0.05"),
        "ttl_seconds", 900)), "minting ledger-agent's token");
    ledgerToken.set(minted.path("token").asText());
    Span run = l.startRun(baggage.intent(), baggage, delegating.getSpanContext());
    try (McpSyncClient tools = l.mcp()) {
      run.setAttribute(ScriptedAgent.TEXT, task);
      l.chat(run, baggage, OPENAI_MODEL, "You are ledger-agent. You reconcile ledger accounts.", task);
      modelCalls++;
      for (String account : List.of(inv.account(), "1000-bank-operating")) {
        McpSchema.CallToolResult r = ScriptedAgent.call(tools, run, baggage, "ledger-read", Map.of("account", account),
            Map.of());
        toolCalls++;
        if (Boolean.TRUE.equals(r.isError())) {
          run.setStatus(StatusCode.ERROR, text(r));
          failures++;
        }
      }
    } finally {
      run.end();
    }
  }

  /**
   * billing-agent asks the reference agent about the invoice through the session router ({@code POST
   * /api/v1/agents/invoice-agent/invoke}): one session per supplier, so a supplier's invoices are
   * answered in order, and an {@code Idempotency-Key} per question, so a retry never runs it twice.
   * The agent calls the model gateway for the first and the MCP gateway for the second, under the
   * token the router hands it, and exports its own spans, in this logical trace.
   */
  private void askReferenceAgent(Invoice inv, Span root, Baggage outer) {
    ScriptedAgent b = Objects.requireNonNull(billing);
    Span delegating = b.step(root, "delegate " + REFERENCE_AGENT, outer);
    try {
      Baggage baggage = outer.delegatedFrom("billing-agent", delegating);
      String session = "ap-" + inv.account();
      invoke(delegating, baggage, session, inv.id() + "-terms",
          Map.of("input", "Does " + inv.text() + " match the payment terms agreed with " + inv.supplier() + "?"));
      modelCalls++;
      invoke(delegating, baggage, session, inv.id() + "-ledger",
          Map.of("tool", "ledger-read", "arguments", Map.of("account", inv.account())));
      toolCalls++;
    } finally {
      delegating.end();
    }
  }

  private JsonNode invoke(Span parent, Baggage baggage, String session, String idempotencyKey, Object body) {
    Map<String, String> headers = new LinkedHashMap<>(ScriptedAgent.headers(parent, baggage));
    headers.put("Warden-Session", session);
    headers.put("Idempotency-Key", idempotencyKey);
    return warden.expect(warden.send(billingKey, "POST", "/api/v1/agents/" + REFERENCE_AGENT + "/invoke", body,
        headers), "invoking " + REFERENCE_AGENT + " (session " + session + ", key " + idempotencyKey + ")");
  }

  /** A payment over the threshold: the call stays open in the gateway until an approver decides. */
  private Held holdPayment(Invoice inv, Span pay, Baggage baggage, Map<String, Object> args) {
    ScriptedAgent b = Objects.requireNonNull(billing);
    List<String> before = pendingIds();
    CompletableFuture<McpSchema.CallToolResult> result = CompletableFuture.supplyAsync(() -> {
      McpSyncClient client = b.mcp();
      synchronized (open) {
        open.add(client);
      }
      return ScriptedAgent.call(client, pay, baggage, "pay-invoice", args, Map.of());
    }, heldCalls);
    toolCalls++;
    String id = until("the approval of " + inv.id(), Duration.ofSeconds(30), () -> {
      if (result.isDone()) {
        throw new IllegalStateException("payment of " + inv.text() + " was not held: " + result.join());
      }
      List<String> now = pendingIds();
      now.removeAll(before);
      return now.isEmpty() ? null : now.getFirst();
    });
    out.println("demo: " + inv.text() + " is over billing-agent's 1000 USD approval threshold: held as approval " + id);
    return new Held(inv, id, result, pay, baggage);
  }

  private List<String> pendingIds() {
    List<String> ids = new ArrayList<>();
    warden.expect(warden.get(adminToken, "/api/v1/approvals?status=pending&agent=billing-agent"), "listing approvals")
        .path("approvals").forEach(a -> ids.add(a.path("id").asText()));
    return ids;
  }

  private void decide(Held h, boolean approve) {
    People p = Objects.requireNonNull(people);
    String verb = approve ? "approve" : "deny";
    String reason = approve ? "Checked " + h.invoice().id() + " against the purchase order: OK."
        : "Duplicate of an invoice paid last week; asked " + h.invoice().supplier() + " for a credit note.";
    warden.expect(warden.post(p.approverToken(), "/api/v1/approvals/" + h.approvalId() + "/" + verb,
        Map.of("reason", reason)), verb + " approval " + h.approvalId());
    String outcome;
    // billing-agent handles the answer in the payment's trace; a refused payment is an error there.
    Span handled = Objects.requireNonNull(billing).step(h.pay(), "payment decision " + h.invoice().id(), h.baggage());
    try {
      McpSchema.CallToolResult r = h.result().join();
      if (Boolean.TRUE.equals(r.isError())) {
        handled.setStatus(StatusCode.ERROR, "pay-invoice refused: " + text(r));
      }
      outcome = Boolean.TRUE.equals(r.isError()) == approve ? " (the call ended with " + text(r) + ")"
          : approve ? ": paid once" : ": billing-agent was told why";
    } catch (java.util.concurrent.CompletionException e) {
      failures++;
      handled.setStatus(StatusCode.ERROR, String.valueOf(e.getCause()));
      outcome = " (the waiting call failed: " + e.getCause() + ")";
    } finally {
      handled.end();
    }
    out.println("demo: pat " + (approve ? "approved" : "denied") + " the payment of " + h.invoice().text() + outcome);
  }

  private static String text(McpSchema.CallToolResult r) {
    StringBuilder b = new StringBuilder();
    for (McpSchema.Content c : r.content()) {
      b.append(c instanceof McpSchema.TextContent t ? t.text() : c.toString());
    }
    return b.toString();
  }

  /**
   * The shadow candidate sees the same invoice: its payment is captured, not executed, and the
   * clerk's real action for the same invoice is reported, so the pair can be compared. The
   * candidate misreads every seventh invoice's amount: the disagreement the shadow report shows.
   */
  private void shadow(Invoice inv) {
    ScriptedAgent c = Objects.requireNonNull(candidate);
    String intent = "Pay " + inv.text();
    Baggage baggage = Baggage.of(intent);
    Span root = c.startRun(intent, baggage);
    try {
      c.message(root, baggage, ANTHROPIC_MODEL, "You are billing-agent-v2. You pay supplier invoices.",
          "New " + inv.text() + ". What do you pay?");
      modelCalls++;
      BigDecimal proposed = inv.id().hashCode() % 7 == 0
          ? inv.amount().multiply(new BigDecimal("1.1")).setScale(2, RoundingMode.HALF_UP) : inv.amount();
      McpSchema.CallToolResult captured = ScriptedAgent.call(Objects.requireNonNull(candidateTools), root, baggage,
          "pay-invoice", Map.of("supplier", inv.supplier(), "amount_usd", proposed),
          Map.of("correlation_key", inv.id()));
      toolCalls++;
      if (Boolean.TRUE.equals(captured.isError())) {
        failures++;
      }
    } finally {
      root.end();
    }
    People p = Objects.requireNonNull(people);
    warden.expect(warden.post(p.authorToken(), "/api/v1/shadow/billing-agent-v2/human-actions", Map.of(
        "tool", "pay-invoice",
        "arguments", Map.of("supplier", inv.supplier(), "amount_usd", inv.amount()),
        "correlation_key", inv.id())), "reporting the clerk's payment of " + inv.id());
  }

  /**
   * Month-end close: ledger-agent reconciles account after account until its spending (as the cost
   * API reports it) reaches {@link #BUDGET_TARGET} of its {@code spec.budgets.usd_per_day}.
   */
  private void monthEndClose() {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("usd_per_day:\\s*([0-9.]+)")
        .matcher(resource("repo/agents/ledger-agent.yaml"));
    if (!m.find()) {
      throw new IllegalStateException("repo/agents/ledger-agent.yaml has no usd_per_day");
    }
    BigDecimal limit = new BigDecimal(m.group(1));
    BigDecimal target = limit.multiply(BUDGET_TARGET);
    ScriptedAgent b = Objects.requireNonNull(billing);
    int account = 0;
    BigDecimal spent = agentCost("ledger-agent");
    while (spent.compareTo(target) < 0 && account < 200) {
      String intent = "Month-end close: reconcile account 4000-" + (100 + account);
      Baggage baggage = Baggage.of(intent);
      Span root = b.startRun(intent, baggage);
      try {
        Span delegating = b.step(root, "delegate ledger-agent", baggage);
        try {
          reconcile(new Invoice("CLOSE-" + account, "month-end", "4000-" + (100 + account), BigDecimal.ZERO),
              baggage.delegatedFrom("billing-agent", delegating), delegating, intent);
        } finally {
          delegating.end();
        }
      } finally {
        root.end();
      }
      account++;
      BigDecimal before = spent;
      // Spans are priced at ingest: wait until this reconciliation shows in the cost roll-up.
      spent = until("ledger-agent's costs to move", Duration.ofSeconds(20), () -> {
        BigDecimal now = agentCost("ledger-agent");
        return now.compareTo(before) > 0 ? now : null;
      });
    }
    out.println("demo: month-end close: ledger-agent reconciled " + account + " accounts and has spent "
        + spent.setScale(4, RoundingMode.HALF_UP).toPlainString() + " of its " + limit.toPlainString()
        + " USD daily budget");
  }

  /** An agent's total cost from {@code GET /api/v1/costs?group_by=agent}. */
  BigDecimal agentCost(String agent) {
    JsonNode rows = warden.expect(warden.get(adminToken, "/api/v1/costs?group_by=agent"), "reading costs").path("rows");
    for (JsonNode row : rows) {
      if (agent.equals(row.path("key").asText(row.path("group").asText()))) {
        return row.path("totalUsd").isMissingNode() ? row.path("total_usd").decimalValue()
            : row.path("totalUsd").decimalValue();
      }
    }
    return BigDecimal.ZERO;
  }

  // ------------------------------------------------------------------ plumbing

  private <T extends AutoCloseable> T keep(T closeable) {
    synchronized (open) {
      open.add(closeable);
    }
    return closeable;
  }

  /**
   * Polls {@code probe} until it answers non-null, at most {@code within}; a probe that throws ends
   * the wait with its exception.
   */
  static <T> T until(String what, Duration within, java.util.function.Supplier<@Nullable T> probe) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      T value = probe.get();
      if (value != null) {
        return value;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("gave up waiting for " + what + " after " + within.toSeconds() + " s");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      }
    }
  }

  static String resource(String name) {
    try (InputStream in = DemoTraffic.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource io/warden/demo/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Closes the MCP sessions (a held call still waiting ends with them) and flushes the spans. */
  @Override
  public void close() {
    heldCalls.shutdownNow();
    List<AutoCloseable> all;
    synchronized (open) {
      all = new ArrayList<>(open);
      open.clear();
    }
    for (int i = all.size() - 1; i >= 0; i--) {
      try {
        all.get(i).close();
      } catch (Exception e) {
        out.println("demo: closing " + all.get(i).getClass().getSimpleName() + ": " + e.getMessage());
      }
    }
  }
}
