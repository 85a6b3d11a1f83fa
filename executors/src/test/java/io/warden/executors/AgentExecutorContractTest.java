package io.warden.executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.executor.AgentExecutor;
import io.warden.core.executor.ExecutorContext;
import io.warden.core.executor.ExecutorException;
import io.warden.core.executor.ExecutorStatus;
import io.warden.core.executor.Invocation;
import io.warden.core.executor.InvocationResult;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link AgentExecutor} must do, run against a real runtime process (the test agent in
 * {@code src/test/python/test_agent.py}, or one the subclass names). A subclass creates the executor,
 * makes the descriptor whose runtime is that agent, and can kill the runtime; see
 * {@code executors/README.md} ("Writing an adapter").
 */
@Timeout(120)
public abstract class AgentExecutorContractTest {

  protected static final ObjectMapper JSON = new ObjectMapper();
  /** The test agent, a runtime with only the Python standard library. */
  protected static final Path TEST_AGENT = Path.of("src/test/python/test_agent.py").toAbsolutePath();

  @TempDir protected Path tmp;
  protected AgentExecutor executor;
  /** Every token the executor asked for: "agent/session". */
  protected final List<String> minted = new CopyOnWriteArrayList<>();

  /** The executor under test. */
  protected abstract AgentExecutor createExecutor(ExecutorContext context) throws Exception;

  /**
   * A descriptor of agent {@code name} whose runtime is the test agent, with {@code settings} added to
   * its {@code spec.executor.settings}; starts the runtime first when the executor does not.
   */
  protected abstract AgentDescriptor descriptor(String name, Map<String, String> settings) throws Exception;

  /** Kills the agent's runtime (as a crash would). */
  protected abstract void killRuntime(String agent) throws Exception;

  /** Checks that nothing of the agent's runtime is left after {@code remove}. */
  protected void assertRuntimeGone(String agent) throws Exception {}

  @BeforeEach
  void createExecutorUnderTest() throws Exception {
    ExecutorContext context = new ExecutorContext(URI.create("http://127.0.0.1:1/v1"), URI.create("http://127.0.0.1:1/mcp"),
        URI.create("http://127.0.0.1:1"), (agent, session, ttl) -> {
          minted.add(agent + "/" + session);
          return "token-" + agent + "-" + session;
        }, tmp, Clock.systemUTC());
    executor = createExecutor(context);
  }

  @AfterEach
  void closeExecutor() {
    executor.close();
  }

  protected static AgentDescriptor descriptorOf(String name, String type, String endpoint, Map<String, String> settings) {
    return new AgentDescriptor(AgentDescriptor.API_VERSION, AgentDescriptor.KIND,
        new AgentDescriptor.Metadata(name, "team", Map.of()),
        new AgentDescriptor.Spec(new AgentDescriptor.Model("openai", "gpt-4o", "2024-08-06"), null, List.of(), null, null,
            new AgentDescriptor.Executor(type, endpoint, settings), null, null, null, List.of()));
  }

  protected static Map<String, String> with(Map<String, String> base, String... keyValues) {
    Map<String, String> m = new HashMap<>(base);
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put(keyValues[i], keyValues[i + 1]);
    }
    return m;
  }

  protected static Invocation invocation(String agent, String body, Duration timeout) {
    return new Invocation(agent, "s-1", "acme", "idem-1", "application/json", body.getBytes(StandardCharsets.UTF_8),
        Map.of("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tracestate", "vendor=1",
            "baggage", "warden.intent=reconcile"), timeout);
  }

  protected static String message(String text) {
    return "{\"message\":{\"role\":\"user\",\"messageId\":\"m-1\",\"parts\":[{\"kind\":\"text\",\"text\":\"" + text + "\"}]}}";
  }

  protected static JsonNode json(InvocationResult result) throws Exception {
    return JSON.readTree(result.body());
  }

  @Test
  void apply_confirmsTheRevision() throws Exception {
    executor.apply(descriptor("alpha", Map.of()), "rev-1");

    ExecutorStatus status = executor.status("alpha");
    assertThat(status.state()).isEqualTo(ExecutorStatus.State.READY);
    assertThat(status.revision()).isEqualTo("rev-1");
    assertThat(status.message()).isEmpty();
  }

  @Test
  void apply_aNewRevision_isConfirmed() throws Exception {
    executor.apply(descriptor("alpha", Map.of()), "rev-1");
    executor.apply(descriptor("alpha", Map.of()), "rev-2");

    assertThat(executor.status("alpha").revision()).isEqualTo("rev-2");
    InvocationResult result = executor.invoke(invocation("alpha", message("hi"), Duration.ofSeconds(10)));
    assertThat(json(result).at("/result/metadata/revision").asText()).isEqualTo("rev-2");
  }

  @Test
  void apply_whenTheRuntimeReportsAnotherRevision_failsSayingWhich() throws Exception {
    AgentDescriptor stale = descriptor("alpha", Map.of("health_path", "/healthz-stale", "apply_timeout_seconds", "8"));

    assertThatThrownBy(() -> executor.apply(stale, "rev-1"))
        .isInstanceOf(ExecutorException.class)
        .hasMessageContaining("did not confirm revision rev-1")
        .hasMessageContaining("'stale'");
  }

  @Test
  void apply_aBadSetting_isRefusedNamingIt() throws Exception {
    assertThatThrownBy(() -> executor.apply(descriptor("alpha", Map.of("protocol", "soap")), "rev-1"))
        .isInstanceOf(ExecutorException.class)
        .hasMessageContaining("spec.executor.settings.protocol 'soap'")
        .hasMessageContaining("use a2a or json");
  }

  @Test
  void invoke_a2a_roundTrip() throws Exception {
    executor.apply(descriptor("alpha", Map.of()), "rev-1");

    InvocationResult result = executor.invoke(invocation("alpha", message("hello"), Duration.ofSeconds(10)));

    assertThat(result.status()).isEqualTo(200);
    JsonNode answer = json(result);
    assertThat(answer.path("jsonrpc").asText()).isEqualTo("2.0");
    assertThat(answer.path("id").asText()).isEqualTo("idem-1");
    assertThat(answer.at("/result/parts/0/text").asText()).isEqualTo("echo: hello");
    assertThat(answer.at("/result/metadata/method").asText()).isEqualTo("message/send");
  }

  @Test
  void invoke_a2aStream_returnsTheWholeEventStream() throws Exception {
    executor.apply(descriptor("alpha", Map.of()), "rev-1");
    String rpc = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"message/stream\",\"params\":" + message("streamed") + "}";

    InvocationResult result = executor.invoke(invocation("alpha", rpc, Duration.ofSeconds(10)));

    assertThat(result.contentType()).startsWith("text/event-stream");
    String events = new String(result.body(), StandardCharsets.UTF_8);
    assertThat(events.split("\n\n")).hasSize(2);
    assertThat(events).contains("\"state\": \"working\"").contains("echo: streamed");
  }

  @Test
  void invoke_a2aStream_relaysEachEventAsTheRuntimeSendsIt() throws Exception {
    executor.apply(descriptor("alpha", Map.of()), "rev-1");
    Path gate = tmp.resolve("gate");
    List<String> events = new CopyOnWriteArrayList<>();
    Invocation held = invocation("alpha", streamRpc("gate:" + gate), Duration.ofSeconds(60));
    CompletableFuture<InvocationResult> done = CompletableFuture.supplyAsync(() -> {
      try {
        return executor.invoke(held, events::add);
      } catch (ExecutorException e) {
        throw new CompletionException(e);
      }
    });

    await().atMost(Duration.ofSeconds(30)).until(() -> !events.isEmpty());
    assertThat(events.getFirst()).startsWith("data: ").contains("\"working\"");
    assertThat(done).as("the runtime holds the last event until the gate opens").isNotDone();
    assertThat(events).hasSize(1);

    Files.createFile(gate);
    InvocationResult result = done.get(30, TimeUnit.SECONDS);
    assertThat(events).hasSize(2);
    assertThat(events.get(1)).contains("echo: released");
    assertThat(result.contentType()).startsWith("text/event-stream");
    assertThat(new String(result.body(), StandardCharsets.UTF_8))
        .as("the whole answer still comes back at the end").isEqualTo(events.get(0) + "\n\n" + events.get(1) + "\n\n");
  }

  @Test
  void invoke_a2aStream_cutMidway_failsAsMaybeRun_afterRelayingWhatArrived() throws Exception {
    executor.apply(descriptor("alpha", Map.of()), "rev-1");
    List<String> events = new CopyOnWriteArrayList<>();

    assertThatThrownBy(() -> executor.invoke(invocation("alpha", streamRpc("break"), Duration.ofSeconds(30)), events::add))
        .isInstanceOfSatisfying(ExecutorException.class, e -> assertThat(e.retryable()).isFalse())
        .hasMessageContaining("may have run");
    assertThat(events).hasSize(1);
    assertThat(events.getFirst()).contains("\"working\"");
  }

  protected static String streamRpc(String text) {
    return "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"message/stream\",\"params\":" + message(text) + "}";
  }

  @Test
  void invoke_a2aVersion1_usesSendMessage() throws Exception {
    executor.apply(descriptor("alpha", Map.of("a2a_version", "1.0")), "rev-1");

    InvocationResult result = executor.invoke(invocation("alpha", "plain words", Duration.ofSeconds(10)));

    assertThat(json(result).at("/result/metadata/method").asText()).isEqualTo("SendMessage");
    assertThat(json(result).at("/result/parts/0/text").asText()).isEqualTo("echo: plain words");
  }

  @Test
  void invoke_plainJson_roundTrip() throws Exception {
    executor.apply(descriptor("alpha", Map.of("protocol", "json")), "rev-1");

    InvocationResult result = executor.invoke(invocation("alpha", "{\"text\":\"hi\"}", Duration.ofSeconds(10)));

    assertThat(result.status()).isEqualTo(200);
    assertThat(json(result).path("text").asText()).isEqualTo("echo: hi");
  }

  @Test
  void invoke_passesTraceHeadersSessionAndASessionScopedToken() throws Exception {
    executor.apply(descriptor("alpha", Map.of("protocol", "json")), "rev-1");

    JsonNode headers = json(executor.invoke(invocation("alpha", "{\"text\":\"hi\"}", Duration.ofSeconds(10))))
        .path("headers");

    assertThat(headers.path("traceparent").asText()).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    assertThat(headers.path("tracestate").asText()).isEqualTo("vendor=1");
    assertThat(headers.path("baggage").asText()).isEqualTo("warden.intent=reconcile");
    assertThat(headers.path("warden-session").asText()).isEqualTo("s-1");
    assertThat(headers.path("warden-tenant").asText()).isEqualTo("acme");
    assertThat(headers.path("idempotency-key").asText()).isEqualTo("idem-1");
    assertThat(headers.path("warden-agent-token").asText()).isEqualTo("token-alpha-s-1");
    assertThat(minted).contains("alpha/s-1");
  }

  @Test
  void invoke_slowerThanItsTimeout_fails() throws Exception {
    executor.apply(descriptor("alpha", Map.of()), "rev-1");

    assertThatThrownBy(() -> executor.invoke(invocation("alpha", message("sleep:5"), Duration.ofMillis(500))))
        .isInstanceOfSatisfying(ExecutorException.class, e -> assertThat(e.retryable()).isFalse())
        .hasMessageContaining("did not answer the request within 500 ms");
  }

  @Test
  void invoke_whenTheRuntimeCrashesMidRequest_failsAsMaybeRun() throws Exception {
    executor.apply(descriptor("alpha", Map.of("restart_backoff_ms", "600000")), "rev-1");

    assertThatThrownBy(() -> executor.invoke(invocation("alpha", message("crash"), Duration.ofSeconds(10))))
        .isInstanceOfSatisfying(ExecutorException.class, e -> assertThat(e.retryable()).isFalse())
        .hasMessageContaining("it may have run");
  }

  @Test
  void invoke_whenTheRuntimeIsDown_failsAsNotRun() throws Exception {
    executor.apply(descriptor("alpha", Map.of("restart_backoff_ms", "600000")), "rev-1");
    killRuntime("alpha");
    await().atMost(Duration.ofSeconds(10)).until(() -> executor.status("alpha").state() == ExecutorStatus.State.DEGRADED);

    assertThatThrownBy(() -> executor.invoke(invocation("alpha", message("hello"), Duration.ofSeconds(5))))
        .isInstanceOfSatisfying(ExecutorException.class, e -> assertThat(e.retryable()).isTrue())
        .hasMessageContaining("did not run");
  }

  @Test
  void status_whenTheRuntimeIsDown_isDegradedWithAClearMessage() throws Exception {
    executor.apply(descriptor("alpha", Map.of("restart_backoff_ms", "600000")), "rev-1");
    killRuntime("alpha");

    await().atMost(Duration.ofSeconds(10)).until(() -> executor.status("alpha").state() == ExecutorStatus.State.DEGRADED);
    assertThat(executor.status("alpha").message()).isNotBlank().satisfies(this::assertDownMessage);
  }

  /** What a DEGRADED message says when the runtime is down; subclasses name their cause. */
  protected void assertDownMessage(String message) {
    assertThat(message).containsAnyOf("connection refused", "exited with status");
  }

  @Test
  void status_ofAnUnknownAgent_isStopped() {
    assertThat(executor.status("nobody").state()).isEqualTo(ExecutorStatus.State.STOPPED);
  }

  @Test
  void remove_stopsIt() throws Exception {
    executor.apply(descriptor("alpha", Map.of()), "rev-1");

    executor.remove("alpha");

    assertThat(executor.status("alpha").state()).isEqualTo(ExecutorStatus.State.STOPPED);
    assertThatThrownBy(() -> executor.invoke(invocation("alpha", message("hello"), Duration.ofSeconds(5))))
        .isInstanceOfSatisfying(ExecutorException.class, e -> assertThat(e.retryable()).isTrue())
        .hasMessageContaining("not applied");
    assertRuntimeGone("alpha");
    executor.remove("alpha"); // removing an unknown agent is not an error
  }
}
