package io.warden.core.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.audit.internal.FileAuditLog;
import io.warden.testing.LogCapture;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {

  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T10:15:30Z"), ZoneOffset.UTC);

  @TempDir Path dir;

  private Path file() {
    return dir.resolve("audit/audit.jsonl");
  }

  @Test
  void append_first_startsChainAtSeqOne() throws Exception {
    try (AuditLog log = AuditLog.open(file(), CLOCK)) {
      AuditEvent first = log.append("user:alice", "change.open", "change/1", Map.of("branch", "feature"));
      AuditEvent second = log.append("system", "change.merge", "change/1", null);

      assertThat(first.seq()).isEqualTo(1);
      assertThat(first.prevHash()).isEmpty();
      assertThat(first.time()).isEqualTo(CLOCK.instant());
      assertThat(first.hash()).matches("[0-9a-f]{64}");
      assertThat(second.seq()).isEqualTo(2);
      assertThat(second.prevHash()).isEqualTo(first.hash());
      assertThat(second.details()).isEmpty();
    }
    List<String> lines = Files.readAllLines(file());
    assertThat(lines).hasSize(2);
    // The hash is SHA-256 over the line without its hash field: anyone can recompute it.
    String line = lines.getFirst();
    String canonical = line.substring(0, line.indexOf(",\"hash\":")) + "}";
    assertThat(canonical).isEqualTo("{\"seq\":1,\"time\":\"2026-03-01T10:15:30Z\",\"actor\":\"user:alice\","
        + "\"action\":\"change.open\",\"target\":\"change/1\",\"details\":{\"branch\":\"feature\"},\"prevHash\":\"\"}");
    byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
    assertThat(line).endsWith(",\"hash\":\"" + HexFormat.of().formatHex(digest) + "\"}");
  }

  @Test
  void open_existingLog_continuesChain() {
    AuditEvent third;
    try (AuditLog log = AuditLog.open(file(), CLOCK)) {
      log.append("system", "a.one", "", Map.of());
      log.append("system", "a.two", "", Map.of());
      third = log.append("system", "a.three", "", Map.of());
    }
    try (AuditLog log = AuditLog.open(file(), CLOCK)) {
      AuditEvent fourth = log.append("system", "a.four", "", Map.of());
      assertThat(fourth.seq()).isEqualTo(4);
      assertThat(fourth.prevHash()).isEqualTo(third.hash());
      assertThat(log.list(0, 10, "")).extracting(AuditEvent::action)
          .containsExactly("a.one", "a.two", "a.three", "a.four");
    }
    assertThat(AuditVerifier.verify(file())).isEqualTo(new AuditVerifier.Result(true, 4, 0, ""));
  }

  @Test
  void list_afterSeqLimitAndPrefix_selectsAcrossIndexBlocks() {
    try (AuditLog log = AuditLog.open(file(), CLOCK)) {
      for (int i = 1; i <= 700; i++) {
        log.append("system", i % 2 == 0 ? "change.even" : "credential.odd", "n/" + i, Map.of("i", i));
      }
      assertThat(log.list(300, 3, "")).extracting(AuditEvent::seq).containsExactly(301L, 302L, 303L);
      assertThat(log.list(513, 2, null)).extracting(AuditEvent::seq).containsExactly(514L, 515L);
      assertThat(log.list(600, 1000, "change.")).extracting(AuditEvent::seq)
          .hasSize(50).allMatch(seq -> seq % 2 == 0 && seq > 600);
      assertThat(log.list(700, 10, "")).isEmpty();
      assertThat(log.list(0, 1, "credential").getFirst().details()).containsEntry("i", 1);
    }
  }

  @Test
  void list_badArguments_areRefused() {
    try (AuditLog log = AuditLog.open(file(), CLOCK)) {
      assertThatThrownBy(() -> log.list(-1, 10, "")).hasMessage("afterSeq must not be negative: -1");
      assertThatThrownBy(() -> log.list(0, 0, "")).hasMessage("limit must be positive: 0");
    }
  }

  @Test
  void append_detailsOfEveryJsonShape_roundTripAndVerify() {
    Map<String, Object> details = new HashMap<>();
    details.put("amount", new BigDecimal("1.50"));
    details.put("ratio", 0.1);
    details.put("big", 1e300);
    details.put("nested", Map.of("z", List.of(1, "two", true), "a", Map.of()));
    details.put("text", "zürich \"quoted\"\nnew line \u2028");
    details.put("dropped", null);
    try (AuditLog log = AuditLog.open(file(), CLOCK)) {
      AuditEvent event = log.append("user:bob", "x.y", "t", details);
      assertThat(event.details()).doesNotContainKey("dropped").containsKeys("amount", "nested", "text");
      assertThat(log.list(0, 1, "").getFirst()).isEqualTo(event);
    }
    assertThat(AuditVerifier.verify(file()).ok()).isTrue();
  }

  @Test
  void append_blankActorOrAction_isRefused() {
    try (AuditLog log = AuditLog.open(file(), CLOCK)) {
      assertThatThrownBy(() -> log.append(" ", "a.b", "", Map.of())).hasMessage("actor must not be blank");
      assertThatThrownBy(() -> log.append("system", "", "", Map.of())).hasMessage("action must not be blank");
      assertThat(log.list(0, 10, "")).isEmpty();
    }
  }

  @Test
  void open_tornLastLine_cutsItOffWithWarningAndContinues() throws IOException {
    AuditEvent second;
    try (AuditLog log = AuditLog.open(file(), CLOCK)) {
      log.append("system", "a.one", "", Map.of());
      second = log.append("system", "a.two", "", Map.of());
    }
    long intactSize = Files.size(file());
    String torn = "{\"seq\":3,\"time\":\"2026-03-01T1";
    Files.writeString(file(), torn, StandardOpenOption.APPEND);
    assertThat(AuditVerifier.verify(file())).isEqualTo(new AuditVerifier.Result(true, 2, 0, ""));

    try (LogCapture logs = LogCapture.of(FileAuditLog.class); AuditLog log = AuditLog.open(file(), CLOCK)) {
      assertThat(logs.lines()).singleElement().asString()
          .startsWith("WARN audit log " + file().toAbsolutePath())
          .contains("cut off an incomplete last line (" + torn.length() + " bytes at offset " + intactSize + ")");
      assertThat(Files.size(file())).isEqualTo(intactSize);
      AuditEvent third = log.append("system", "a.three", "", Map.of());
      assertThat(third.seq()).isEqualTo(3);
      assertThat(third.prevHash()).isEqualTo(second.hash());
    }
    assertThat(AuditVerifier.verify(file())).isEqualTo(new AuditVerifier.Result(true, 3, 0, ""));
  }

  @Test
  void open_lastLineGarbage_refusesWithWhatToDo() throws IOException {
    try (AuditLog log = AuditLog.open(file(), CLOCK)) {
      log.append("system", "a.one", "", Map.of());
    }
    Files.writeString(file(), "not json\n", StandardOpenOption.APPEND);
    assertThatThrownBy(() -> AuditLog.open(file(), CLOCK))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the last entry (line 2")
        .hasMessageContaining("warden audit verify");
  }

  @Test
  void open_twice_isRefused() {
    try (AuditLog log = AuditLog.open(file(), CLOCK)) {
      assertThatThrownBy(() -> AuditLog.open(file(), CLOCK)).hasMessageContaining("is already open");
      assertThat(log.append("system", "a.b", "", Map.of()).seq()).isEqualTo(1);
    }
  }

  @Test
  void append_afterClose_fails() {
    AuditLog log = AuditLog.open(file(), CLOCK);
    log.close();
    log.close();
    assertThatThrownBy(() -> log.append("system", "a.b", "", Map.of())).hasMessageContaining("is closed");
  }

  @Test
  @Timeout(120)
  void append_manyThreads_keepOneValidChain() throws Exception {
    int threads = 8;
    int perThread = 100;
    ConcurrentLinkedQueue<Long> seqs = new ConcurrentLinkedQueue<>();
    long started = System.nanoTime();
    try (AuditLog log = AuditLog.open(file()); ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            AuditEvent event = log.append("agent:a" + id, "load.test", "n/" + i, Map.of("thread", id, "i", i));
            seqs.add(event.seq());
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      assertThat(log.list(0, 10_000, "")).hasSize(threads * perThread);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf("audit: %d fsynced appends from %d threads in %.2f s (%.0f/s)%n",
        threads * perThread, threads, seconds, threads * perThread / seconds);
    assertThat(seqs).doesNotHaveDuplicates().hasSize(threads * perThread);
    assertThat(AuditVerifier.verify(file())).isEqualTo(new AuditVerifier.Result(true, threads * perThread, 0, ""));
  }

  @Test
  void append_32Threads_eachEntryIsDurableWhenAppendReturnsAndTheChainIsInAppendOrder() throws Exception {
    int threads = 32;
    int perThread = 25;
    ConcurrentLinkedQueue<AuditEvent> events = new ConcurrentLinkedQueue<>();
    try (AuditLog log = AuditLog.open(file()); ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            AuditEvent event = log.append("agent:a" + id, "load.test", "n/" + i, Map.of("thread", id, "i", i));
            // list() only returns forced entries: the entry must be there the moment append returns.
            assertThat(log.list(event.seq() - 1, 1, "")).containsExactly(event);
            events.add(event);
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      // The file order is the chain order: each entry links to the one before it.
      List<AuditEvent> all = log.list(0, 10_000, "");
      assertThat(all).hasSize(threads * perThread);
      for (int i = 0; i < all.size(); i++) {
        assertThat(all.get(i).seq()).isEqualTo(i + 1);
        assertThat(all.get(i).prevHash()).isEqualTo(i == 0 ? "" : all.get(i - 1).hash());
      }
      assertThat(all).containsExactlyInAnyOrderElementsOf(events);
    }
    assertThat(AuditVerifier.verify(file())).isEqualTo(new AuditVerifier.Result(true, threads * perThread, 0, ""));
  }
}
