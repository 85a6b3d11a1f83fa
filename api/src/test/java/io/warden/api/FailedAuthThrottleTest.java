package io.warden.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailedAuthThrottleTest {
  private final AtomicLong nanos = new AtomicLong();
  private final FailedAuthThrottle throttle = new FailedAuthThrottle(3, nanos::get);

  @Test
  void refuses_afterTheFailureBudget_onlyThatAddress() {
    for (int i = 0; i < 2; i++) {
      throttle.failed("10.0.0.1");
    }
    assertThat(throttle.refuses("10.0.0.1", "guess")).isFalse();
    throttle.failed("10.0.0.1");
    assertThat(throttle.refuses("10.0.0.1", "guess")).isTrue();
    assertThat(throttle.refuses("10.0.0.2", "guess")).isFalse();
  }

  @Test
  void refuses_notASecretThatSucceededRecently() {
    throttle.succeeded("good-token");
    for (int i = 0; i < 3; i++) {
      throttle.failed("10.0.0.1");
    }
    assertThat(throttle.refuses("10.0.0.1", "good-token")).isFalse();
    assertThat(throttle.refuses("10.0.0.1", "other")).isTrue();
  }

  @Test
  void refuses_untilTheWindowPasses() {
    for (int i = 0; i < 3; i++) {
      throttle.failed("10.0.0.1");
    }
    assertThat(throttle.refuses("10.0.0.1", "guess")).isTrue();
    nanos.addAndGet(FailedAuthThrottle.WINDOW.plus(Duration.ofSeconds(1)).toNanos());
    assertThat(throttle.refuses("10.0.0.1", "guess")).isFalse();
  }
}
