package io.warden.packaging;

import io.warden.core.WardenException;
import io.warden.packaging.cli.ApiClient;
import io.warden.packaging.cli.ApprovalsCommand;
import io.warden.packaging.cli.AuditCommand;
import io.warden.packaging.cli.RemoteCommands;
import io.warden.packaging.cli.RunCommand;
import io.warden.packaging.cli.TracesCommand;
import io.warden.packaging.cli.ValidateCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code warden} command. {@code ./warden run} and the CLI are the same launcher. */
@Command(
    name = "warden",
    mixinStandardHelpOptions = true,
    version = "Warden 0.1.0",
    description = "Governance and observability for production AI agents.",
    subcommands = {
      RunCommand.class,
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
    org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
    org.slf4j.bridge.SLF4JBridgeHandler.install();
    System.exit(commandLine().execute(args));
  }

  /** The configured command line (tests call it in-process). */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      if (ex instanceof ApiClient.CliException || ex instanceof WardenException) {
        cmd.getErr().println("error: " + ex.getMessage());
        if (ex instanceof WardenException we) {
          we.problems().forEach(p -> cmd.getErr().println("  " + p));
        }
        return 1;
      }
      throw ex;
    });
    return cli;
  }
}
