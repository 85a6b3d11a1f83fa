package io.warden.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.testing.MutableClock;
import io.warden.core.audit.AuditEvent;
import io.warden.core.audit.AuditLog;
import io.warden.core.audit.AuditVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FailedAuthenticationsTest {
  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
  private AuditLog audit;
  private FailedAuthentications failures;

  @BeforeEach
  void setUp() {
    audit = AuditLog.open(dir.resolve("audit.jsonl"), clock);
    failures = new FailedAuthentications(audit, clock, 3, Duration.ofMinutes(1), 2);
  }

  @AfterEach
  void tearDown() {
    failures.close();
    audit.close();
  }

  private List<AuditEvent> entries() {
    return audit.list(0, 1000, "auth.failure");
  }

  private FailedAuthentications.Verdict fail(String source) {
    return failures.record(source, "unknown user token abc", "user-token/abc", Map.of("tokenId", "abc"));
  }

  @Test
  void record_firstFailureAuditedAtOnce_restInOneSummaryWhenTheWindowEnds() {
    for (int i = 0; i < 5; i++) {
      fail("10.0.0.1");
    }
    assertThat(entries()).singleElement().satisfies(e -> {
      assertThat(e.actor()).isEqualTo("anonymous");
      assertThat(e.target()).isEqualTo("user-token/abc");
      assertThat(e.details()).containsEntry("source", "10.0.0.1").containsEntry("count", 1)
          .containsEntry("tokenId", "abc").containsEntry("reason", "unknown user token abc");
    });

    failures.flush();
    assertThat(entries()).hasSize(1);
    clock.advance(Duration.ofMinutes(1));
    failures.flush();

    assertThat(entries()).hasSize(2).last().satisfies(e -> assertThat(e.details())
        .containsEntry("source", "10.0.0.1").containsEntry("count", 4).containsEntry("refused", 2)
        .containsEntry("summary", true).containsEntry("window_start", "2026-03-01T10:00:00Z"));
    assertThat(AuditVerifier.verify(dir.resolve("audit.jsonl")).ok()).isTrue();
  }

  @Test
  void record_overBudget_isThrottledForTheRestOfTheWindow_onlyThatSource() {
    for (int i = 0; i < 3; i++) {
      assertThat(fail("10.0.0.1").throttled()).isFalse();
    }
    clock.advance(Duration.ofSeconds(20));
    FailedAuthentications.Verdict fourth = fail("10.0.0.1");

    assertThat(fourth.throttled()).isTrue();
    assertThat(fourth.retryAfter()).isEqualTo(Duration.ofSeconds(40));
    assertThat(failures.overBudget("10.0.0.1")).isTrue();
    assertThat(fail("10.0.0.2").throttled()).isFalse();

    clock.advance(Duration.ofSeconds(40));
    assertThat(failures.overBudget("10.0.0.1")).isFalse();
    assertThat(fail("10.0.0.1").throttled()).isFalse();
  }

  @Test
  void record_thousandFailuresFromOneSource_costTwoAuditEntries() throws Exception {
    long before = Files.size(dir.resolve("audit.jsonl"));
    for (int i = 0; i < 1000; i++) {
      fail("10.0.0.1");
    }
    clock.advance(Duration.ofMinutes(1));
    failures.flush();

    long bytes = Files.size(dir.resolve("audit.jsonl")) - before;
    assertThat(entries()).hasSize(2);
    assertThat(entries().stream().mapToLong(e -> ((Number) e.details().get("count")).longValue()).sum())
        .isEqualTo(1000);
    assertThat(bytes).as("audit bytes for 1,000 failures").isLessThan(2_000);
  }

  @Test
  void record_moreSourcesThanTracked_shareOneBucket() {
    for (int i = 0; i < 10; i++) {
      fail("10.0.1." + i);
    }
    // Two sources tracked, the other eight counted together.
    assertThat(entries()).extracting(e -> e.details().get("source"))
        .containsExactly("10.0.1.0", "10.0.1.1", FailedAuthentications.OTHER_SOURCES);
    failures.close();
    assertThat(entries()).hasSize(4).last()
        .satisfies(e -> assertThat(e.details()).containsEntry("source", FailedAuthentications.OTHER_SOURCES)
            .containsEntry("count", 7));
  }

  @Test
  void record_unknownSource_isCountedUnderOneName() {
    fail(null);
    fail("");
    assertThat(entries()).singleElement()
        .satisfies(e -> assertThat(e.details()).containsEntry("source", FailedAuthentications.UNKNOWN_SOURCE));
  }
}
