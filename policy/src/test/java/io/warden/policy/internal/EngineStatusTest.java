package io.warden.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.testing.RecordingAuditLog;
import io.warden.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EngineStatusTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T10:00:00Z"));
  private final RecordingAuditLog audit = new RecordingAuditLog();
  private EngineStatus status;

  @BeforeEach
  void setUp() {
    // Runnable::run: audit events are written at once, so the test sees them without waiting.
    status = new EngineStatus(Duration.ofSeconds(1), clock, audit, Runnable::run);
  }

  private void fail(int times) {
    for (int i = 0; i < times; i++) {
      assertThat(status.tryAcquire()).isTrue();
      status.onFailure(1_000_000, new OpaException.Unavailable("connection refused", null));
    }
  }

  @Test
  void tryAcquire_beforeOpaWasSeenUp_isRefused() {
    assertThat(status.tryAcquire()).isFalse();
    assertThat(status.available()).isFalse();
    assertThat(status.breakerState()).isEqualTo("FORCED_OPEN");
  }

  @Test
  void opaUp_firstTime_closesBreakerWithoutAuditEvent() {
    status.opaUp();

    assertThat(status.tryAcquire()).isTrue();
    assertThat(status.available()).isTrue();
    assertThat(audit.events()).isEmpty();
  }

  @Test
  void onFailure_threeUnavailableCalls_opensBreakerAndAuditsDown() {
    status.opaUp();
    fail(3);

    assertThat(status.breakerState()).isEqualTo("OPEN");
    assertThat(status.tryAcquire()).isFalse();
    assertThat(status.available()).isFalse();
    assertThat(audit.actions()).containsExactly("policy.engine.down");
    assertThat(audit.events().get(0).details().get("reason").toString()).contains("connection refused");
  }

  @Test
  void opaDown_afterStopping_refusesCallsButIsNeitherAuditedNorCounted() {
    status.opaUp();
    status.stopping();

    status.opaDown("opa (pid 1) exited with code 0");

    assertThat(status.tryAcquire()).isFalse();
    assertThat(status.available()).isFalse();
    assertThat(status.downEvents()).isZero();
    assertThat(audit.events()).isEmpty();
  }

  @Test
  void opaDown_afterTheWorkerClosed_isNotAnError() {
    java.util.concurrent.ExecutorService closed = java.util.concurrent.Executors.newSingleThreadExecutor();
    closed.shutdown();
    EngineStatus late = new EngineStatus(Duration.ofSeconds(1), clock, audit, closed);
    late.opaUp();

    late.opaDown("connection refused"); // used to throw RejectedExecutionException

    assertThat(late.available()).isFalse();
    assertThat(audit.events()).isEmpty();
  }

  @Test
  void onFailure_rejectedAnswers_doNotOpenBreaker() {
    status.opaUp();
    for (int i = 0; i < 5; i++) {
      assertThat(status.tryAcquire()).isTrue();
      status.onFailure(1_000, new OpaException.Rejected(500, "internal_error", "eval_conflict_error", java.util.List.of()));
    }

    assertThat(status.breakerState()).isEqualTo("CLOSED");
  }

  @Test
  void tryAcquire_afterOpenTime_letsOneTrialThroughAndSuccessClosesAndAuditsUp() {
    status.opaUp();
    fail(3);
    clock.advance(Duration.ofMillis(999));
    assertThat(status.tryAcquire()).isFalse();

    clock.advance(Duration.ofMillis(2));
    assertThat(status.tryAcquire()).as("half-open trial").isTrue();
    assertThat(status.tryAcquire()).as("only one trial at a time").isFalse();
    status.onSuccess(1_000);

    assertThat(status.breakerState()).isEqualTo("CLOSED");
    assertThat(status.available()).isTrue();
    assertThat(audit.actions()).containsExactly("policy.engine.down", "policy.engine.up");
  }

  @Test
  void tryAcquire_failedTrial_reopens() {
    status.opaUp();
    fail(3);
    clock.advance(Duration.ofSeconds(2));
    fail(1);

    assertThat(status.breakerState()).isEqualTo("OPEN");
    assertThat(status.tryAcquire()).isFalse();
    assertThat(audit.actions()).containsExactly("policy.engine.down");
  }

  @Test
  void opaDown_forcesOpenUntilOpaUp_evenAfterOpenTime() {
    status.opaUp();
    status.opaDown("opa (pid 42) exited with code 137");
    clock.advance(Duration.ofMinutes(5));

    assertThat(status.tryAcquire()).isFalse();
    assertThat(status.describe()).containsEntry("reason", "opa (pid 42) exited with code 137");

    status.opaUp();
    assertThat(status.tryAcquire()).isTrue();
    assertThat(audit.actions()).containsExactly("policy.engine.down", "policy.engine.up");
    assertThat(status.downEvents()).isEqualTo(1);
  }
}
