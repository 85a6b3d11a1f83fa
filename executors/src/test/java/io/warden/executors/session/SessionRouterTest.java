package io.warden.executors.session;

import static io.warden.executors.session.RouterFixture.OPERATOR;
import static io.warden.executors.session.RouterFixture.await;
import static io.warden.executors.session.RouterFixture.request;
import static io.warden.executors.session.RouterFixture.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.warden.core.WardenException;
import io.warden.core.approval.Approval;
import io.warden.core.approval.ApprovalRequest;
import io.warden.core.executor.ExecutorException;
import io.warden.core.executor.InvocationResult;
import io.warden.core.session.InvokeRequest;
import io.warden.core.session.RouterBusyException;
import io.warden.core.session.SessionInfo;
import io.warden.core.session.SessionWait;
import io.warden.core.trace.SpanRecord;
import io.warden.testing.StandInRuntime;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class SessionRouterTest {
  @TempDir Path dir;
  private RouterFixture f;
  private final CountDownLatch gate = new CountDownLatch(1);

  @BeforeEach
  void start() {
    f = new RouterFixture(dir);
  }

  @AfterEach
  void stop() {
    gate.countDown();
    f.close();
  }

  /** Every request waits at the gate, then answers as the stand-in does. */
  private void gated() {
    f.runtime.setBehaviour((rt, inv) -> {
      gate.await();
      return StandInRuntime.echo(rt, inv);
    });
  }

  private static Throwable cause(CompletableFuture<?> future) {
    try {
      future.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a failure, got " + future.join());
  }

  @Test
  void partitionBySession_runsEachSessionInOrder_oneAtATime_sessionsInParallel() throws Exception {
    f.agent("bot", 4, 1000, "session");
    f.runtime.setDelay(Duration.ofMillis(2));
    List<CompletableFuture<InvocationResult>> all = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      for (int s = 0; s < 8; s++) {
        all.add(f.invoke(request("bot", "s" + s, "{\"seq\":" + i + "}")));
      }
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    assertThat(f.runtime.overlaps()).as("requests of one session running at once").isZero();
    assertThat(f.runtime.maxRunning()).isBetween(2, 4);
    for (int s = 0; s < 8; s++) {
      String session = "s" + s;
      List<String> ran = f.runtime.log().stream().filter(r -> r.session().equals(session)).map(r -> r.body()).toList();
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 25; i++) {
        expected.add("{\"seq\":" + i + "}");
      }
      assertThat(ran).as("order within " + session).isEqualTo(expected);
    }
    assertThat(text(all.get(all.size() - 1).join())).contains("\"n\":25");
  }

  @Test
  void maxConcurrency_isReached_andNeverPassed() throws Exception {
    f.agent("bot", 3, 100, "session");
    gated();
    List<CompletableFuture<InvocationResult>> all = new ArrayList<>();
    for (int s = 0; s < 10; s++) {
      all.add(f.invoke(request("bot", "s" + s, "{}")));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> f.runtime.running() == 3);
    gate.countDown();
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    assertThat(f.runtime.maxRunning()).isEqualTo(3);
  }

  @Test
  void partitionByTenant_runsOneRequestPerTenantAtATime() throws Exception {
    f.agent("bot", 8, 100, "tenant");
    gated();
    List<CompletableFuture<InvocationResult>> all = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      all.add(f.router.invoke(OPERATOR, new InvokeRequest("bot", "s" + i, i % 2 == 0 ? "acme" : "globex", null,
          "application/json", "{}".getBytes(StandardCharsets.UTF_8), Map.of())).toCompletableFuture());
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> f.runtime.running() == 2);
    gate.countDown();
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    assertThat(f.runtime.maxRunning()).as("two tenants, one request each at a time").isEqualTo(2);
  }

  @Test
  void fullQueue_isRefusedAtOnce_withRetryAfter_andTheAdmittedOnesAllRun() throws Exception {
    f.agent("bot", 2, 3, "session");
    gated();
    List<CompletableFuture<InvocationResult>> admitted = new ArrayList<>();
    for (int s = 0; s < 5; s++) {
      admitted.add(f.invoke(request("bot", "s" + s, "{}")));
    }
    Throwable refused = cause(f.invoke(request("bot", "s9", "{}")));
    assertThat(refused).isInstanceOf(RouterBusyException.class)
        .hasMessageContaining("2 requests running (max_concurrency 2) and 3 waiting (max_queue 3)");
    assertThat(((RouterBusyException) refused).retryAfterSeconds()).isPositive();
    gate.countDown();
    CompletableFuture.allOf(admitted.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    assertThat(f.runtime.log()).hasSize(5);
    assertThat(await(f.invoke(request("bot", "s9", "{}"))).status()).isEqualTo(200);
  }

  @Test
  void idempotencyKey_retry_isAnsweredFromTheFirstExecution() throws Exception {
    f.agent("bot", 4, 10, "session");
    InvocationResult first = await(f.invoke(request("bot", "s1", "k-1", "{\"pay\":1}")));
    InvocationResult again = await(f.invoke(request("bot", "s1", "k-1", "{\"pay\":1}")));
    assertThat(f.runtime.log()).hasSize(1);
    assertThat(text(again)).isEqualTo(text(first));
    Throwable reused = cause(f.invoke(request("bot", "s1", "k-1", "{\"pay\":2}")));
    assertThat(reused).isInstanceOf(WardenException.class).hasMessageContaining("was first used for a different request");
    assertThat(((WardenException) reused).code()).isEqualTo("conflict");
  }

  @Test
  void idempotencyKey_concurrentDuplicates_runOnce_andAllGetTheAnswer() throws Exception {
    f.agent("bot", 4, 100, "none");
    gated();
    List<CompletableFuture<InvocationResult>> dupes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      dupes.add(f.invoke(request("bot", null, "once", "{\"pay\":1}")));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> f.runtime.running() == 1);
    gate.countDown();
    CompletableFuture.allOf(dupes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    assertThat(f.runtime.log()).hasSize(1);
    assertThat(dupes.stream().map(d -> text(d.join())).distinct()).hasSize(1);
  }

  @Test
  void idempotencyRecords_andParkedSessions_surviveARestart() throws Exception {
    f.agent("bot", 4, 10, "session");
    String answer = text(await(f.invoke(request("bot", "s1", "k-1", "{\"a\":1}"))));
    await(f.invoke(request("bot", "s1", "{\"a\":2}")));
    SessionInfo parked = f.router.suspend(OPERATOR, "s1", new SessionWait(SessionWait.Kind.TOOL, "erp"));
    assertThat(parked.state()).isEqualTo(SessionInfo.State.PARKED);
    assertThat(f.runtime.sessionsInMemory()).as("the runtime handed its state over").isZero();

    f.restart();

    assertThat(text(await(f.invoke(request("bot", "s1", "k-1", "{\"a\":1}"))))).isEqualTo(answer);
    assertThat(f.runtime.log()).hasSize(2);
    Throwable whileParked = cause(f.invoke(request("bot", "s1", "{\"a\":3}")));
    assertThat(whileParked).hasMessageContaining("session s1 is parked (waiting for tool:erp); resume it first");
    assertThat(f.router.list(OPERATOR, "bot", "", 10)).extracting(SessionInfo::state)
        .containsExactly(SessionInfo.State.PARKED);
    assertThat(f.router.resume(OPERATOR, "s1").state()).isEqualTo(SessionInfo.State.ACTIVE);
    assertThat(f.runtime.events()).contains("resume s1 2");
    assertThat(text(await(f.invoke(request("bot", "s1", "{\"a\":3}"))))).contains("\"n\":3");
  }

  @Test
  void aRequestRunningWhenWardenStops_isNeverRunAgainUnderItsKey() throws Exception {
    f.agent("bot", 4, 10, "session", "session", null, Map.of("timeout_seconds", "60"), List.of());
    gated();
    f.invoke(request("bot", "s1", "k-crash", "{}"));
    await().atMost(Duration.ofSeconds(10)).until(() -> f.runtime.running() == 1);
    f.restart(); // the store closes with the key's record still "running", as after a kill
    gate.countDown();
    Throwable unknown = cause(f.invoke(request("bot", "s1", "k-crash", "{}")));
    assertThat(unknown).hasMessageContaining("was running when Warden stopped, so whether it ran is unknown");
  }

  @Test
  void hangingRuntime_timesOut_degradesTheSession_andTheQueueKeepsMoving() throws Exception {
    f.agent("bot", 1, 10, "session", "session", null, Map.of("timeout_seconds", "1"), List.of());
    f.runtime.setBehaviour((rt, inv) -> {
      if (inv.session().equals("stuck")) {
        Thread.sleep(Duration.ofMinutes(5));
      }
      return StandInRuntime.echo(rt, inv);
    });
    CompletableFuture<InvocationResult> stuck = f.invoke(request("bot", "stuck", "{}"));
    CompletableFuture<InvocationResult> next = f.invoke(request("bot", "other", "{}"));
    Throwable timeout = cause(stuck);
    assertThat(((WardenException) timeout).code()).isEqualTo("executor_timeout");
    assertThat(timeout).hasMessageContaining("did not answer within 1 s");
    assertThat(await(next).status()).isEqualTo(200);
    SessionInfo degraded = f.router.get(OPERATOR, "stuck");
    assertThat(degraded.state()).isEqualTo(SessionInfo.State.DEGRADED);
    assertThat(degraded.message()).contains("did not answer within 1 s");
  }

  @Test
  void streamedEvents_reachTheCallerWhileTheRuntimeRuns_theKeyKeepsTheWholeAnswer() throws Exception {
    f.agent("bot", 2, 10, "session");
    CountDownLatch gate = new CountDownLatch(1);
    f.runtime.setBehaviour((rt, inv) -> {
      rt.emit("data: 1");
      gate.await();
      rt.emit("data: 2");
      return new InvocationResult(200, "text/event-stream", "data: 1\n\ndata: 2\n\n".getBytes(StandardCharsets.UTF_8));
    });
    List<String> events = new CopyOnWriteArrayList<>();
    CompletableFuture<InvocationResult> answer =
        f.router.invoke(OPERATOR, request("bot", "s1", "k-1", "{}"), events::add).toCompletableFuture();

    await().atMost(Duration.ofSeconds(30)).until(() -> events.equals(List.of("data: 1")));
    assertThat(answer).isNotDone();
    gate.countDown();
    assertThat(text(await(answer))).isEqualTo("data: 1\n\ndata: 2\n\n");
    assertThat(events).containsExactly("data: 1", "data: 2");

    List<String> replayed = new CopyOnWriteArrayList<>();
    InvocationResult again = await(f.router.invoke(OPERATOR, request("bot", "s1", "k-1", "{}"), replayed::add)
        .toCompletableFuture());
    assertThat(text(again)).as("answered whole from the first execution").isEqualTo("data: 1\n\ndata: 2\n\n");
    assertThat(replayed).isEmpty();
    assertThat(f.runtime.log()).hasSize(1);
  }

  @Test
  void streamedEvents_noneReachTheCallerAfterATimeout() throws Exception {
    f.agent("bot", 1, 10, "session", "session", null, Map.of("timeout_seconds", "1"), List.of());
    CountDownLatch timedOut = new CountDownLatch(1);
    CountDownLatch lateSent = new CountDownLatch(1);
    f.runtime.setBehaviour((rt, inv) -> {
      rt.emit("data: early");
      try {
        Thread.sleep(Duration.ofMinutes(5));
      } catch (InterruptedException e) {
        timedOut.await(); // the router gave up on it: what it streams now goes nowhere
        rt.emit("data: late");
        lateSent.countDown();
        throw e;
      }
      throw new AssertionError("not interrupted");
    });
    List<String> events = new CopyOnWriteArrayList<>();

    Throwable timeout = cause(f.router.invoke(OPERATOR, request("bot", "s1", "{}"), events::add).toCompletableFuture());
    assertThat(((WardenException) timeout).code()).isEqualTo("executor_timeout");
    timedOut.countDown();
    assertThat(lateSent.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(events).containsExactly("data: early");
  }

  @Test
  void streamedEvents_thenAFailureCalledRetryable_isNotRunAgain_andKeepsTheKey() throws Exception {
    f.agent("bot", 2, 10, "session");
    AtomicInteger calls = new AtomicInteger();
    f.runtime.setBehaviour((rt, inv) -> {
      calls.incrementAndGet();
      rt.emit("data: 1");
      throw new ExecutorException("connection refused", true);
    });
    List<String> events = new CopyOnWriteArrayList<>();

    Throwable failed = cause(f.router.invoke(OPERATOR, request("bot", "s1", "k-1", "{}"), events::add)
        .toCompletableFuture());
    assertThat(((WardenException) failed).code()).isEqualTo("executor_failed");
    assertThat(calls).hasValue(1);
    assertThat(events).containsExactly("data: 1");
    assertThat(cause(f.invoke(request("bot", "s1", "k-1", "{}")))).hasMessage(failed.getMessage());
    assertThat(calls).as("the key's answer is the failure: it may have run").hasValue(1);
  }

  @Test
  void runtimeThatDidNotTakeTheRequest_isTriedOnceMore() throws Exception {
    f.agent("bot", 2, 10, "session");
    AtomicInteger calls = new AtomicInteger();
    f.runtime.setBehaviour((rt, inv) -> {
      if (calls.incrementAndGet() == 1) {
        throw new ExecutorException("connection refused", true);
      }
      return StandInRuntime.echo(rt, inv);
    });
    assertThat(await(f.invoke(request("bot", "s1", "k-1", "{}"))).status()).isEqualTo(200);
    assertThat(calls).hasValue(2);
    assertThat(f.runtime.log()).hasSize(1);
    assertThat(f.spans).singleElement().satisfies(s ->
        assertThat(s.attributes()).containsEntry("warden.invoke.attempts", "2"));
  }

  @Test
  void runtimeCrashingMidRequest_isAClearFailure_repeatedForItsKey_neverRerun() throws Exception {
    f.agent("bot", 2, 10, "session");
    AtomicInteger calls = new AtomicInteger();
    f.runtime.setBehaviour((rt, inv) -> {
      calls.incrementAndGet();
      throw new ExecutorException("process exited with status 137 while answering", false);
    });
    Throwable crash = cause(f.invoke(request("bot", "s1", "k-1", "{}")));
    assertThat(((WardenException) crash).code()).isEqualTo("executor_failed");
    assertThat(crash).hasMessage("the runtime of agent bot failed: process exited with status 137 while answering");
    Throwable again = cause(f.invoke(request("bot", "s1", "k-1", "{}")));
    assertThat(again).hasMessage(crash.getMessage());
    assertThat(calls).hasValue(1);
    assertThat(f.router.get(OPERATOR, "s1").state()).isEqualTo(SessionInfo.State.DEGRADED);
  }

  @Test
  void badInput_isRefusedWithWhatAndWhere() throws Exception {
    f.agent("bot", 2, 10, "session");
    assertThat(cause(f.invoke(request("nobot", "s1", "{}"))))
        .hasMessageContaining("no agent 'nobot' on main");
    Throwable badId = cause(f.invoke(request("bot", "bad id!", "{}")));
    assertThat(((WardenException) badId).code()).isEqualTo("invalid_input");
    assertThat(badId).hasMessageContaining("session id 'bad id!' (Warden-Session header or session_id field)");
    byte[] big = new byte[io.warden.core.session.SessionRouter.MAX_BODY_BYTES + 1];
    Throwable tooBig = cause(f.router.invoke(OPERATOR, new InvokeRequest("bot", "s1", null, null, "application/json",
        big, Map.of())).toCompletableFuture());
    assertThat(((WardenException) tooBig).code()).isEqualTo("too_large");
    assertThatThrownBy(() -> f.router.resume(OPERATOR, "nosuch"))
        .isInstanceOf(WardenException.class).hasMessageContaining("no session 'nosuch'");
    assertThat(f.runtime.log()).isEmpty();
  }

  @Test
  void whoMayInvoke_operatorsAndDelegatingAgents() throws Exception {
    f.agent("bot", 2, 10, "session");
    f.agent("boss", 2, 10, "session", "session", null, Map.of(), List.of("bot"));
    f.agent("stranger", 2, 10, "session");
    assertThat(cause(f.router.invoke(RouterFixture.VIEWER, request("bot", "s1", "{}")).toCompletableFuture()))
        .hasMessageContaining("needs the author role or above; vic is a viewer");
    assertThat(cause(f.router.invoke(RouterFixture.agentCaller("stranger"), request("bot", "s1", "{}"))
        .toCompletableFuture())).hasMessageContaining("agent stranger may not invoke agent bot: it is not in"
            + " stranger's spec.delegates");
    assertThat(await(f.router.invoke(RouterFixture.agentCaller("boss"), request("bot", "s2", "{}"))
        .toCompletableFuture()).status()).isEqualTo(200);
    assertThat(f.runtime.log()).hasSize(1);
  }

  @Test
  void eachInvocation_isChargedAndTraced_inTheCallersTrace() throws Exception {
    f.agent("bot", 2, 10, "session");
    f.runtime.setDelay(Duration.ofMillis(50));
    String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    await(f.router.invoke(OPERATOR, new InvokeRequest("bot", "s1", null, null, "application/json",
        "{}".getBytes(StandardCharsets.UTF_8), Map.of("traceparent", traceparent))).toCompletableFuture());
    SpanRecord span = f.spans.peek();
    assertThat(span.traceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    assertThat(span.parentSpanId()).isEqualTo("b7ad6b7169203331");
    assertThat(span.operation()).isEqualTo("invoke_agent");
    assertThat(span.conversationId()).isEqualTo("s1");
    assertThat(span.costUsd()).isPositive();
    assertThat(f.runtime.log().getFirst().traceHeaders().get("traceparent"))
        .isEqualTo("00-0af7651916cd43dd8448eb211c80319c-" + span.spanId() + "-01");
    BigDecimal charged = f.ledger.usage("bot", "").usdSpentToday();
    assertThat(charged).isEqualByComparingTo(span.costUsd()).isGreaterThanOrEqualTo(new BigDecimal("0.00005"));
  }

  @Test
  void sessionParkedForAnApproval_resumesByItselfWhenItIsDecided() throws Exception {
    f.agent("bot", 2, 10, "session");
    await(f.invoke(request("bot", "s1", "{}")));
    Approval held = f.approvals.hold(new ApprovalRequest("bot", "mcp://gateway/pay-invoice", "{}",
        new BigDecimal("5000"), "0af7651916cd43dd8448eb211c80319c", "pay", List.of("over 1000 USD"), ""));
    SessionInfo parked = f.router.suspend(OPERATOR, "s1", new SessionWait(SessionWait.Kind.APPROVAL, held.id()));
    assertThat(parked.waitingFor()).isEqualTo("approval:" + held.id());
    f.approvals.approve(RouterFixture.APPROVER, held.id(), "ok");
    await().atMost(Duration.ofSeconds(10))
        .until(() -> f.router.get(OPERATOR, "s1").state() == SessionInfo.State.ACTIVE);
    assertThat(f.runtime.events()).contains("resume s1 1");
  }

  @Test
  void sessionParkedOnATimer_resumesByItselfWhenItIsDue() throws Exception {
    f.agent("bot", 2, 10, "session");
    await(f.invoke(request("bot", "s1", "{}")));
    String due = f.clock.instant().plus(Duration.ofMinutes(10)).toString();
    assertThat(f.router.suspend(OPERATOR, "s1", SessionWait.parse("timer:" + due)).waitingFor())
        .isEqualTo("timer:" + due);
    f.clock.advance(Duration.ofMinutes(11));
    await().atMost(Duration.ofSeconds(10))
        .until(() -> f.router.get(OPERATOR, "s1").state() == SessionInfo.State.ACTIVE);
    assertThat(f.runtime.events()).containsExactly("start s1", "suspend s1", "resume s1 1");
  }

  @Test
  void endingAParkedPersistentSession_dropsItsWait() throws Exception {
    f.agent("bot", 2, 10, "session", "persistent", 30, Map.of(), List.of());
    await(f.invoke(request("bot", "s1", "{}")));
    Approval held = f.approvals.hold(new ApprovalRequest("bot", "mcp://gateway/pay-invoice", "{}",
        new BigDecimal("5000"), "0af7651916cd43dd8448eb211c80319c", "pay", List.of("over 1000 USD"), ""));
    f.router.suspend(OPERATOR, "s1", new SessionWait(SessionWait.Kind.APPROVAL, held.id()));
    SessionInfo ended = f.router.end(OPERATOR, "s1");
    assertThat(ended.state()).isEqualTo(SessionInfo.State.ENDED);
    assertThat(ended.expiresAt()).isEqualTo(f.clock.instant().plus(Duration.ofDays(30)));
    assertThat(f.sessionsStore.table("session_waits")).isEmpty();
    assertThat(f.sessionsStore.table("session_checkpoints")).isEmpty();
    assertThat(f.router.list(OPERATOR, "bot", "", 10)).extracting(SessionInfo::state)
        .containsExactly(SessionInfo.State.ENDED);
  }

  @Test
  void suspendWhileARequestRuns_parksWhenItIsDone_andRefusesNewOnesMeanwhile() throws Exception {
    f.agent("bot", 2, 10, "session");
    gated();
    CompletableFuture<InvocationResult> running = f.invoke(request("bot", "s1", "{}"));
    await().atMost(Duration.ofSeconds(10)).until(() -> f.runtime.running() == 1);
    assertThat(f.router.suspend(OPERATOR, "s1", SessionWait.MANUAL).state()).isEqualTo(SessionInfo.State.PARKING);
    assertThat(cause(f.invoke(request("bot", "s1", "{}")))).hasMessageContaining("session s1 is being parked");
    gate.countDown();
    assertThat(await(running).status()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> f.router.get(OPERATOR, "s1").state() == SessionInfo.State.PARKED);
    assertThat(f.router.get(OPERATOR, "s1").checkpointBytes()).isPositive();
  }

  @Test
  void memoryNone_keepsNoSession_andRefusesToPark() throws Exception {
    f.agent("bot", 2, 10, "session", "none", null, Map.of(), List.of());
    await(f.invoke(request("bot", "s1", "{}")));
    assertThat(f.router.list(OPERATOR, "bot", "", 10)).isEmpty();
    assertThatThrownBy(() -> f.router.suspend(OPERATOR, "s1", SessionWait.MANUAL))
        .hasMessageContaining("no session 's1' (agents with spec.memory none keep no sessions");
  }

  @Test
  void memorySession_isForgottenWhenTheSessionEnds() throws Exception {
    f.agent("bot", 2, 10, "session", "session", null, Map.of(), List.of());
    await(f.invoke(request("bot", "s1", "{}")));
    assertThat(f.router.end(OPERATOR, "s1").state()).isEqualTo(SessionInfo.State.ENDED);
    assertThat(f.router.list(OPERATOR, null, "", 10)).isEmpty();
    assertThat(f.runtime.events()).containsExactly("start s1", "stop s1");
  }

  @Test
  void memoryPersistent_isKeptUntilRetentionDays_thenPurged_andThePurgeAudited() throws Exception {
    f.agent("bot", 2, 10, "session", "persistent", 7, Map.of(), List.of());
    await(f.invoke(request("bot", "keep", "{}")));
    await(f.invoke(request("bot", "old", "{}")));
    f.router.end(OPERATOR, "old");
    f.clock.advance(Duration.ofDays(5));
    await(f.invoke(request("bot", "keep", "{}")));
    f.clock.advance(Duration.ofDays(3));
    assertThat(f.router.list(OPERATOR, "bot", "", 10)).extracting(SessionInfo::id).containsExactly("keep", "old");

    assertThat(((io.warden.executors.session.internal.RouterCore) f.router).purge()).isEqualTo(1);

    assertThat(f.router.list(OPERATOR, "bot", "", 10)).extracting(SessionInfo::id).containsExactly("keep");
    var purges = f.audit.list(0, 100, "session.purge");
    assertThat(purges).singleElement().satisfies(e -> {
      assertThat(e.target()).isEqualTo("agent/bot");
      assertThat(e.details().toString()).contains("old");
    });
  }

  @Test
  void suspendResumeAndEnd_askedByACaller_areAuditedAsTheCaller_refusedAndAutomaticOnesAreNot() throws Exception {
    f.agent("bot", 2, 10, "session");
    f.agent("other", 2, 10, "session");
    await(f.invoke(request("bot", "s1", "{}")));
    await(f.invoke(request("bot", "s2", "{}")));

    f.router.suspend(OPERATOR, "s1", SessionWait.parse("tool:erp"));
    f.router.resume(RouterFixture.agentCaller("bot"), "s1");
    f.router.end(OPERATOR, "s1");

    var events = f.audit.list(0, 100, "session.");
    assertThat(events).extracting(e -> e.actor() + " " + e.action() + " " + e.target()).containsExactly(
        "user:olga session.suspend session/s1", "agent:bot session.resume session/s1", "user:olga session.end session/s1");
    assertThat(events.get(0).details()).containsEntry("agent", "bot").containsEntry("waiting_for", "tool:erp")
        .containsEntry("state", "parked");
    assertThat(events.get(1).details()).containsEntry("agent", "bot").containsEntry("waited_for", "tool:erp")
        .containsEntry("state", "active");
    assertThat(events.get(2).details()).containsEntry("state", "ended");

    // refused: unknown session, another agent's session, a viewer; none is audited
    assertThatThrownBy(() -> f.router.suspend(OPERATOR, "nope", SessionWait.MANUAL)).isInstanceOf(WardenException.class);
    assertThatThrownBy(() -> f.router.resume(RouterFixture.agentCaller("other"), "s2"))
        .isInstanceOf(WardenException.class);
    assertThatThrownBy(() -> f.router.suspend(RouterFixture.VIEWER, "s2", SessionWait.MANUAL))
        .isInstanceOf(WardenException.class);
    assertThatThrownBy(() -> f.router.end(RouterFixture.agentCaller("other"), "s2")).isInstanceOf(WardenException.class);
    assertThat(f.audit.list(0, 100, "session.")).hasSize(3);

    // a session resuming by itself when its timer is due is not audited (only the caller's suspend is)
    String due = f.clock.instant().plus(Duration.ofMinutes(10)).toString();
    f.router.suspend(OPERATOR, "s2", SessionWait.parse("timer:" + due));
    f.clock.advance(Duration.ofMinutes(11));
    await().atMost(Duration.ofSeconds(10))
        .until(() -> f.router.get(OPERATOR, "s2").state() == SessionInfo.State.ACTIVE);
    assertThat(f.audit.list(0, 100, "session.")).extracting(e -> e.action() + " " + e.target())
        .endsWith("session.suspend session/s2").hasSize(4);
  }

  @Test
  void aForwardedSuspendResumeOrEnd_isAuditedOnce_onTheNodeThatTookTheCall() throws Exception {
    f.agent("bot", 2, 10, "session");
    // node b serves every session; node a (f.router is not used) forwards to it, on one shared store
    var handler = new java.util.concurrent.atomic.AtomicReference<
        java.util.function.Function<ForwardedCall, java.util.concurrent.CompletionStage<InvocationResult>>>();
    SessionOwnership ownsAll = new SessionOwnership() {
      @Override
      public String ownerOf(String agent, String session) {
        return LOCAL;
      }

      @Override
      public void serve(java.util.function.Function<ForwardedCall,
          java.util.concurrent.CompletionStage<InvocationResult>> h) {
        handler.set(h);
      }
    };
    SessionOwnership forwardsAll = new SessionOwnership() {
      @Override
      public String ownerOf(String agent, String session) {
        return "b";
      }

      @Override
      public java.util.concurrent.CompletionStage<InvocationResult> forward(String node, ForwardedCall call) {
        return handler.get().apply(call);
      }
    };
    try (var auditB = io.warden.core.audit.AuditLog.open(dir.resolve("audit-b.log"), f.clock);
        var nodeB = builder(auditB).setOwnership(ownsAll).build();
        var nodeA = builder(f.audit).setOwnership(forwardsAll).build()) {
      assertThat(await(nodeA.invoke(OPERATOR, request("bot", "s1", "{}")).toCompletableFuture()).status())
          .isEqualTo(200);
      assertThat(nodeA.suspend(OPERATOR, "s1", SessionWait.MANUAL).state()).isEqualTo(SessionInfo.State.PARKED);
      assertThat(nodeA.resume(OPERATOR, "s1").state()).isEqualTo(SessionInfo.State.ACTIVE);
      // memory: session, so the owner deletes the record when it ends; the answer still says ended
      assertThat(nodeA.end(OPERATOR, "s1").state()).isEqualTo(SessionInfo.State.ENDED);
      assertThat(f.runtime.events()).containsExactly("start s1", "suspend s1", "resume s1 1", "stop s1");

      assertThat(f.audit.list(0, 100, "session.")).extracting(e -> e.actor() + " " + e.action())
          .containsExactly("user:olga session.suspend", "user:olga session.resume", "user:olga session.end");
      assertThat(auditB.list(0, 100, "")).isEmpty();
      assertThat(nodeB).isNotNull();
    }
  }

  private SessionRouterBuilder builder(io.warden.core.audit.AuditLog audit) {
    return SessionRouters.builder().setStore(f.sessionsStore).setInventory(f.inventory)
        .setExecutors(Map.of("standin", f.runtime)).setAuditLog(audit).setBudgetLedger(f.ledger).setClock(f.clock);
  }

  @Test
  void defaultScaling_fromTheBuilder_appliesToAgentsWithoutSpecScaling() throws Exception {
    f.agent("bot", null, null, "session", "session", null, Map.of(), List.of());
    gated();
    try (var router = SessionRouters.builder().setStore(f.sessionsStore).setInventory(f.inventory)
        .setExecutors(Map.of("standin", f.runtime)).setAuditLog(f.audit).setBudgetLedger(f.ledger).setClock(f.clock)
        .setDefaultMaxConcurrency(1).setDefaultMaxQueue(1).build()) {
      CompletableFuture<InvocationResult> running = router.invoke(OPERATOR, request("bot", "a", "{}"))
          .toCompletableFuture();
      await().atMost(Duration.ofSeconds(10)).until(() -> f.runtime.running() == 1);
      CompletableFuture<InvocationResult> queued = router.invoke(OPERATOR, request("bot", "b", "{}"))
          .toCompletableFuture();
      assertThat(cause(router.invoke(OPERATOR, request("bot", "c", "{}")).toCompletableFuture()))
          .isInstanceOf(RouterBusyException.class);
      gate.countDown();
      assertThat(await(running).status()).isEqualTo(200);
      assertThat(await(queued).status()).isEqualTo(200);
    }
  }

  @Test
  void listing_pagesBySessionId_andAgentsSeeOnlyTheirOwn() throws Exception {
    f.agent("bot", 4, 100, "session");
    f.agent("other", 4, 100, "session");
    for (int i = 0; i < 5; i++) {
      await(f.invoke(request("bot", "s" + i, "{}")));
    }
    await(f.invoke(request("other", "x1", "{}")));
    assertThat(f.router.list(OPERATOR, "bot", "s1", 2)).extracting(SessionInfo::id).containsExactly("s2", "s3");
    assertThat(f.router.list(RouterFixture.agentCaller("other"), null, "", 10)).extracting(SessionInfo::id)
        .containsExactly("x1");
    assertThatThrownBy(() -> f.router.list(RouterFixture.agentCaller("other"), "bot", "", 10))
        .hasMessageContaining("may list only its own sessions");
  }
}
