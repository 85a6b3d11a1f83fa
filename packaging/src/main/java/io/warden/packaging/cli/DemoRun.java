package io.warden.packaging.cli;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.warden.core.WardenException;
import io.warden.demo.DemoTraffic;
import io.warden.demo.standin.ProviderStandIn;
import io.warden.demo.standin.UpstreamMcpServer;
import io.warden.packaging.Appliance;
import io.warden.packaging.config.WardenConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * What {@link DemoCommand} runs: Warden on its embedded defaults (ports from the environment as
 * for {@code run}, never the user's data) with a model provider and an ERP system standing in on
 * free ports, then a minute of agent traffic through the real paths ({@link DemoTraffic}), then a
 * summary of where to look. It keeps running until Ctrl-C or SIGTERM, which stop everything. Kept
 * apart from {@link DemoCommand} so that the command tree, which the short client class path also
 * loads, never sees the demo's classes.
 */
final class DemoRun {
  private final long durationSeconds;
  private final @Nullable Path data;

  DemoRun(long durationSeconds, @Nullable Path data) {
    this.durationSeconds = durationSeconds;
    this.data = data;
  }

  int call() throws Exception {
    if (durationSeconds < 1 || durationSeconds > 3600) {
      throw new WardenException("invalid_input", "--duration must be 1..3600 seconds, got " + durationSeconds);
    }
    Path dir = dataDirectory();
    PrintStream out = System.out;
    // The SDK's and Jetty's start-up and session lines would bury the demo's own.
    for (String noisy : new String[] {"io.modelcontextprotocol", "org.eclipse.jetty"}) {
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(noisy))
          .setLevel(ch.qos.logback.classic.Level.WARN);
    }
    // Warden's embedded defaults (not ./warden.yaml), with the WARDEN_* ports and the demo's
    // stand-ins as the model providers (they need no key).
    WardenConfig cfg = WardenConfig.load(null, System.getenv()).with("data_dir", dir.toString());

    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    ProviderStandIn provider = null;
    UpstreamMcpServer erp = null;
    Appliance app = null;
    try {
      provider = new ProviderStandIn(vertx).start();
      erp = new UpstreamMcpServer();
      cfg = cfg.with("gateway.providers.openai.base_url", provider.openAiBaseUrl())
          .with("gateway.providers.openai.api_key_env", "")
          .with("gateway.providers.anthropic.base_url", provider.anthropicBaseUrl())
          .with("gateway.providers.anthropic.api_key_env", "");
      out.println("demo: model provider stand-in on " + provider.openAiBaseUrl() + ", ERP MCP server stand-in on "
          + erp.url() + ", data in " + dir);
      app = RunCommand.start(cfg);
    } catch (Exception | Error e) {
      closeQuietly(erp);
      closeQuietly(provider);
      vertx.close().await(5, TimeUnit.SECONDS);
      throw e;
    }
    String host = cfg.string("http.host");
    URI api = URI.create("http://" + host + ":" + app.httpPort() + "/");
    URI otlp = URI.create("http://" + cfg.string("otlp.host") + ":" + app.otlpHttpPort() + "/");
    String adminToken = Files.readString(dir.resolve("admin-token"), StandardCharsets.UTF_8).strip();
    DemoTraffic traffic = DemoTraffic.create(api, otlp, erp.url(), adminToken,
        Path.of(System.getProperty("warden.root", ".")), out);
    ProviderStandIn providerToClose = provider;
    UpstreamMcpServer erpToClose = erp;
    // Ctrl-C at any point: the traffic first, then Warden, then the stand-ins.
    CountDownLatch stopped = RunCommand.stopOnSignal("Warden demo", traffic, app, erpToClose, providerToClose,
        () -> vertx.close().await(5, TimeUnit.SECONDS));

    try {
      DemoTraffic.People people = traffic.setUp();
      out.println("demo: driving " + durationSeconds + " s of traffic: invoices paid by billing-agent, delegations to "
          + "ledger-agent" + (traffic.agents().contains(DemoTraffic.REFERENCE_AGENT)
          ? ", questions to " + DemoTraffic.REFERENCE_AGENT + " through the session router" : "")
          + ", payments held for approval, billing-agent-v2 in shadow");
      DemoTraffic.Summary summary = traffic.drive(Duration.ofSeconds(durationSeconds));
      out.println(whereToLook(cfg, api, otlp, dir, people, summary));
    } catch (RuntimeException e) {
      // Warden stays up so what did happen can be looked at; the log above says where it went wrong.
      org.slf4j.LoggerFactory.getLogger(DemoRun.class).debug("demo traffic failed", e);
      out.println("demo: the traffic stopped early: " + e.getMessage() + "\nWarden keeps running at " + api
          + " (admin token " + adminToken + ", data " + dir + "); Ctrl-C stops it.");
    }
    out.flush();
    stopped.await();
    return 0;
  }

  private Path dataDirectory() throws IOException {
    if (data == null) {
      return Files.createTempDirectory("warden-demo-").toAbsolutePath();
    }
    Path dir = data.toAbsolutePath().normalize();
    if (Files.isDirectory(dir)) {
      try (var entries = Files.list(dir)) {
        if (entries.findAny().isPresent()) {
          throw new WardenException("invalid_input", "--data " + dir + " is not empty: the demo starts from an "
              + "empty directory; give a new one, or leave --data out for a temporary one");
        }
      }
    }
    return Files.createDirectories(dir);
  }

  static String whereToLook(WardenConfig cfg, URI api, URI otlp, Path dir, DemoTraffic.People people,
      DemoTraffic.Summary s) {
    String server = api.toString().replaceAll("/$", "");
    String pending = s.pendingApprovals().isEmpty() ? "<id>" : s.pendingApprovals().getFirst();
    return """

        Warden demo is running: %d invoices, %d model calls and %d tool calls so far, %d payments held for approval.

          Console   http://%s:%d    log in as %s with token %s
                    (or as %s, approver in team platform: %s)
          API       %s/api/v1
          OTLP      %s (HTTP)
          Data      %s (a new directory; delete it when done)

        Try (in another terminal):
          export WARDEN_URL=%s WARDEN_TOKEN=%s
          ./warden agents list
          ./warden agents show billing-agent
          ./warden traces search 'invoice AND Acme' --agent billing-agent
          ./warden traces logical %s        # billing-agent -> ledger-agent, one logical trace
          ./warden traces costs --group-by agent        # ledger-agent is near its daily budget
          ./warden approvals list --status pending
          WARDEN_TOKEN=%s ./warden approvals approve %s --reason "checked the purchase order"
          curl -s -H "Authorization: Bearer $WARDEN_TOKEN" %s/api/v1/agents/billing-agent-v2/shadow
          curl -s -H "Authorization: Bearer $WARDEN_TOKEN" '%s/api/v1/sessions?agent=invoice-agent'

        Ctrl-C stops Warden and the stand-ins.
        """.formatted(s.invoices(), s.modelCalls(), s.toolCalls(), s.heldPayments(),
        cfg.string("http.host"), cfg.port("console.port"), "admin", people.adminToken(),
        people.approverName(), people.approverToken(), server, otlp, dir,
        server, people.adminToken(), s.lastTraceId(), people.approverToken(), pending, server, server);
  }

  private static void closeQuietly(@Nullable AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception ignored) {
        // already failing: the start-up error is what the user needs to see
      }
    }
  }
}
