package io.warden.packaging.cli;

import io.warden.core.audit.AuditVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code warden audit verify}: offline check of the audit log's hash chain. */
@Command(name = "audit", description = "Audit log tools.", subcommands = AuditCommand.Verify.class)
public final class AuditCommand extends RemoteCommands.Group {

  @Command(name = "verify", description = "Verify the audit log's hash chain offline; exit 1 at the first broken link.")
  static final class Verify implements Callable<Integer> {
    @Option(names = "--data", description = "data directory (default: $WARDEN_DATA or ./data)")
    Path data;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      Path dir = data != null ? data : Path.of(System.getenv().getOrDefault("WARDEN_DATA", "data"));
      Path file = dir.resolve("audit").resolve("audit.log");
      if (!Files.exists(file)) {
        spec.commandLine().getErr().println(file + ": no audit log here; pass --data with Warden's data directory");
        return 1;
      }
      AuditVerifier.Result result = AuditVerifier.verify(file);
      if (result.ok()) {
        spec.commandLine().getOut().println(file + ": ok, " + result.entries() + " entries, chain intact");
        return 0;
      }
      spec.commandLine().getErr().println(file + ":" + result.brokenLine() + ": broken chain: " + result.reason());
      return 1;
    }
  }
}
