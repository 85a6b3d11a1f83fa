package io.warden.tracestore.clickhouse;

import static org.awaitility.Awaitility.await;

import io.warden.testing.TestPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code src/test/python/chdb_http_server.py}: the real ClickHouse engine (chDB) behind a
 * ClickHouse-HTTP endpoint on 127.0.0.1, so the JDBC driver runs unmodified against it. The data
 * directory survives {@link #kill()} and {@link #start()}, like a server's. Fails (never skips) with
 * the fix when Python or chDB is missing.
 */
final class ChdbHttpServer implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Path python;
  private final Path script;
  private final Path dataDir;
  private final Path log;
  private final int port;
  private Process process;

  private ChdbHttpServer(Path python, Path script, Path dataDir, Path log, int port) {
    this.python = python;
    this.script = script;
    this.dataDir = dataDir;
    this.log = log;
    this.port = port;
  }

  /** A server on a free port over {@code dataDir}, not started yet. */
  static ChdbHttpServer create(Path dataDir) {
    Path module = moduleDir();
    Path python = pythonPath(module);
    Path script = module.resolve("src/test/python/chdb_http_server.py");
    if (!Files.isRegularFile(script)) {
      throw new IllegalStateException("the chDB HTTP endpoint script is missing: " + script);
    }
    Path log = module.resolve("target/chdb-http-" + dataDir.getFileName() + ".log");
    try {
      Files.deleteIfExists(log); // restarts of this server append to it
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new ChdbHttpServer(python, script, dataDir, log, TestPorts.free());
  }

  /** Starts the server and waits until {@code /ping} answers. */
  ChdbHttpServer start() {
    try {
      Files.createDirectories(log.getParent());
      ProcessBuilder pb = new ProcessBuilder(List.of(python.toString(), script.toString(),
          "--host", "127.0.0.1", "--port", Integer.toString(port), "--path", dataDir.toString(),
          "--exit-with-parent"))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      pb.environment().put("PYTHONUNBUFFERED", "1");
      process = pb.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + python + " " + script + ": " + e.getMessage()
          + "; run scripts/install.sh --test", e);
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    await("chdb-http on 127.0.0.1:" + port + " answering /ping")
        .atMost(START_TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptionsInstanceOf(IOException.class) // not listening yet
        .until(() -> {
          if (!process.isAlive()) {
            throw new AssertionError("chdb_http_server.py exited with " + process.exitValue()
                + " before answering; its output (" + log + "):\n" + Files.readString(log)
                + "\nrun scripts/install.sh --test to install chDB into .tools/chdb-venv");
          }
          HttpResponse<String> r = http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ping"))
                  .timeout(Duration.ofSeconds(1)).build(),
              HttpResponse.BodyHandlers.ofString());
          return r.statusCode() == 200 && r.body().equals("Ok.\n");
        });
    return this;
  }

  /** {@code kill -9}: the server vanishes mid-flight, as a crash would. */
  void kill() {
    if (process != null) {
      process.destroyForcibly();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("chdb-http did not die after SIGKILL");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      process = null;
    }
  }

  /** Sends SIGSTOP (true) or SIGCONT (false): a hung server that keeps its socket open. */
  void freeze(boolean stop) throws IOException, InterruptedException {
    Process k = new ProcessBuilder("kill", stop ? "-STOP" : "-CONT", Long.toString(process.pid()))
        .redirectErrorStream(true).start();
    if (k.waitFor() != 0) {
      throw new IllegalStateException("kill " + (stop ? "-STOP" : "-CONT") + " failed: "
          + new String(k.getInputStream().readAllBytes()));
    }
  }

  String jdbcUrl(String database) {
    return "jdbc:clickhouse://127.0.0.1:" + port + "/" + database;
  }

  int port() {
    return port;
  }

  @Override
  public void close() {
    kill();
  }

  private static Path moduleDir() {
    // failsafe and surefire set basedir; an IDE runs with the module as working directory.
    Path dir = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
    if (Files.isDirectory(dir.resolve("src/test/python"))) {
      return dir;
    }
    Path module = dir.resolve("trace-store");
    if (Files.isDirectory(module.resolve("src/test/python"))) {
      return module;
    }
    throw new IllegalStateException("cannot find the trace-store module from " + dir);
  }

  private static Path pythonPath(Path module) {
    String configured = System.getProperty("warden.chdb.python", System.getenv("WARDEN_CHDB_PYTHON"));
    Path python = configured != null && !configured.isBlank()
        ? Path.of(configured)
        : module.getParent().resolve(".tools/chdb-venv/bin/python");
    if (!Files.isExecutable(python)) {
      throw new IllegalStateException("the ClickHouse integration test needs chDB (the ClickHouse engine "
          + "for Python) but " + python + " does not exist; run scripts/install.sh --test, which installs "
          + "chdb-core into .tools/chdb-venv (or set WARDEN_CHDB_PYTHON to a python that imports chdb)");
    }
    return python;
  }
}
