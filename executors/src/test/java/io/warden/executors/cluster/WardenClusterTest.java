package io.warden.executors.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.warden.core.WardenException;
import io.warden.core.budget.BudgetExceededException;
import io.warden.core.executor.InvocationResult;
import io.warden.core.session.InvokeRequest;
import io.warden.core.session.RouterBusyException;
import io.warden.core.store.StateStore;
import io.warden.executors.session.ForwardedCall;
import io.warden.executors.session.SessionOwnership;
import io.warden.testing.TestPorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real cluster members (Hazelcast and clustered Vert.x) in this JVM on 127.0.0.1: session
 * claims, forwarding over the event bus, the shared store, and what happens when a member leaves.
 */
@Timeout(180)
class WardenClusterTest {
  @TempDir Path dir;
  private WardenCluster one;
  private WardenCluster two;
  private StateStore localOne;
  private StateStore localTwo;

  @AfterEach
  void leave() throws Exception {
    for (WardenCluster c : new WardenCluster[] {one, two}) {
      if (c != null) {
        c.vertx().close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
    for (StateStore s : new StateStore[] {localOne, localTwo}) {
      if (s != null) {
        s.close();
      }
    }
  }


  private List<String> members = List.of();

  private void startOne() throws IOException {
    int p1 = TestPorts.free();
    int p2 = TestPorts.free();
    members = List.of("127.0.0.1:" + p1, "127.0.0.1:" + p2);
    one = WardenCluster.join(new ClusterSettings("127.0.0.1", p1, members));
  }

  private void startTwo() {
    int p2 = Integer.parseInt(members.get(1).substring("127.0.0.1:".length()));
    two = WardenCluster.join(new ClusterSettings("127.0.0.1", p2, members));
    await().atMost(Duration.ofSeconds(60)).until(() -> two.ownership().isMember(one.nodeId())
        && one.ownership().isMember(two.nodeId()));
  }

  private static InvokeRequest request(String session, String body) {
    return new InvokeRequest("clerk", session, "acme", "k-1", "application/json",
        body.getBytes(StandardCharsets.UTF_8), Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
  }

  @Test
  void claims_forwarding_sharedStore_andAMemberLeaving() throws Exception {
    startOne();
    startTwo();
    SessionOwnership a = one.ownership();
    SessionOwnership b = two.ownership();

    // The first to ask claims; the other is told who serves it; a release frees it.
    assertThat(a.ownerOf("clerk", "s-1")).isEqualTo(SessionOwnership.LOCAL);
    assertThat(b.ownerOf("clerk", "s-1")).isEqualTo(one.nodeId());
    assertThat(a.ownerOf("clerk", "s-1")).isEqualTo(SessionOwnership.LOCAL);
    a.release("clerk", "s-1");
    assertThat(b.ownerOf("clerk", "s-1")).isEqualTo(SessionOwnership.LOCAL);
    assertThat(a.ownerOf("clerk", "s-1")).isEqualTo(two.nodeId());

    // A forwarded call arrives whole at the owner, and its answer or refusal comes back whole.
    CompletableFuture<InvocationResult> never = new CompletableFuture<>();
    a.serve(call -> switch (new String(call.request().body(), StandardCharsets.UTF_8)) {
      case "busy" -> CompletableFuture.failedFuture(new RouterBusyException("agent clerk is busy", 7));
      case "broke" -> CompletableFuture.failedFuture(new BudgetExceededException("usd_per_day",
          "agent clerk is over its usd_per_day budget: 10.00 of 10.00 USD used", Duration.ofSeconds(5400)));
      case "hang" -> never;
      default -> CompletableFuture.completedFuture(new InvocationResult(201, "application/json",
          (call.callerSubject() + " " + call.callerChain() + " " + call.session() + " "
              + call.request().tenant() + " " + call.request().idempotencyKey() + " "
              + call.request().traceHeaders().get("traceparent") + " "
              + new String(call.request().body(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)));
    });
    InvocationResult echoed = b.forward(one.nodeId(), new ForwardedCall(ForwardedCall.INVOKE, "agent:planner",
        List.of("planner"), "s-2", request("s-2", "{\"q\":1}"), "")).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(echoed.status()).isEqualTo(201);
    assertThat(new String(echoed.body(), StandardCharsets.UTF_8)).isEqualTo("agent:planner [planner] s-2 acme k-1"
        + " 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01 {\"q\":1}");
    assertThatThrownBy(() -> b.forward(one.nodeId(), new ForwardedCall(ForwardedCall.INVOKE, "user:alice", List.of(),
        "s-2", request("s-2", "busy"), "")).toCompletableFuture().join())
        .isInstanceOf(CompletionException.class).cause().isInstanceOf(RouterBusyException.class)
        .hasMessage("agent clerk is busy")
        .satisfies(e -> assertThat(((RouterBusyException) e).retryAfterSeconds()).isEqualTo(7));
    // A budget refusal keeps its budget and when it has room again (the forwarding node's Retry-After).
    assertThatThrownBy(() -> b.forward(one.nodeId(), new ForwardedCall(ForwardedCall.INVOKE, "user:alice", List.of(),
        "s-2", request("s-2", "broke"), "")).toCompletableFuture().join())
        .isInstanceOf(CompletionException.class).cause().isInstanceOf(BudgetExceededException.class)
        .hasMessage("agent clerk is over its usd_per_day budget: 10.00 of 10.00 USD used")
        .satisfies(e -> {
          BudgetExceededException budget = (BudgetExceededException) e;
          assertThat(budget.code()).isEqualTo("budget_exceeded");
          assertThat(budget.budget()).isEqualTo("usd_per_day");
          assertThat(budget.retryAfter()).isEqualTo(Duration.ofSeconds(5400));
        });

    // The shared store: written on one member (and its local store), read on the other, paged in key order.
    localOne = StateStore.open(dir.resolve("one.mv"));
    localTwo = StateStore.open(dir.resolve("two.mv"));
    StateStore sharedOne = one.sharedStore(localOne);
    StateStore sharedTwo = two.sharedStore(localTwo);
    String[] seenInTx = new String[1];
    sharedOne.update(tx -> {
      tx.put("sessions_by_agent", "clerk/b", "");
      tx.put("sessions_by_agent", "clerk/a", "");
      tx.put("sessions_by_agent", "clerk/c", "");
      tx.put("sessions_by_agent", "clerky/a", "");
      tx.put("sessions", "s-9", "{\"state\":\"parked\"}");
      tx.put("sessions", "gone", "x");
      tx.remove("sessions", "gone");
      seenInTx[0] = tx.get("sessions", "s-9").orElse(null);
    });
    assertThat(seenInTx[0]).isEqualTo("{\"state\":\"parked\"}");
    assertThat(sharedTwo.get("sessions", "s-9")).contains("{\"state\":\"parked\"}");
    assertThat(sharedTwo.get("sessions", "gone")).isEmpty();
    assertThat(localOne.get("sessions", "s-9")).contains("{\"state\":\"parked\"}");
    assertThat(localTwo.get("sessions", "s-9")).isEmpty();
    assertThat(sharedTwo.page("sessions_by_agent", "clerk/", "", 10).keySet())
        .containsExactly("clerk/a", "clerk/b", "clerk/c");
    assertThat(sharedTwo.page("sessions_by_agent", "clerk/", "clerk/a", 1).keySet()).containsExactly("clerk/b");
    assertThat(sharedTwo.page("sessions_by_agent", "", "clerk/c", 10).keySet()).containsExactly("clerky/a");

    // The owner leaves: its claims go, a call forwarded to it and not answered fails at once, its data stays.
    assertThat(a.ownerOf("clerk", "s-3")).isEqualTo(SessionOwnership.LOCAL);
    CompletableFuture<InvocationResult> pending = b.forward(one.nodeId(), new ForwardedCall(ForwardedCall.INVOKE,
        "user:alice", List.of(), "s-3", request("s-3", "hang"), "")).toCompletableFuture();
    String gone = one.nodeId();
    one.vertx().close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    one = null;
    // Which comes first is a race: the membership listener ("left the cluster before answering") or
    // the event bus discarding the request as the node's consumer goes ("did not answer"). Both fail
    // the call at once and say its outcome is unknown.
    assertThatThrownBy(() -> pending.get(30, TimeUnit.SECONDS)).cause().isInstanceOf(WardenException.class)
        .hasMessageContaining(gone).hasMessageContaining("whether the request ran is unknown");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(b.isMember(gone)).isFalse());
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(b.ownerOf("clerk", "s-3")).isEqualTo(SessionOwnership.LOCAL));
    assertThat(sharedTwo.get("sessions", "s-9")).contains("{\"state\":\"parked\"}");
  }

  @Test
  void theFirstMemberOfACluster_loadsItsLocalStore_andLaterMembersDoNot() throws Exception {
    localOne = StateStore.open(dir.resolve("one.mv"));
    localOne.update(tx -> {
      tx.put("sessions", "s-parked", "{\"state\":\"parked\"}");
      tx.put("session_checkpoints", "s-parked", "Y2hlY2twb2ludA==");
    });
    localTwo = StateStore.open(dir.resolve("two.mv"));
    localTwo.update(tx -> tx.put("sessions", "s-stale", "{\"state\":\"parked\"}"));
    startOne();
    StateStore sharedOne = one.sharedStore(localOne); // the first member: a whole-cluster restart
    startTwo();
    StateStore sharedTwo = two.sharedStore(localTwo); // joins a running cluster: its local copy is not read
    assertThat(sharedTwo.get("sessions", "s-parked")).contains("{\"state\":\"parked\"}");
    assertThat(sharedTwo.get("session_checkpoints", "s-parked")).contains("Y2hlY2twb2ludA==");
    assertThat(sharedOne.get("sessions", "s-stale")).isEmpty();
  }
}
