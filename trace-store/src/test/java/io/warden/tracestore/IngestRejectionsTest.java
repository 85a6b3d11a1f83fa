package io.warden.tracestore;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.testing.LogCapture;
import io.warden.testing.MutableClock;
import io.warden.tracestore.IngestRejections.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class IngestRejectionsTest {
  private final AtomicLong nanos = new AtomicLong();
  private final MutableClock clock = new MutableClock(java.time.Instant.EPOCH);

  private IngestRejections rejections(int maxAgents, int recent) {
    return new IngestRejections(maxAgents, recent, Duration.ofMinutes(1), clock, nanos::get);
  }

  @Test
  void warning_isLoggedAtMostOnceAMinutePerAgentAndReason() {
    IngestRejections r = rejections(10, 20);
    try (LogCapture logs = LogCapture.of(IngestRejections.class)) {
      r.record("a", Reason.OTHER_AGENT_CLAIMED, "m1", "s1", "t1");
      r.record("a", Reason.OTHER_AGENT_CLAIMED, "m2", "s2", "t2");
      r.record("a", Reason.INVALID_SPAN, "m3", "s3", "t3");
      r.record("b", Reason.OTHER_AGENT_CLAIMED, "m4", "s4", "t4");
      nanos.addAndGet(Duration.ofSeconds(59).toNanos());
      r.record("a", Reason.OTHER_AGENT_CLAIMED, "m5", "s5", "t5");
      nanos.addAndGet(Duration.ofSeconds(1).toNanos());
      r.record("a", Reason.OTHER_AGENT_CLAIMED, "m6", "s6", "t6");
      assertThat(logs.lines()).hasSize(4);
      assertThat(logs.lines().get(0)).contains("'a'", "other_agent_claimed", "m1");
      assertThat(logs.lines().get(3)).contains("'a'", "other_agent_claimed", "4 so far", "m6");
    }
    assertThat(r.count("a", Reason.OTHER_AGENT_CLAIMED)).isEqualTo(4);
  }

  @Test
  void recent_keepsTheLastNPerReason_newestFirst() {
    IngestRejections r = rejections(10, 3);
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofSeconds(1));
      r.record("a", Reason.INVALID_SPAN, "m" + i, "s" + i, "t" + i);
    }
    IngestRejections.Summary s = r.summary("a");
    assertThat(s.total()).isEqualTo(5);
    assertThat(s.recent()).extracting(IngestRejections.Rejection::spanId).containsExactly("s4", "s3", "s2");
  }

  @Test
  void agents_areBounded_andTheOverflowCounted() {
    IngestRejections r = rejections(2, 20);
    List<String> series = new ArrayList<>();
    r.onNewSeries((agent, reason) -> series.add(agent + "/" + reason.label()));
    r.record("a", Reason.INVALID_SPAN, "m", "s", "t");
    r.record("b", Reason.INVALID_SPAN, "m", "s", "t");
    r.record("c", Reason.INVALID_SPAN, "m", "s", "t");
    r.record("c", Reason.NO_AGENT, "m", "s", "t");
    assertThat(r.agents()).isEqualTo(2);
    assertThat(r.overflowed()).isEqualTo(2);
    assertThat(r.summary("c").counts()).isEmpty();
    assertThat(series).containsExactly("a/invalid_span", "b/invalid_span");
  }
}
