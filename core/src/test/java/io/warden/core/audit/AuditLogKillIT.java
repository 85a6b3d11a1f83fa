package io.warden.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.testing.ChildJvm;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class AuditLogKillIT {

  @TempDir Path dir;

  @Test
  @Timeout(120)
  void append_killedMidWrite_keepsEveryAcknowledgedEntryAndAValidChain() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    long acked = ChildJvm.killAfterAcks(AuditCrashWriter.class, 300, file.toString());

    try (AuditLog log = AuditLog.open(file)) {
      AuditEvent next = log.append("system", "after.crash", "", Map.of());
      assertThat(next.seq()).isGreaterThan(acked);
      assertThat(log.list(acked - 1, 1, "").getFirst().seq()).isEqualTo(acked);
    }
    AuditVerifier.Result result = AuditVerifier.verify(file);
    assertThat(result.ok()).as(result.reason()).isTrue();
    assertThat(result.entries()).isGreaterThan(acked);
  }

  @Test
  @Timeout(120)
  void append_killedMidBatchOfEightThreads_keepsEveryAcknowledgedEntryAndAValidChain() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    long acked = ChildJvm.killAfterAcks(AuditCrashWriter.class, 600, file.toString(), "8");

    try (AuditLog log = AuditLog.open(file)) {
      // acked is the last ack printed, by any thread: durable, and so is every entry before it.
      AuditEvent next = log.append("system", "after.crash", "", Map.of());
      assertThat(next.seq()).isGreaterThan(acked);
      assertThat(log.list(0, 1_000_000, "")).extracting(AuditEvent::seq).startsWith(1L, 2L).contains(acked);
    }
    AuditVerifier.Result result = AuditVerifier.verify(file);
    assertThat(result.ok()).as(result.reason()).isTrue();
    assertThat(result.entries()).isGreaterThan(acked);
  }
}
