package io.warden.packaging.cli;

import io.warden.core.WardenException;
import io.warden.packaging.Appliance;
import io.warden.packaging.StopLog;
import io.warden.packaging.config.WardenConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code warden run}: validates the whole configuration, checks the ports, starts the appliance and
 * runs until Ctrl-C or SIGTERM, then stops it in order and exits 0 with one "Warden stopped" line.
 */
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
    Appliance app = start(cfg);
    stopOnSignal("Warden", app).await();
    return 0;
  }

  /** Starts the appliance; a start-up failure is one line for whoever started Warden. */
  static Appliance start(WardenConfig cfg) {
    org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
    org.slf4j.bridge.SLF4JBridgeHandler.install();
    try {
      return Appliance.start(cfg);
    } catch (WardenException e) {
      throw e;
    } catch (RuntimeException e) {
      // The trace is for debugging.
      LoggerFactory.getLogger(RunCommand.class).debug("start failed", e);
      throw new WardenException("unavailable", "cannot start: " + e.getMessage()
          + " (WARDEN_LOG_LEVEL=DEBUG shows where)");
    }
  }

  /**
   * On Ctrl-C or SIGTERM: closes {@code parts} in order, logs "{@code what} stopped" and exits 0.
   * The latch opens when that is done (await it to run until stopped).
   */
  static CountDownLatch stopOnSignal(String what, AutoCloseable... parts) {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      Logger log = LoggerFactory.getLogger(RunCommand.class);
      StopLog.stopping();
      log.info("stopping {}", what);
      for (AutoCloseable part : parts) {
        try {
          part.close();
        } catch (Exception e) {
          log.warn("{} did not stop cleanly: {}", part.getClass().getSimpleName(), e.toString());
        }
      }
      log.info("{} stopped", what);
      stopped.countDown();
      // A requested stop is a normal end: exit 0, not the 130/143 the signal would give.
      Runtime.getRuntime().halt(0);
    }, "warden-shutdown"));
    return stopped;
  }
}
