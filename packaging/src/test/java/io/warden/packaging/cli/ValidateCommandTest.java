package io.warden.packaging.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.packaging.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ValidateCommandTest {
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void validate_goodDirectory_exitsZero() throws Exception {
    Files.createDirectories(dir.resolve("agents"));
    Files.writeString(dir.resolve("agents/ok.yaml"), """
        apiVersion: agent.os/v1
        kind: Agent
        metadata:
          name: ok
          owner: team
        spec:
          model:
            provider: anthropic
            name: claude-opus-4-7
            pinned_revision: "2026-02-14"
        """);
    assertThat(run("validate", dir.toString())).isZero();
    assertThat(out.toString()).contains("ok.yaml: ok").contains("1 file(s) checked, 0 with problems");
  }

  @Test
  void validate_badFile_exitsOneWithFileLineColumn() throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, """
        apiVersion: agent.os/v1
        kind: Agent
        metadata:
          name: bad
          owner: team
        spec:
          model:
            provider: anthropic
            name: claude-opus-4-7
            pinned_revision: "2026-02-14"
          budgets:
            usd_per_day: -1
        """);
    assertThat(run("validate", bad.toString())).isEqualTo(1);
    assertThat(err.toString()).contains(bad + ":12:").contains("spec.budgets.usd_per_day");
  }

  @Test
  void validate_oversizedFile_isRefusedUnread() throws Exception {
    Path big = dir.resolve("big.yaml");
    Files.writeString(big, "#".repeat((1 << 20) + 1));
    assertThat(run("validate", big.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("limited to 1048576 bytes");
  }

  @Test
  void validate_missingPath_exitsOne() {
    assertThat(run("validate", dir.resolve("nope").toString())).isEqualTo(1);
    assertThat(err.toString()).contains("no such file or directory");
  }
}
