package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The session router as the packaged appliance wires it: its routes are mounted behind
 * authentication, its store is under the data directory, and what it cannot run is refused with the
 * API's error shape; its defaults come from {@code warden.yaml}'s {@code sessions.*} (here set by
 * environment variables); suspend and resume through the API are audited. (Runs against real runtimes
 * are the adapters' tests; the router's own behaviour is tested in executors and api with a stand-in
 * runtime.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionRoutesApplianceIT {
  private static final String AGENT = """
      apiVersion: agent.os/v1
      kind: Agent
      metadata:
        name: clerk
        owner: finance-platform
      spec:
        model:
          provider: anthropic
          name: claude-opus-4-7
          pinned_revision: "2026-02-14"
        memory:
          type: session
        tools:
          - mcp://gateway/ledger-read
        budgets:
          calls_per_hour: 100
          usd_per_day: 10
      """;

  /** An agent run by {@link #runtime}, without {@code spec.scaling}: the {@code sessions.*} defaults apply. */
  private static final String RUNNER = """
      apiVersion: agent.os/v1
      kind: Agent
      metadata:
        name: runner
        owner: finance-platform
      spec:
        model:
          provider: anthropic
          name: claude-opus-4-7
          pinned_revision: "2026-02-14"
        budgets:
          calls_per_hour: 100
          usd_per_day: 10
        memory:
          type: session
        executor:
          type: http
          endpoint: http://127.0.0.1:%d
          settings:
            protocol: json
            configure_path: none
            confirm_revision: "false"
      """;

  @TempDir static Path tmp;
  private WardenProcess warden;
  private String alice;
  private String vic;
  private HttpServer runtime;
  private final AtomicInteger holding = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeAll
  void start() throws Exception {
    runtime = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    runtime.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    runtime.createContext("/healthz", ex -> answer(ex, "{\"status\":\"ok\"}"));
    runtime.createContext("/invoke", ex -> {
      if (WardenProcess.JSON.readTree(ex.getRequestBody().readAllBytes()).path("hold").asBoolean()) {
        holding.incrementAndGet();
        try {
          release.await(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      answer(ex, "{\"ok\":true}");
    });
    runtime.start();
    warden = WardenProcess.start(tmp.resolve("data"), Map.of("WARDEN_SESSIONS_DEFAULT_MAX_CONCURRENCY", "1",
        "WARDEN_SESSIONS_DEFAULT_MAX_QUEUE", "1"));
    String admin = warden.adminToken();
    alice = warden.post(admin, "/api/v1/users", Map.of("name", "alice", "role", "author")).body().path("token").asText();
    vic = warden.post(admin, "/api/v1/users", Map.of("name", "vic", "role", "viewer")).body().path("token").asText();
    String bob = warden.post(admin, "/api/v1/users", Map.of("name", "bob", "role", "approver", "teams", List.of()))
        .body().path("token").asText();
    warden.mergeChange(alice, bob, "Add clerk", Map.of("agents/clerk.yaml", AGENT));
    warden.mergeChange(alice, bob, "Add runner", Map.of("agents/runner.yaml",
        RUNNER.formatted(runtime.getAddress().getPort())));
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
        warden.get(alice, "/api/v1/agents/runner").body().path("status").asText().equals("SYNCED"));
  }

  private static void answer(HttpExchange ex, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("content-type", "application/json");
    ex.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @AfterAll
  void stop() throws Exception {
    release.countDown();
    warden.close();
    runtime.stop(0);
  }

  @Test
  void sessionsDefaults_fromWardenYamlKeys_reachTheRouter_forAnAgentWithoutSpecScaling() throws Exception {
    // WARDEN_SESSIONS_DEFAULT_MAX_CONCURRENCY=1, WARDEN_SESSIONS_DEFAULT_MAX_QUEUE=1: one runs, one waits,
    // the next is refused 429 (with the built-in defaults, 16 and 64, all three would be admitted)
    HttpClient client = HttpClient.newHttpClient();
    java.util.function.Function<String, CompletableFuture<HttpResponse<String>>> invoke = body ->
        client.sendAsync(HttpRequest.newBuilder(warden.uri("/api/v1/agents/runner/invoke"))
            .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + alice)
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
    CompletableFuture<HttpResponse<String>> held = invoke.apply("{\"hold\":true}");
    await().atMost(Duration.ofSeconds(30)).until(() -> holding.get() == 1);
    CompletableFuture<HttpResponse<String>> second = invoke.apply("{}");
    CompletableFuture<HttpResponse<String>> third = invoke.apply("{}");
    // whichever of the two came second finds the queue full and is answered at once; the other waits
    CompletableFuture.anyOf(second, third).get(30, TimeUnit.SECONDS);
    HttpResponse<String> refused = second.isDone() ? second.join() : third.join();
    CompletableFuture<HttpResponse<String>> queued = second.isDone() ? third : second;
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
    assertThat(refused.body()).contains("max_queue 1").contains("max_concurrency 1");
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    assertThat(queued.isDone()).isFalse();
    release.countDown();
    assertThat(held.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(queued.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
  }

  @Test
  void suspendAndResume_throughTheApi_areAuditedAsTheCaller_aRefusedOneIsNot() throws Exception {
    WardenProcess.Response first = warden.post(alice, "/api/v1/agents/runner/invoke", Map.of("session_id", "audited"));
    assertThat(first.status()).as(first.body().toString()).isEqualTo(200);
    assertThat(warden.post(vic, "/api/v1/sessions/audited/suspend", Map.of()).status()).isEqualTo(403);
    WardenProcess.Response parked = warden.post(alice, "/api/v1/sessions/audited/suspend",
        Map.of("waiting_for", "tool:erp"));
    assertThat(parked.status()).as(parked.body().toString()).isEqualTo(200);
    assertThat(warden.post(alice, "/api/v1/sessions/audited/resume", Map.of()).status()).isEqualTo(200);

    var events = warden.get(vic, "/api/v1/audit?action=session.&limit=1000").body().path("events");
    assertThat(events).extracting(e -> e.path("actor").asText() + " " + e.path("action").asText() + " "
        + e.path("target").asText() + " " + e.path("details").path("agent").asText())
        .containsExactly("user:alice session.suspend session/audited runner",
            "user:alice session.resume session/audited runner");
  }

  @Test
  void aBadSessionsSetting_failsStartup_namingTheKey() {
    assertThatThrownBy(() -> WardenProcess.start(tmp.resolve("bad"), Map.of("WARDEN_SESSIONS_DEFAULT_MAX_QUEUE",
        "0")).close())
        .hasMessageContaining("WARDEN_SESSIONS_DEFAULT_MAX_QUEUE: sessions.default_max_queue: must be a whole number"
            + " from 1 to 2147483647, got '0'");
  }

  @Test
  void routesAreMounted_andRefusalsAreClear() throws Exception {
    WardenProcess.Response listed = warden.get(vic, "/api/v1/sessions?agent=clerk");
    assertThat(listed.status()).as(listed.body().toString()).isEqualTo(200);
    assertThat(listed.body().path("sessions").isArray()).isTrue();
    assertThat(Files.exists(tmp.resolve("data").resolve("sessions").resolve("sessions.mv"))).isTrue();

    WardenProcess.Response unknown = warden.post(alice, "/api/v1/agents/nobot/invoke", Map.of("session_id", "s1"));
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.body().path("message").asText()).contains("no agent 'nobot'");

    WardenProcess.Response noRuntime = warden.post(alice, "/api/v1/agents/clerk/invoke", Map.of("session_id", "s1"));
    assertThat(noRuntime.status()).isEqualTo(409);
    assertThat(noRuntime.body().path("code").asText()).isEqualTo("conflict");
    assertThat(noRuntime.body().path("message").asText()).contains("agent clerk has no spec.executor");

    WardenProcess.Response byViewer = warden.post(vic, "/api/v1/agents/clerk/invoke", Map.of());
    assertThat(byViewer.status()).isEqualTo(403);
    assertThat(warden.post(alice, "/api/v1/sessions/s1/resume", Map.of()).status()).isEqualTo(404);
    assertThat(warden.get(null, "/api/v1/sessions").status()).isEqualTo(401);
  }
}
