package io.warden.packaging.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code warden demo}: Warden on its embedded defaults with a stand-in model provider and ERP
 * system, a minute of agent traffic through the real paths, then where to look; runs until Ctrl-C
 * or SIGTERM. The work is {@link DemoRun}'s.
 */
@Command(name = "demo", description = {
    "Start Warden with a stand-in model provider and ERP system, drive a minute of agent traffic through",
    "it (delegation to a sub-agent, a payment held for approval, a shadow candidate, a budget nearly",
    "used), print where to look, and run until Ctrl-C. Data goes to a new directory, never ./data."})
public final class DemoCommand implements Callable<Integer> {
  @Option(names = "--duration", description = "seconds of traffic before the summary (default ${DEFAULT-VALUE})",
      defaultValue = "60")
  long durationSeconds;

  @Option(names = "--data", description = "data directory; must not exist or be empty (default: a new "
      + "warden-demo-* directory under the system's temporary directory)")
  Path data;

  @Override
  public Integer call() throws Exception {
    return new DemoRun(durationSeconds, data).call();
  }
}
