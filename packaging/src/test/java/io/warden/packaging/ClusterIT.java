package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.warden.testing.TestPorts;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Warden processes on 127.0.0.1 clustered on Hazelcast ({@code cluster.enabled}), both running
 * the same agent on one runtime (an {@code http} executor pointing at a runtime this test serves, which
 * keeps its own log). Checked from the runtime's side: requests for one session sent alternately to
 * both nodes all run on the node that owns the session (each node hands the runtime a token of its own
 * credential), in order and never two at once; then the owner is killed with SIGKILL and its parked
 * sessions resume on the survivor, a request that was running there is refused (never run again) under
 * its key, and no request is lost or run twice.
 */
@Timeout(420)
class ClusterIT {
  private static final String AGENT = "clerk";
  /** Requests of the first session, sent alternately to both nodes. */
  private static final int ROUNDS = 40;

  @TempDir Path tmp;
  private final List<WardenProcess> nodes = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private Runtime runtime;

  /** One line of the runtime's log: what it ran, for which session and key, with whose credential. */
  record Ran(String session, String key, int seq, String credential) {}

  /** The agent's runtime: plain JSON on /invoke; {"seq": n, "hold": true} waits until released. */
  static final class Runtime implements AutoCloseable {
    final HttpServer server;
    final List<Ran> log = new CopyOnWriteArrayList<>();
    final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    final AtomicInteger overlaps = new AtomicInteger();
    final CountDownLatch release = new CountDownLatch(1);
    volatile long delayMillis;

    Runtime() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
      server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      server.createContext("/healthz", ex -> answer(ex, 200, "{\"status\":\"ok\"}"));
      server.createContext("/invoke", this::invoke);
      server.start();
    }

    int port() {
      return server.getAddress().getPort();
    }

    private void invoke(HttpExchange ex) throws IOException {
      JsonNode body = WardenProcess.JSON.readTree(ex.getRequestBody().readAllBytes());
      String session = String.valueOf(ex.getRequestHeaders().getFirst("Warden-Session"));
      String key = String.valueOf(ex.getRequestHeaders().getFirst("Idempotency-Key"));
      int seq = body.path("seq").asInt();
      AtomicInteger now = running.computeIfAbsent(session, s -> new AtomicInteger());
      if (now.incrementAndGet() > 1) {
        overlaps.incrementAndGet();
      }
      try {
        log.add(new Ran(session, key, seq, credential(ex.getRequestHeaders().getFirst("Warden-Agent-Token"))));
        if (body.path("hold").asBoolean()) {
          release.await(120, TimeUnit.SECONDS);
        } else if (delayMillis > 0) {
          Thread.sleep(delayMillis); // the runtime's own work (what makes requests overlap if Warden let them)
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        now.decrementAndGet();
      }
      answer(ex, 200, "{\"session\":\"" + session + "\",\"seq\":" + seq + "}");
    }

    /** The {@code cred} claim of the node's token: which Warden node's credential the request came with. */
    private static String credential(String token) throws IOException {
      if (token == null) {
        return "none";
      }
      String payload = token.split("\\.")[1];
      return WardenProcess.JSON.readTree(Base64.getUrlDecoder().decode(payload)).path("cred").asText();
    }

    private static void answer(HttpExchange ex, int status, String json) throws IOException {
      byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("content-type", "application/json");
      ex.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }

    List<Ran> of(String session) {
      return log.stream().filter(r -> r.session().equals(session)).toList();
    }

    @Override
    public void close() {
      release.countDown();
      server.stop(0);
    }
  }

  /** A node and the tokens of its own users (each node has its own identity store). */
  record Node(WardenProcess warden, String author) {}

  @AfterEach
  void stop() throws Exception {
    for (WardenProcess w : nodes) {
      w.close();
    }
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void sessionsAreServedByTheirOwner_andSurviveAKillOfIt() throws Exception {
    runtime = new Runtime();
    int portA = TestPorts.free();
    int portB = TestPorts.free();
    String members = "127.0.0.1:" + portA + ",127.0.0.1:" + portB;
    Node a = start("a", portA, members);
    Node b = start("b", portB, members);
    await("both members in one cluster").atMost(Duration.ofSeconds(60))
        .until(() -> a.warden().log().contains("cluster member joined"));

    // 1. One session, requests sent alternately to both nodes one after another: all run on the node
    //    that got its first request (which claimed it), in the order sent.
    List<Long> direct = new ArrayList<>();
    List<Long> forwarded = new ArrayList<>();
    for (int i = 0; i < ROUNDS; i++) {
      Node to = i % 2 == 0 ? a : b;
      long t0 = System.nanoTime();
      HttpResponse<String> r = invoke(to, "s-a", "s-a-" + i, "{\"seq\":" + i + "}");
      (to == a ? direct : forwarded).add(System.nanoTime() - t0);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(WardenProcess.JSON.readTree(r.body()).path("seq").asInt()).isEqualTo(i);
    }
    System.out.printf("ClusterIT: request at the owner p50 %.1f ms, at the other node (forwarded) p50 %.1f ms"
        + " (%d each)%n", median(direct), median(forwarded), ROUNDS / 2);
    for (int i = 0; i < 6; i++) { // and one whose first request went to b
      Node to = i % 2 == 0 ? b : a;
      assertThat(invoke(to, "s-b", "s-b-" + i, "{\"seq\":" + i + "}").statusCode()).isEqualTo(200);
    }
    String credA = credentialOf(a);
    String credB = credentialOf(b);
    assertThat(credA).isNotEqualTo(credB);
    assertThat(runtime.of("s-a")).extracting(Ran::seq).containsExactlyElementsOf(seqs(ROUNDS));
    assertThat(runtime.of("s-a")).extracting(Ran::credential).containsOnly(credA);
    assertThat(runtime.of("s-b")).extracting(Ran::seq).containsExactly(0, 1, 2, 3, 4, 5);
    assertThat(runtime.of("s-b")).extracting(Ran::credential).containsOnly(credB);

    // 2. A burst of one session at both nodes at once: one lane, never two of its requests at once.
    runtime.delayMillis = 100;
    invoke(a, "s-burst", "s-burst-first", "{\"seq\":-1}"); // claimed by a
    List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      burst.add(invokeAsync(i % 2 == 0 ? b : a, "s-burst", "s-burst-" + i, "{\"seq\":" + i + "}"));
    }
    for (CompletableFuture<HttpResponse<String>> f : burst) {
      assertThat(f.get(120, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
    runtime.delayMillis = 0;
    assertThat(runtime.of("s-burst")).hasSize(9).extracting(Ran::credential).containsOnly(credA);
    assertThat(runtime.overlaps.get()).as("requests of one session running at once").isZero();

    // 3. Park sessions owned by a: one through b (forwarded to a), one on a itself.
    invoke(a, "s-park", "s-park-0", "{\"seq\":0}");
    assertThat(b.warden().post(b.author(), "/api/v1/sessions/s-a/suspend", Map.of("waiting_for", "tool:erp")).status())
        .isEqualTo(200);
    assertThat(a.warden().post(a.author(), "/api/v1/sessions/s-park/suspend", Map.of()).status()).isEqualTo(200);
    assertThat(b.warden().get(b.author(), "/api/v1/sessions/s-park").body().path("state").asText()).isEqualTo("parked");
    // A request of a session owned by a is running (held by the runtime) when a dies.
    invoke(a, "s-hold", "s-hold-0", "{\"seq\":0}");
    CompletableFuture<HttpResponse<String>> held = invokeAsync(b, "s-hold", "s-hold-1", "{\"seq\":1,\"hold\":true}");
    await("the held request reached the runtime").atMost(Duration.ofSeconds(30))
        .until(() -> runtime.of("s-hold").size() == 2);

    // 4. kill -9 the owner.
    a.warden().kill();
    HttpResponse<String> lost = held.get(90, TimeUnit.SECONDS);
    assertThat(lost.statusCode()).as(lost.body()).isEqualTo(503);
    assertThat(lost.body()).contains("left the cluster").contains("whether the request ran is unknown");
    runtime.release.countDown();

    // The survivor has a's parked sessions and resumes them; they run there now.
    JsonNode parked = b.warden().get(b.author(), "/api/v1/sessions/s-a").body();
    assertThat(parked.path("state").asText()).as(parked.toString()).isEqualTo("parked");
    assertThat(parked.path("waiting_for").asText()).isEqualTo("tool:erp");
    for (String s : List.of("s-a", "s-park")) {
      WardenProcess.Response resumed = b.warden().post(b.author(), "/api/v1/sessions/" + s + "/resume", Map.of());
      assertThat(resumed.status()).as(resumed.body().toString()).isEqualTo(200);
      assertThat(resumed.body().path("state").asText()).isEqualTo("active");
    }
    assertThat(invoke(b, "s-a", "s-a-" + ROUNDS, "{\"seq\":" + ROUNDS + "}").statusCode()).isEqualTo(200);
    assertThat(invoke(b, "s-park", "s-park-1", "{\"seq\":1}").statusCode()).isEqualTo(200);
    assertThat(runtime.of("s-a")).extracting(Ran::seq).containsExactlyElementsOf(seqs(ROUNDS + 1));
    assertThat(runtime.of("s-a").getLast().credential()).isEqualTo(credB);
    assertThat(runtime.of("s-park").getLast().credential()).isEqualTo(credB);

    // A key that ran on a is answered from its record on b, not run again.
    HttpResponse<String> replay = invoke(b, "s-a", "s-a-3", "{\"seq\":3}");
    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(WardenProcess.JSON.readTree(replay.body()).path("seq").asInt()).isEqualTo(3);
    // The key that was running on a when it died is refused, never run again; a new key runs.
    HttpResponse<String> unknown = invoke(b, "s-hold", "s-hold-1", "{\"seq\":1,\"hold\":true}");
    assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(409);
    assertThat(unknown.body()).contains("when that node stopped or died").contains("send a new key");
    assertThat(invoke(b, "s-hold", "s-hold-2", "{\"seq\":2}").statusCode()).isEqualTo(200);

    // Nothing lost, nothing run twice (from the runtime's log): every key ran exactly once.
    Map<String, Long> runs = runtime.log.stream().collect(Collectors.groupingBy(Ran::key, Collectors.counting()));
    assertThat(runs).allSatisfy((key, n) -> assertThat(n).as(key).isEqualTo(1L));
    assertThat(runs).hasSize(ROUNDS + 1 + 6 + 9 + 2 + 3); // s-a, s-b, s-burst, s-park, s-hold
  }

  private static List<Integer> seqs(int n) {
    return java.util.stream.IntStream.range(0, n).boxed().toList();
  }

  private static double median(List<Long> nanos) {
    List<Long> sorted = nanos.stream().sorted().toList();
    return sorted.get(sorted.size() / 2) / 1e6;
  }

  private Node start(String name, int clusterPort, String members) throws Exception {
    WardenProcess w = WardenProcess.start(tmp.resolve(name), Map.of(
        "WARDEN_CLUSTER_ENABLED", "true",
        "WARDEN_CLUSTER_HOST", "127.0.0.1",
        "WARDEN_CLUSTER_PORT", Integer.toString(clusterPort),
        "WARDEN_CLUSTER_MEMBERS", members));
    nodes.add(w);
    String admin = w.adminToken();
    String author = user(w, admin, "alice", "author");
    String approver = user(w, admin, "pat", "approver");
    // Each node has its own governance repository: the same descriptor is merged on both.
    w.mergeChange(author, approver, "Clerk on its runtime", Map.of("agents/" + AGENT + ".yaml", """
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
          budgets:
            calls_per_hour: 100
            usd_per_day: 10
          memory:
            type: session
          scaling:
            partition_by: session
            max_concurrency: 8
            max_queue: 64
          executor:
            type: http
            endpoint: http://127.0.0.1:%d
            settings:
              protocol: json
              configure_path: none
              confirm_revision: "false"
              timeout_seconds: "150"
        """.formatted(AGENT, runtime.port())));
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
        .until(() -> w.get(admin, "/api/v1/agents/" + AGENT).body().path("status").asText().equals("SYNCED"));
    return new Node(w, author);
  }

  private static String user(WardenProcess w, String admin, String name, String role) throws Exception {
    WardenProcess.Response r = w.post(admin, "/api/v1/users", Map.of("name", name, "role", role, "teams", List.of()));
    assertThat(r.status()).as(r.body().toString()).isEqualTo(201);
    return r.body().path("token").asText();
  }

  /** The id of the credential a node holds for the agent (the one its tokens are minted from). */
  private static String credentialOf(Node n) throws Exception {
    JsonNode creds = n.warden().get(n.warden().adminToken(), "/api/v1/agents/" + AGENT).body().path("credentials");
    assertThat(creds).as(creds.toString()).hasSize(1);
    return creds.get(0).path("id").asText();
  }

  private HttpRequest request(Node to, String session, String key, String body) {
    return HttpRequest.newBuilder(to.warden().uri("/api/v1/agents/" + AGENT + "/invoke"))
        .timeout(Duration.ofSeconds(150))
        .header("Authorization", "Bearer " + to.author())
        .header("Content-Type", "application/json")
        .header("Warden-Session", session)
        .header("Idempotency-Key", key)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  private HttpResponse<String> invoke(Node to, String session, String key, String body) throws Exception {
    return http.send(request(to, session, key, body), HttpResponse.BodyHandlers.ofString());
  }

  private CompletableFuture<HttpResponse<String>> invokeAsync(Node to, String session, String key, String body) {
    return http.sendAsync(request(to, session, key, body), HttpResponse.BodyHandlers.ofString());
  }
}
