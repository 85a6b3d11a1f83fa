package io.warden.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.testing.MutableClock;
import io.warden.testing.RecordingAuditLog;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link EngineStatus#onUp}: what re-runs change-request checks that errored during an outage. */
class EngineStatusUpListenerTest {

  @Test
  void onUp_toldOnEachTransitionToAvailable_notWhileStayingUpOrDown() {
    // Runnable::run as the worker: listeners run at once, so the test sees them without waiting.
    EngineStatus status = new EngineStatus(Duration.ofSeconds(1),
        new MutableClock(Instant.parse("2026-11-26T10:00:00Z")), new RecordingAuditLog(), Runnable::run);
    AtomicInteger told = new AtomicInteger();
    status.onUp(told::incrementAndGet);
    status.onUp(() -> {
      throw new IllegalStateException("a failing listener does not stop the others");
    });

    status.opaUp();
    status.opaUp();
    assertThat(told).hasValue(1);

    status.opaDown("opa exited");
    status.opaDown("opa exited");
    assertThat(told).hasValue(1);

    status.opaUp();
    assertThat(told).hasValue(2);
    assertThat(status.available()).isTrue();
  }
}
