package io.warden.packaging.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.packaging.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command and subcommand answers {@code --help} with its usage and exit code 0. */
class CommandTreeTest {

  @Test
  void everyCommand_hasHelp_exitZero() {
    List<List<String>> paths = HelpTree.paths();
    assertThat(paths).as("the tree includes the new commands")
        .contains(List.of("agents", "credentials", "create"), List.of("agents", "credentials", "revoke"),
            List.of("changes", "recheck"), List.of("agents", "shadow"));
    for (List<String> path : paths) {
      assertThat(HelpTree.problem(path, "--help")).isNull();
      assertThat(HelpTree.problem(path, "-h")).isNull();
    }
  }

  @Test
  void group_withoutSubcommand_namesTheSubcommands_exitTwo() {
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setErr(new PrintWriter(err, true));
    assertThat(cli.execute("agents", "credentials")).isEqualTo(2);
    assertThat(err.toString()).contains("missing a subcommand: one of create, list, revoke");
  }
}
