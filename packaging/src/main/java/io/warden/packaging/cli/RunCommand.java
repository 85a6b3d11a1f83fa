package io.warden.packaging.cli;

import io.warden.packaging.Appliance;
import io.warden.packaging.config.WardenConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code warden run}: starts the appliance and runs until interrupted. */
@Command(name = "run", description = "Start Warden (HTTP API, git endpoint, stores) and run until stopped.")
public final class RunCommand implements Callable<Integer> {
  @Option(names = "--config", description = "configuration file (default: ./warden.yaml if present, else built-in defaults)")
  Path config;

  @Option(names = "--data", description = "data directory (overrides data_dir and $WARDEN_DATA)")
  String data;

  @Override
  public Integer call() throws Exception {
    Path file = config != null ? config : (Files.exists(Path.of("warden.yaml")) ? Path.of("warden.yaml") : null);
    WardenConfig cfg = WardenConfig.load(file, System.getenv());
    if (data != null) {
      cfg = cfg.with("data_dir", data);
    }
    Appliance app = Appliance.start(cfg);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      app.close();
      stopped.countDown();
    }, "Warden_Shutdown"));
    stopped.await();
    return 0;
  }
}
