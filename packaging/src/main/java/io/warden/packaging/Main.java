package io.warden.packaging;

import io.warden.core.WardenException;
import io.warden.packaging.cli.ApiClient;
import io.warden.packaging.cli.ApprovalsCommand;
import io.warden.packaging.cli.AuditCommand;
import io.warden.packaging.cli.DemoCommand;
import io.warden.packaging.cli.RemoteCommands;
import io.warden.packaging.cli.RunCommand;
import io.warden.packaging.cli.TracesCommand;
import io.warden.packaging.cli.ValidateCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;

/**
 * The {@code warden} command. {@code ./warden run} and the CLI are the same launcher. Every command
 * and subcommand inherits {@code --help} and {@code --version}. Commands that only call the server
 * load nothing but picocli, Jackson and the JDK's HTTP client (the launcher starts them on a short
 * class path), so nothing here may touch the appliance's classes before {@code run} executes.
 */
@Command(
    name = "warden",
    scope = ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    version = "Warden 0.1.0",
    description = "Governance and observability for production AI agents.",
    subcommands = {
      RunCommand.class,
      DemoCommand.class,
      ValidateCommand.class,
      RemoteCommands.Agents.class,
      RemoteCommands.Changes.class,
      RemoteCommands.Users.class,
      RemoteCommands.Token.class,
      TracesCommand.class,
      AuditCommand.class,
      ApprovalsCommand.class,
    })
public final class Main {

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line (tests call it in-process). */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      if (ex instanceof ApiClient.CliException || ex instanceof WardenException) {
        cmd.getErr().println("error: " + ex.getMessage());
        if (ex instanceof WardenException we) {
          we.problems().stream().map(String::valueOf).filter(p -> !ex.getMessage().contains(p))
              .forEach(p -> cmd.getErr().println("  " + p));
        }
        return 1;
      }
      throw ex;
    });
    return cli;
  }
}
