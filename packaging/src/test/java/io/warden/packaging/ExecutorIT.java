package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.warden.testing.TestPorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The process executor in the packaged appliance: a descriptor with {@code spec.executor.type:
 * process} running the reference agent ({@code examples/agents/reference_agent.py}) is merged through
 * a change request; Warden launches it with a token it minted for it and the agent is Synced once the
 * agent reports the revision. A request to the agent makes it call the model with the official OpenAI
 * SDK through Warden's model gateway (pinned, to an OpenAI stand-in), and its spans — its own over
 * OTLP and the gateway's — land in the trace store under the agent's name and the caller's trace.
 * Killed with SIGKILL, Warden takes the agent down with it (its stdin closes).
 */
@Timeout(300)
class ExecutorIT extends ApplianceTestBase {
  private static final String AGENT = "ledger-bot";
  private final Vertx vertx = Vertx.vertx();
  private final List<JsonNode> upstream = new CopyOnWriteArrayList<>();
  private final List<String> upstreamKeys = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stopStandIn() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** The smallest OpenAI Chat Completions stand-in: one whole answer with usage, in the real shape. */
  private int startOpenAiStandIn() throws Exception {
    return JsonStandIn.start(vertx, (req, body) -> {
      upstream.add(body);
      upstreamKeys.add(String.valueOf(req.getHeader("authorization")));
      return "{\"id\":\"chatcmpl-it\",\"object\":"
          + "\"chat.completion\",\"created\":1764460800,\"model\":\"" + body.path("model").asText() + "\","
          + "\"system_fingerprint\":\"fp_it\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
          + "\"content\":\"The numbat ledger balances to the cent.\"},\"finish_reason\":\"stop\"}],"
          + "\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":9,\"total_tokens\":49}}";
    });
  }

  private static Path root() {
    return Path.of(System.getProperty("warden.root", "..")).toAbsolutePath().normalize();
  }

  private static Path venvPython() {
    Path python = root().resolve(".tools/agents-venv/bin/python");
    if (!Files.isExecutable(python)) {
      throw new IllegalStateException("the reference agent needs its Python packages but " + python
          + " does not exist; run scripts/install.sh --test (scripts/install.d/agents.sh)");
    }
    return python;
  }


  private static boolean listening(int port) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void processAgent_mergedIsSynced_callsTheModelThroughTheGateway_andItsSpansLandUnderItsName() throws Exception {
    int standIn = startOpenAiStandIn();
    warden = WardenProcess.start(tmp.resolve("data"), Map.of(
        "WARDEN_GATEWAY_PROVIDERS_OPENAI_BASE_URL", "http://127.0.0.1:" + standIn + "/v1",
        "WARDEN_GATEWAY_PROVIDERS_OPENAI_API_KEY_ENV", "STANDIN_OPENAI_KEY",
        "STANDIN_OPENAI_KEY", "sk-openai-it"));
    String admin = warden.adminToken();
    String author = createUser(admin, "alice", "author", List.of());
    String approver = createUser(admin, "pat", "approver", List.of("platform"));
    int agentPort = TestPorts.free();

    warden.mergeChange(author, approver, "Ledger bot on the process executor", Map.of("agents/" + AGENT + ".yaml", """
        apiVersion: agent.os/v1
        kind: Agent
        metadata:
          name: %s
          owner: finance-platform
        spec:
          model:
            provider: openai
            name: gpt-4o
            pinned_revision: "2024-08-06"
          budgets:
            calls_per_hour: 100
            usd_per_day: 5
          executor:
            type: process
            endpoint: file://%s
            settings:
              interpreter: %s
              port: "%d"
              apply_timeout_seconds: "120"
        """.formatted(AGENT, root().resolve("examples/agents/reference_agent.py"), venvPython(), agentPort)));

    await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(500))
        .until(() -> warden.get(admin, "/api/v1/agents/" + AGENT).body().path("status").asText().equals("SYNCED"));
    JsonNode agent = warden.get(admin, "/api/v1/agents/" + AGENT).body();
    // Warden issued the agent a credential of its own to mint the runtime's token from.
    assertThat(agent.path("credentials")).hasSize(1);
    // What its executor says of the runtime now: up, at the revision reconcile applied.
    assertThat(agent.path("executor").path("type").asText()).isEqualTo("process");
    assertThat(agent.path("executor").path("state").asText()).as(agent.toString()).isEqualTo("READY");
    assertThat(agent.path("executor").path("revision").asText()).isEqualTo(agent.path("revision").asText());
    // And, without a credential and without its name, on /healthz beside the components (counted
    // every 10 s on a thread of its own).
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
        .until(() -> warden.get(null, "/healthz").body().path("executors").path("ready").asInt() == 1);
    assertThat(warden.get(null, "/healthz").body().path("executors").path("degraded").asInt()).isZero();

    // The caller's request (as the session router will send it): A2A message/send with its trace.
    String trace = "6e0c63257de34c926f9efcd03899ae00";
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agentPort + "/"))
        .timeout(Duration.ofSeconds(60))
        .header("content-type", "application/json")
        .header("traceparent", "00-" + trace + "-5fb397be34d26b51-01")
        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"message/send\","
            + "\"params\":{\"message\":{\"role\":\"user\",\"messageId\":\"m-1\",\"parts\":[{\"kind\":\"text\","
            + "\"text\":\"Does the numbat ledger balance?\"}]}}}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(WardenProcess.JSON.readTree(answer.body()).at("/result/parts/0/text").asText()).as(answer.body())
        .isEqualTo("The numbat ledger balances to the cent.");

    // Through the gateway: pinned to the snapshot, with the provider key Warden holds, not the agent's token.
    assertThat(upstream).singleElement()
        .satisfies(b -> assertThat(b.path("model").asText()).isEqualTo("gpt-4o-2024-08-06"));
    assertThat(upstreamKeys).containsExactly("Bearer sk-openai-it");

    // The agent's own spans (OTLP) and the gateway's span, in the caller's trace, under the agent's name.
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
      WardenProcess.Response t = warden.get(admin, "/api/v1/traces/" + trace);
      return t.status() == 200 && names(t.body()).contains("invoke_agent " + AGENT) && t.body().path("spans").size() >= 3;
    });
    JsonNode spans = warden.get(admin, "/api/v1/traces/" + trace).body().path("spans");
    assertThat(spans).allSatisfy(s -> assertThat(s.path("agent").asText()).isEqualTo(AGENT));
    assertThat(names(warden.get(admin, "/api/v1/traces/" + trace).body()))
        .contains("invoke_agent " + AGENT, "chat gpt-4o");
    assertThat(spans).anySatisfy(s -> {
      assertThat(s.path("operation").asText()).isEqualTo("chat");
      assertThat(s.path("responseModel").asText()).isEqualTo("gpt-4o-2024-08-06");
      assertThat(s.path("inputTokens").asLong()).isEqualTo(40);
    });

    // kill -9: Warden's children are not signalled, but the agent's stdin closes and it exits.
    warden.kill();
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> !listening(agentPort));
  }

  private static List<String> names(JsonNode trace) {
    return StreamSupport.stream(trace.path("spans").spliterator(), false).map(s -> s.path("name").asText()).toList();
  }
}
