package io.warden.executors.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.executor.ExecutorContext;
import io.warden.core.executor.ExecutorStatus;
import io.warden.core.executor.Invocation;
import io.warden.core.executor.InvocationResult;
import io.warden.demo.standin.UpstreamMcpServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference agent ({@code examples/agents/reference_agent.py}, with the official OpenAI SDK and
 * the OTel SDK from {@code .tools/agents-venv}) launched by the process executor: an A2A request
 * becomes a model call at the "gateway" (here an OpenAI stand-in in the real wire format) with the
 * session's token and the caller's trace, and its spans are exported over OTLP/HTTP with the agent's
 * token. packaging's ExecutorIT runs it against the real gateway and trace store.
 */
@Timeout(180)
class ReferenceAgentTest {

  static final ObjectMapper JSON = new ObjectMapper();
  record Received(String path, Map<String, String> headers, byte[] body) {}

  @TempDir Path tmp;
  private final Vertx vertx = Vertx.vertx();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private ProcessExecutor executor;

  @AfterEach
  void stop() throws Exception {
    if (executor != null) {
      executor.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** An OpenAI Chat Completions stand-in and an OTLP/HTTP sink on one port. */
  private int startStandIn() throws Exception {
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      Map<String, String> headers = new java.util.TreeMap<>();
      req.headers().forEach(h -> headers.put(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue()));
      received.add(new Received(req.path(), headers, b.getBytes()));
      if (req.path().equals("/v1/chat/completions")) {
        req.response().putHeader("content-type", "application/json").end("{\"id\":\"chatcmpl-1\",\"object\":"
            + "\"chat.completion\",\"created\":1764460800,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,"
            + "\"message\":{\"role\":\"assistant\",\"content\":\"The wombat ledger balances.\"},\"finish_reason\":"
            + "\"stop\"}],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":5,\"total_tokens\":16}}");
      } else {
        req.response().putHeader("content-type", "application/x-protobuf").end();
      }
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return server.actualPort();
  }

  private static String latin1(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    return Files.isDirectory(dir.resolve("examples")) ? dir : dir.getParent();
  }

  static Path venvPython() {
    Path python = root().resolve(".tools/agents-venv/bin/python");
    if (!Files.isExecutable(python)) {
      throw new IllegalStateException("the reference agent needs its Python packages but " + python
          + " does not exist; run scripts/install.sh --test (scripts/install.d/agents.sh)");
    }
    return python;
  }

  @Test
  void referenceAgent_callsTheModelGatewayWithItsTokenAndTraceAndExportsItsSpans() throws Exception {
    int port = startStandIn();
    URI base = URI.create("http://127.0.0.1:" + port);
    executor = ProcessExecutor.create(new ExecutorContext(base.resolve("/v1"), base.resolve("/mcp"), base,
        (agent, session, ttl) -> "token-" + agent + "-" + session, tmp, Clock.systemUTC()), root());
    AgentDescriptor descriptor = new AgentDescriptor(AgentDescriptor.API_VERSION, AgentDescriptor.KIND,
        new AgentDescriptor.Metadata("ledger-bot", "finance", Map.of()),
        new AgentDescriptor.Spec(new AgentDescriptor.Model("openai", "gpt-4o", "2024-08-06"), null, List.of(), null, null,
            new AgentDescriptor.Executor("process", "file://examples/agents/reference_agent.py",
                Map.of("interpreter", venvPython().toString(), "apply_timeout_seconds", "120")),
            null, null, null, List.of()));

    executor.apply(descriptor, "rev-ref-1");
    assertThat(executor.status("ledger-bot").state()).isEqualTo(ExecutorStatus.State.READY);

    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    InvocationResult result = executor.invoke(new Invocation("ledger-bot", "s-9", null, null, "application/json",
        "{\"message\":{\"role\":\"user\",\"messageId\":\"m1\",\"parts\":[{\"kind\":\"text\",\"text\":\"Does the ledger balance?\"}]}}"
            .getBytes(StandardCharsets.UTF_8),
        Map.of("traceparent", "00-" + trace + "-00f067aa0ba902b7-01"), Duration.ofSeconds(60)));

    JsonNode answer = JSON.readTree(result.body());
    assertThat(answer.at("/result/parts/0/text").asText()).as(answer.toString()).isEqualTo("The wombat ledger balances.");
    Received model = received.stream().filter(r -> r.path().equals("/v1/chat/completions")).findFirst().orElseThrow();
    assertThat(model.headers()).containsEntry("authorization", "Bearer token-ledger-bot-s-9");
    assertThat(model.headers().get("traceparent")).startsWith("00-" + trace + "-");
    assertThat(JSON.readTree(model.body()).path("model").asText()).isEqualTo("gpt-4o");

    // The agent's own span, with its token, over OTLP/HTTP (protobuf; its strings are readable bytes).
    await().atMost(Duration.ofSeconds(30)).until(() -> received.stream()
        .anyMatch(r -> r.path().equals("/v1/traces") && latin1(r.body()).contains("invoke_agent ledger-bot")));
    Received spans = received.stream()
        .filter(r -> r.path().equals("/v1/traces") && latin1(r.body()).contains("invoke_agent ledger-bot"))
        .findFirst().orElseThrow();
    assertThat(spans.headers()).containsEntry("authorization", "Bearer token-ledger-bot-runtime");
    assertThat(received.stream().filter(r -> r.path().equals("/v1/traces")).map(r -> latin1(r.body())))
        .anySatisfy(body -> assertThat(body).contains("chat gpt-4o"));
  }

  @Test
  void referenceAgent_callsAToolWithTheOfficialMcpClient() throws Exception {
    int port = startStandIn();
    URI base = URI.create("http://127.0.0.1:" + port);
    try (UpstreamMcpServer mcp = new UpstreamMcpServer()) {
      executor = ProcessExecutor.create(new ExecutorContext(base.resolve("/v1"), mcp.url(), base,
          (agent, session, ttl) -> "token-" + agent + "-" + session, tmp, Clock.systemUTC()), root());
      executor.apply(descriptor("plain json"), "rev-ref-1");

      InvocationResult result = executor.invoke(new Invocation("ledger-bot", "s-3", null, null, "application/json",
          "{\"tool\":\"ledger-read\",\"arguments\":{\"account\":\"4711\"}}".getBytes(StandardCharsets.UTF_8),
          Map.of(), Duration.ofSeconds(60)));

      assertThat(JSON.readTree(result.body()).path("output").asText()).as(new String(result.body(), StandardCharsets.UTF_8))
          .isEqualTo("balance of 4711: 100.00 USD");
      assertThat(mcp.reads).hasValue(1);
    }
  }

  private static AgentDescriptor descriptor(String protocol) {
    Map<String, String> settings = new java.util.HashMap<>(Map.of("interpreter", venvPython().toString(),
        "apply_timeout_seconds", "120"));
    if (protocol.equals("plain json")) {
      settings.put("protocol", "json");
    }
    return new AgentDescriptor(AgentDescriptor.API_VERSION, AgentDescriptor.KIND,
        new AgentDescriptor.Metadata("ledger-bot", "finance", Map.of()),
        new AgentDescriptor.Spec(new AgentDescriptor.Model("openai", "gpt-4o", "2024-08-06"), null, List.of(), null, null,
            new AgentDescriptor.Executor("process", "file://examples/agents/reference_agent.py", settings),
            null, null, null, List.of()));
  }
}
