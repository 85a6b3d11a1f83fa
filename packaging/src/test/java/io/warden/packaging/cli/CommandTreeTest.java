package io.warden.packaging.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.packaging.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command and subcommand answers {@code --help} with its usage and exit code 0. */
class CommandTreeTest {

  @Test
  void everyCommand_hasHelp_exitZero() {
    List<List<String>> paths = new ArrayList<>();
    collect(Main.commandLine(), new ArrayList<>(), paths);
    assertThat(paths).as("the tree includes the new commands")
        .contains(List.of("agents", "credentials", "create"), List.of("agents", "credentials", "revoke"),
            List.of("changes", "recheck"));
    for (List<String> path : paths) {
      for (String flag : List.of("--help", "-h")) {
        List<String> args = new ArrayList<>(path);
        args.add(flag);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args.toArray(String[]::new));
        assertThat(code).as("warden %s: %s", String.join(" ", args), err).isZero();
        assertThat(out.toString()).as("warden %s", String.join(" ", args))
            .startsWith("Usage: warden" + (path.isEmpty() ? "" : " " + String.join(" ", path)));
        assertThat(err.toString()).isEmpty();
      }
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

  private static void collect(CommandLine cmd, List<String> path, List<List<String>> out) {
    out.add(List.copyOf(path));
    cmd.getSubcommands().forEach((name, sub) -> {
      if (!sub.getCommandSpec().aliases().equals(new String[] {name})) {
        List<String> next = new ArrayList<>(path);
        next.add(name);
        collect(sub, next, out);
      }
    });
  }
}
