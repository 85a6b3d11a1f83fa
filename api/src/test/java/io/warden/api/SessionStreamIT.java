package io.warden.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.core.audit.AuditLog;
import io.warden.core.budget.BudgetLedger;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.executor.AgentExecutor;
import io.warden.core.executor.ExecutorContext;
import io.warden.core.identity.Role;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.core.inventory.SyncStatus;
import io.warden.core.session.SessionRouter;
import io.warden.core.store.StateStore;
import io.warden.executors.http.HttpAgentExecutorProvider;
import io.warden.executors.session.SessionRouters;
import io.warden.testing.TestPorts;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /api/v1/agents/{name}/invoke} with {@code Accept: text/event-stream}: an A2A
 * {@code message/stream} answer relayed event by event, on the real API server, the real session
 * router and the real {@code http} executor, against the executors' test agent (a Python process this
 * test starts) that holds its last event until the test opens a gate.
 */
@Timeout(120)
class SessionStreamIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path TEST_AGENT = Path.of("../executors/src/test/python/test_agent.py").toAbsolutePath().normalize();

  @TempDir Path dir;
  private final Inventory inventory = Inventory.create();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private Process runtime;
  private AgentExecutor executor;
  private StateStore sessionStore;
  private AuditLog audit;
  private StateStore ledgerState;
  private BudgetLedger ledger;
  private SessionRouter router;
  private ApiFixture api;
  private String operator;

  /** What the client read of an event stream: status, headers and every line, as they arrived. */
  record Relay(int status, Map<String, List<String>> headers, List<String> lines, CompletableFuture<Void> ended) {
    String text() {
      return String.join("\n", lines);
    }
  }

  @BeforeEach
  void start() throws Exception {
    int port = TestPorts.free();
    runtime = new ProcessBuilder("python3", TEST_AGENT.toString(), Integer.toString(port))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return true;
      }
    });
    executor = new HttpAgentExecutorProvider().create(new ExecutorContext(URI.create("http://127.0.0.1:1/v1"),
        URI.create("http://127.0.0.1:1/mcp"), URI.create("http://127.0.0.1:1"),
        (agent, session, ttl) -> "token-" + agent + "-" + session, dir.resolve("executors"), Clock.systemUTC()));
    AgentDescriptor d = new AgentDescriptor(AgentDescriptor.API_VERSION, AgentDescriptor.KIND,
        new AgentDescriptor.Metadata("streamer", "platform", Map.of()),
        new AgentDescriptor.Spec(null, new AgentDescriptor.Memory("session", null), List.of(), null, null,
            new AgentDescriptor.Executor("http", "http://127.0.0.1:" + port, Map.of()),
            new AgentDescriptor.Scaling(4, 1, "session"), null, null, List.of()));
    executor.apply(d, "rev1");
    inventory.replace("c0ffee", List.of(new AgentState(d, "rev1", SyncStatus.SYNCED, "", Instant.now())));
    sessionStore = StateStore.open(dir.resolve("sessions.mv"));
    audit = AuditLog.open(dir.resolve("router-audit.log"));
    ledgerState = StateStore.open(dir.resolve("ledger.mv"));
    ledger = BudgetLedger.open(ledgerState, Clock.systemUTC(), Duration.ZERO);
    router = SessionRouters.builder().setStore(sessionStore).setInventory(inventory)
        .setExecutors(Map.of("http", executor)).setAuditLog(audit).setBudgetLedger(ledger).build();
    api = new ApiFixture(dir.resolve("api"), Map.of(), List.of(new SessionRoutes(router)));
    operator = api.identity.createUser(api.admin, "olga", Role.AUTHOR, Set.of()).secret();
  }

  @AfterEach
  void stop() throws Exception {
    api.close();
    router.close();
    ledger.close();
    ledgerState.close();
    audit.close();
    sessionStore.close();
    executor.close();
    runtime.destroyForcibly().waitFor();
  }

  private static String rpc(String method, String text) {
    return "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"" + method + "\",\"params\":{\"message\":{\"role\":\"user\","
        + "\"messageId\":\"m-1\",\"parts\":[{\"kind\":\"text\",\"text\":\"" + text + "\"}]}}}";
  }

  private HttpRequest.Builder request(String session, Map<String, String> headers, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(api.uri("/api/v1/agents/streamer/invoke"))
        .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + operator)
        .header("Warden-Session", session);
    headers.forEach(b::header);
    return b;
  }

  /** Sends with {@code Accept: text/event-stream} and reads the answer line by line as it arrives. */
  private CompletableFuture<Relay> stream(String session, Map<String, String> headers, String body) {
    HttpRequest r = request(session, headers, body).header("Accept", "text/event-stream").build();
    return http.sendAsync(r, HttpResponse.BodyHandlers.ofLines()).thenApply(response -> {
      List<String> lines = new CopyOnWriteArrayList<>();
      CompletableFuture<Void> ended = new CompletableFuture<>();
      Thread.ofVirtual().start(() -> {
        try (Stream<String> s = response.body()) {
          s.forEach(lines::add);
          ended.complete(null);
        } catch (RuntimeException e) {
          ended.completeExceptionally(e);
        }
      });
      return new Relay(response.statusCode(), response.headers().map(), lines, ended);
    });
  }

  private CompletableFuture<HttpResponse<String>> send(String session, Map<String, String> headers, String body) {
    return http.sendAsync(request(session, headers, body).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void messageStream_firstEventReachesTheCaller_whileTheRuntimeHoldsTheRest_laneHeld_recordKeepsTheWhole()
      throws Exception {
    Path gate = dir.resolve("gate");
    Relay relay = stream("s1", Map.of("Idempotency-Key", "k1"), rpc("message/stream", "gate:" + gate))
        .get(30, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(30)).until(() -> relay.text().contains("\"working\""));
    assertThat(relay.status()).isEqualTo(200);
    assertThat(relay.headers().get("content-type")).singleElement().asString().startsWith("text/event-stream");
    assertThat(relay.headers().get("warden-session")).containsExactly("s1");
    assertThat(relay.text()).as("the runtime holds its last event until the gate opens").doesNotContain("released");
    assertThat(relay.ended()).isNotDone();

    // The session's lane is held while it streams: its next request waits (the queue's one place),
    // and one more is refused.
    CompletableFuture<HttpResponse<String>> b = send("s1", Map.of("Accept", "text/event-stream"),
        rpc("message/send", "after"));
    CompletableFuture<HttpResponse<String>> c = send("s1", Map.of(), rpc("message/send", "later"));
    await().atMost(Duration.ofSeconds(30)).until(() -> b.isDone() || c.isDone());
    HttpResponse<String> refused = (b.isDone() ? b : c).join();
    CompletableFuture<HttpResponse<String>> waiting = b.isDone() ? c : b;
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
    assertThat(waiting).isNotDone();
    assertThat(relay.ended()).isNotDone();

    Files.createFile(gate);
    relay.ended().get(30, TimeUnit.SECONDS);
    List<String> data = relay.lines().stream().filter(l -> l.startsWith("data: ")).toList();
    assertThat(data).hasSize(2);
    assertThat(JSON.readTree(data.get(0).substring(6)).at("/result/status/state").asText()).isEqualTo("working");
    assertThat(JSON.readTree(data.get(1).substring(6)).at("/result/parts/0/text").asText()).isEqualTo("echo: released");
    HttpResponse<String> next = waiting.get(30, TimeUnit.SECONDS);
    assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
    assertThat(next.headers().firstValue("content-type").orElseThrow())
        .as("an answer that is not streamed comes back whole, as before").startsWith("application/json");
    assertThat(JSON.readTree(next.body()).at("/result/metadata/method").asText()).isEqualTo("message/send");

    // The idempotency record keeps the whole stream: a retry gets it at once, streamed or not.
    String whole = relay.text() + "\n";
    Relay again = stream("s1", Map.of("Idempotency-Key", "k1"), rpc("message/stream", "gate:" + gate))
        .get(30, TimeUnit.SECONDS);
    again.ended().get(30, TimeUnit.SECONDS);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.text() + "\n").isEqualTo(whole);
    HttpResponse<String> plain = send("s1", Map.of("Idempotency-Key", "k1"), rpc("message/stream", "gate:" + gate))
        .get(30, TimeUnit.SECONDS);
    assertThat(plain.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
    assertThat(plain.body().lines().toList()).isEqualTo(relay.lines());
  }

  @Test
  void streamCutMidway_endsWithAFinalErrorEvent_inTheErrorShape() throws Exception {
    Relay relay = stream("s2", Map.of(), rpc("message/stream", "break")).get(30, TimeUnit.SECONDS);

    relay.ended().get(30, TimeUnit.SECONDS);
    assertThat(relay.status()).isEqualTo(200);
    List<String> lines = relay.lines();
    assertThat(lines.getFirst()).startsWith("data: ").contains("\"working\"");
    int error = lines.indexOf("event: error");
    assertThat(error).as(relay.text()).isPositive();
    assertThat(lines.subList(error + 2, lines.size())).allSatisfy(l -> assertThat(l).isEmpty());
    JsonNode body = JSON.readTree(lines.get(error + 1).substring("data: ".length()));
    assertThat(body.path("code").asText()).isEqualTo("executor_failed");
    assertThat(body.path("message").asText()).contains("agent streamer").contains("may have run");
    assertThat(body.path("errors").isArray()).isTrue();
  }
}
