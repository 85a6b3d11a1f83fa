package io.warden.executors.mcp.internal;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.warden.executors.mcp.McpTransport;
import io.warden.executors.mcp.McpUpstreamStatus;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stdio upstream server: a child process Warden starts with the SDK's {@link StdioClientTransport}
 * and supervises. When it exits (or stops answering) it is started again after a back-off (1 s,
 * doubling to 60 s; back to 1 s once a process stayed up a minute); calls meanwhile fail at once with
 * a message saying when it restarts. Its stderr is kept as the last {@value #STDERR_LINES} lines of at
 * most {@value #STDERR_LINE_CHARS} characters, and one stdout message is at most
 * {@value #MAX_MESSAGE_CHARS} characters. {@link #close()} stops it: SIGTERM, then SIGKILL after
 * {@value #STOP_GRACE_SECONDS} s.
 *
 * <p>Internal: not public API.
 */
final class StdioUpstream implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StdioUpstream.class);
  static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(60);
  /** A process that ran this long before it exited resets the back-off. */
  static final Duration STABLE = Duration.ofSeconds(60);
  static final int STDERR_LINES = 100;
  static final int STDERR_LINE_CHARS = 1_000;
  static final int MAX_MESSAGE_CHARS = 16 << 20;
  static final int STOP_GRACE_SECONDS = 5;

  private final String name;
  private final McpTransport.Stdio transport;
  private final Duration timeout;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final ArrayDeque<String> stderr = new ArrayDeque<>(); // guarded by itself

  // guarded by this
  private @Nullable McpSyncClient client;
  private @Nullable Process process;
  private int generation;
  private int starts;
  private boolean closed;
  private Duration backoff = FIRST_BACKOFF;
  private @Nullable Instant nextStart;
  private @Nullable ScheduledFuture<?> pendingStart;
  private Instant startedAt = Instant.EPOCH;
  private String lastExit = "";

  StdioUpstream(String name, McpTransport.Stdio transport, Duration timeout, ScheduledExecutorService scheduler,
      Clock clock) {
    this.name = name;
    this.transport = transport;
    this.timeout = timeout;
    this.scheduler = scheduler;
    this.clock = clock;
  }

  McpTransport.Stdio transport() {
    return transport;
  }

  /** The connected client, starting the process when none runs; throws while a restart is pending. */
  synchronized McpSyncClient client() {
    if (closed) {
      throw new IllegalStateException("stdio MCP server " + name + " is stopped: it is no longer declared in mcp/");
    }
    if (client != null) {
      return client;
    }
    if (nextStart != null && clock.instant().isBefore(nextStart)) {
      throw new IllegalStateException("stdio MCP server " + name + " (" + transport + ") is down (" + lastExit
          + ") and restarts at " + nextStart + lastStderr());
    }
    return start();
  }

  /** Starts the process in the background (at declaration time), logging a failure. */
  void startSoon() {
    Thread.ofVirtual().name("McpStdio_Start-" + name).start(() -> {
      try {
        client();
      } catch (RuntimeException e) {
        LOG.warn("{}", e.getMessage());
      }
    });
  }

  private McpSyncClient start() {
    int gen = ++generation;
    starts++;
    nextStart = null;
    ServerParameters params = ServerParameters.builder(transport.command().getFirst())
        .args(transport.command().subList(1, transport.command().size()))
        .env(transport.env())
        .build();
    StdioClientTransport t = new StdioClientTransport(params, Upstreams.json(), MAX_MESSAGE_CHARS);
    t.setStdErrorHandler(this::stderrLine);
    McpSyncClient c = McpClient.sync(t).requestTimeout(timeout).initializationTimeout(timeout)
        .clientInfo(new McpSchema.Implementation("warden-mcp-gateway", "0.1.0"))
        .jsonSchemaValidator(Upstreams.RELAY).build();
    try {
      initialize(c, t);
    } catch (RuntimeException e) {
      Process p = processOf(t);
      stop(c, p);
      lastExit = "did not start: " + Upstreams.rootMessage(e);
      scheduleRestart();
      throw new IllegalStateException("stdio MCP server " + name + " (" + transport + ") did not start: "
          + Upstreams.rootMessage(e) + "; next attempt at " + nextStart + lastStderr(), e);
    }
    Process p = processOf(t);
    if (p == null) {
      stop(c, null);
      throw new IllegalStateException("cannot supervise stdio MCP server " + name + ": the MCP SDK's stdio transport"
          + " no longer exposes its process (SDK upgraded?)");
    }
    client = c;
    process = p;
    startedAt = clock.instant();
    LOG.info("stdio MCP server {} started (pid {}, start {})", name, p.pid(), starts);
    p.onExit().thenRun(() -> exited(gen, p));
    return c;
  }

  /**
   * The MCP handshake, failing as soon as the program is missing or the process exits: the SDK's
   * client would otherwise wait out the whole initialization timeout (it logs a failed start and
   * carries on).
   */
  private void initialize(McpSyncClient c, StdioClientTransport t) {
    String program = transport.command().getFirst();
    if (!runnable(program)) {
      throw new IllegalStateException("program '" + program + "' is not an executable file"
          + (program.contains("/") ? "" : " on the PATH"));
    }
    CompletableFuture<Void> init = CompletableFuture.runAsync(c::initialize,
        r -> Thread.ofVirtual().name("McpStdio_Init-" + name).start(r));
    long deadline = System.nanoTime() + timeout.toNanos() + TimeUnit.SECONDS.toNanos(1);
    while (true) {
      try {
        init.get(50, TimeUnit.MILLISECONDS);
        return;
      } catch (TimeoutException e) {
        Process p = processOf(t);
        if (p != null && !p.isAlive()) {
          throw new IllegalStateException("the process exited with code " + p.exitValue() + " during the MCP handshake");
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("no answer to initialize within " + timeout.toSeconds() + " s");
        }
      } catch (ExecutionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while starting", e);
      }
    }
  }

  private static boolean runnable(String program) {
    if (program.contains("/")) {
      return Files.isExecutable(Path.of(program)) && !Files.isDirectory(Path.of(program));
    }
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "" : path).split(java.io.File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, program);
      if (Files.isExecutable(p) && !Files.isDirectory(p)) {
        return true;
      }
    }
    return false;
  }

  private void exited(int gen, Process p) {
    McpSyncClient c;
    synchronized (this) {
      if (closed || gen != generation) {
        return;
      }
      c = client;
      client = null;
      process = null;
      lastExit = "exit code " + p.exitValue();
      if (Duration.between(startedAt, clock.instant()).compareTo(STABLE) >= 0) {
        backoff = FIRST_BACKOFF;
      }
      scheduleRestart();
      LOG.warn("stdio MCP server {} (pid {}) exited with code {}; restarting at {}{}", name, p.pid(), p.exitValue(),
          nextStart, lastStderr());
    }
    if (c != null) {
      Thread.ofVirtual().start(() -> stop(c, null));
    }
  }

  /** A call on {@code used} failed without an MCP error (a timeout, a broken pipe): restart the process. */
  void recycle(McpSyncClient used, RuntimeException why) {
    Process p;
    synchronized (this) {
      if (used != client || process == null) {
        return;
      }
      p = process;
    }
    LOG.warn("stdio MCP server {} (pid {}) failed a call ({}); stopping it to start a fresh one", name, p.pid(),
        Upstreams.rootMessage(why));
    Thread.ofVirtual().start(() -> kill(p)); // its exit schedules the restart
  }

  private void scheduleRestart() {
    nextStart = clock.instant().plus(backoff);
    Duration wait = backoff;
    backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
    if (pendingStart != null) {
      pendingStart.cancel(false);
    }
    try {
      pendingStart = scheduler.schedule(this::restart, wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      pendingStart = null; // the gateway is closing
    }
  }

  private void restart() {
    synchronized (this) {
      if (closed || client != null) {
        return;
      }
      nextStart = null;
    }
    startSoon();
  }

  private void stderrLine(String line) {
    synchronized (stderr) {
      stderr.addLast(line.length() > STDERR_LINE_CHARS ? line.substring(0, STDERR_LINE_CHARS) + "…" : line);
      while (stderr.size() > STDERR_LINES) {
        stderr.removeFirst();
      }
    }
  }

  private String lastStderr() {
    synchronized (stderr) {
      return stderr.isEmpty() ? "" : "; last stderr: " + stderr.getLast();
    }
  }

  synchronized McpUpstreamStatus status() {
    List<String> tail;
    synchronized (stderr) {
      tail = List.copyOf(stderr);
    }
    String state = closed ? "stopped" : client != null ? "connected" : nextStart != null ? "restarting" : "idle";
    return new McpUpstreamStatus(name, transport.toString(), state, process == null ? 0 : process.pid(),
        Math.max(0, starts - 1), lastExit, nextStart, tail);
  }

  /** Stops the process (SIGTERM, then SIGKILL) and never starts it again. */
  @Override
  public void close() {
    McpSyncClient c;
    Process p;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (pendingStart != null) {
        pendingStart.cancel(false);
      }
      c = client;
      p = process;
      client = null;
      process = null;
    }
    if (c != null) {
      stop(c, p);
      LOG.info("stdio MCP server {} stopped", name);
    }
  }

  private static void stop(McpSyncClient c, @Nullable Process p) {
    if (p != null) {
      kill(p);
    }
    try {
      c.close(); // the SDK's close also waits for the process, which is gone by now
    } catch (RuntimeException e) {
      LOG.debug("closing a stdio MCP client failed", e);
    }
  }

  private static void kill(Process p) {
    p.destroy();
    try {
      if (!p.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The transport's process. The SDK (2.1.0) keeps it private and offers no exit callback, and a
   * supervisor needs both the exit and the pid, so it is read reflectively; the stdio test pins this.
   */
  private static @Nullable Process processOf(StdioClientTransport t) {
    try {
      Field f = StdioClientTransport.class.getDeclaredField("process");
      f.setAccessible(true);
      return (Process) f.get(t);
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("cannot read the process of the MCP SDK's stdio transport", e);
      return null;
    }
  }
}
