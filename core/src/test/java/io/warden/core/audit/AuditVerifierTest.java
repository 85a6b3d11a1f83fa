package io.warden.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditVerifierTest {

  @TempDir Path dir;
  private Path file;

  @BeforeEach
  void writeFiveEntries() {
    file = dir.resolve("audit.jsonl");
    try (AuditLog log = AuditLog.open(file)) {
      for (int i = 1; i <= 5; i++) {
        log.append("user:alice", "change.approve", "change/" + i, Map.of("note", "entry " + i));
      }
    }
  }

  private List<String> lines() throws IOException {
    return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
  }

  private void write(List<String> lines) throws IOException {
    Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
  }

  @Test
  void verify_intact_isOk() {
    assertThat(AuditVerifier.verify(file)).isEqualTo(new AuditVerifier.Result(true, 5, 0, ""));
  }

  @Test
  void verify_emptyFile_isOk() throws IOException {
    Path empty = Files.createFile(dir.resolve("empty.jsonl"));
    assertThat(AuditVerifier.verify(empty)).isEqualTo(new AuditVerifier.Result(true, 0, 0, ""));
  }

  @Test
  void verify_missingFile_saysSo() {
    AuditVerifier.Result result = AuditVerifier.verify(dir.resolve("nope.jsonl"));
    assertThat(result.ok()).isFalse();
    assertThat(result.reason()).startsWith("no audit log at ");
  }

  @Test
  void verify_oneByteChangedInTheMiddle_failsAtThatLine() throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    String text = new String(bytes, StandardCharsets.UTF_8);
    int at = text.indexOf("entry 3");
    bytes[at + "entry ".length()] = '9'; // "entry 3" -> "entry 9"
    Files.write(file, bytes);

    AuditVerifier.Result result = AuditVerifier.verify(file);

    assertThat(result.ok()).isFalse();
    assertThat(result.brokenLine()).isEqualTo(3);
    assertThat(result.entries()).isEqualTo(3);
    assertThat(result.reason()).startsWith("bad hash");
  }

  @Test
  void verify_lineDeleted_failsAtTheGap() throws IOException {
    List<String> lines = lines();
    lines.remove(1);
    write(lines);

    AuditVerifier.Result result = AuditVerifier.verify(file);

    assertThat(result).isEqualTo(new AuditVerifier.Result(false, 2, 2, "seq gap: expected seq 2, found 3"));
  }

  @Test
  void verify_prevHashRewritten_reportsMismatch() throws IOException {
    List<String> lines = lines();
    lines.set(3, lines.get(3).replaceFirst("\"prevHash\":\"[0-9a-f]{64}\"", "\"prevHash\":\"" + "0".repeat(64) + "\""));
    write(lines);

    AuditVerifier.Result result = AuditVerifier.verify(file);

    assertThat(result.brokenLine()).isEqualTo(4);
    assertThat(result.reason()).startsWith("prevHash mismatch: the entry links to '" + "0".repeat(64) + "'");
  }

  @Test
  void verify_garbageLine_isUnparsable() throws IOException {
    List<String> lines = lines();
    lines.set(4, "{\"seq\":5,");
    write(lines);

    AuditVerifier.Result result = AuditVerifier.verify(file);

    assertThat(result.brokenLine()).isEqualTo(5);
    assertThat(result.reason()).startsWith("unparsable line: not json");
  }

  @Test
  void verify_extraFieldInjected_isUnparsable() throws IOException {
    List<String> lines = lines();
    lines.set(0, lines.get(0).replaceFirst("\\{", "{\"approvedBy\":\"mallory\","));
    write(lines);

    AuditVerifier.Result result = AuditVerifier.verify(file);

    assertThat(result).isEqualTo(
        new AuditVerifier.Result(false, 1, 1, "unparsable line: unexpected field 'approvedBy'"));
  }

  @Test
  void verify_reformattedButSameContent_isOk() throws IOException {
    // The hash is over a canonical form, not the bytes: re-serializing with other spacing/order is fine.
    List<String> lines = lines();
    lines.set(2, lines.get(2).replace(",\"", ", \""));
    write(lines);

    assertThat(AuditVerifier.verify(file).ok()).isTrue();
  }
}
