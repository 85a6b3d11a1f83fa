package io.warden.policy.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real {@code opa run --server} as a child process on {@code 127.0.0.1:<port>}, supervised: a
 * named thread starts it, waits until it answers {@code /health} (and is really ours: it carries
 * a per-sidecar label, so another OPA already on the port is not mistaken for it), tells the
 * {@link Listener}, waits for it to exit, tells the listener again, and starts it again after a
 * backoff that doubles up to a maximum (and resets once a process stayed up for 30 s).
 *
 * <p>OPA writes its own log (stdout and stderr, JSON lines) to a file in the data directory; its
 * pid goes to a pid file so that an OPA orphaned by a {@code kill -9} of Warden is stopped at the
 * next start instead of keeping the port. Request logging is off (OPA's access log would add two
 * lines per health probe), so the log holds real events, which are what Warden quotes when OPA exits.
 *
 * <p>Shutdown is Warden's, in order: OPA runs in its own session ({@code setsid}, when the system
 * has it), so a Ctrl-C in the terminal reaches only the JVM; from the moment shutdown begins (a JVM
 * shutdown hook or {@link #close()}) the supervisor neither restarts OPA nor reports it down. A
 * busy port at the first start fails at once with one line naming the port and
 * {@code policy.sidecar_port}.
 *
 * <p>Internal: not public API.
 */
public final class OpaSidecar implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OpaSidecar.class);

  /** The log file is moved aside to {@code .1} at a start when larger than this. */
  static final long MAX_LOG_BYTES = 10L << 20;
  private static final Duration STABLE_AFTER = Duration.ofSeconds(30);
  private static final Duration POLL = Duration.ofMillis(25);
  private static final Duration PROBE_TIMEOUT = Duration.ofMillis(500);
  /**
   * How long a clean exit (code 0: OPA was signalled to stop) waits for Warden's shutdown to begin
   * before it counts as a crash: without {@code setsid}, a Ctrl-C reaches OPA and the JVM together.
   */
  private static final Duration EXIT_GRACE = Duration.ofMillis(300);
  /** {@code setsid(1)}, which starts OPA in a session of its own, or null where there is none. */
  private static final Path SETSID = findSetsid();

  /** Told about the process on the supervisor thread; must not block for long. */
  public interface Listener {
    /** OPA answers; {@code start} counts from 1. Runs before the supervisor waits for the exit. */
    void onUp(long pid, int start);

    /** OPA stopped answering: exited, was killed, or failed to start. Never called once stopping. */
    void onDown(String reason);

    /** Shutdown began (a JVM shutdown hook or {@link #close()}): OPA is about to be stopped on purpose. */
    default void onStopping() {}
  }

  /** A first start that cannot succeed by retrying (the port is taken); its message is one line. */
  static final class StartRefused extends IllegalStateException {
    StartRefused(String message) {
      super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this; // a message for the user, not a bug: no stack
    }
  }

  private final Path binary;
  private final int port;
  private final Path logFile;
  private final Path pidFile;
  private final OpaClient client;
  private final Listener listener;
  private final Duration backoffInitial;
  private final Duration backoffMax;
  private final String instance = UUID.randomUUID().toString();
  private final AtomicInteger starts = new AtomicInteger();
  private final CompletableFuture<Void> firstUp = new CompletableFuture<>();
  private final CountDownLatch stopping = new CountDownLatch(1);
  private volatile Process current;
  private volatile boolean closed;
  private Thread supervisor;
  private Thread shutdownHook;

  public OpaSidecar(Path binary, int port, Path dir, OpaClient client, Listener listener,
      Duration backoffInitial, Duration backoffMax) {
    this.binary = Objects.requireNonNull(binary, "binary");
    this.port = port;
    this.logFile = dir.resolve("opa.log");
    this.pidFile = dir.resolve("opa.pid");
    this.client = Objects.requireNonNull(client, "client");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.backoffInitial = backoffInitial;
    this.backoffMax = backoffMax;
  }

  /**
   * Starts supervising and waits until OPA first answers. Throws, leaving nothing running, when the
   * binary is missing or OPA does not come up within {@code startTimeout}.
   */
  public void start(Duration startTimeout) {
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("opa binary not found or not executable at " + binary
          + ": run scripts/install.sh (it builds OPA into .tools/bin), or set policy.opa_url to an external OPA");
    }
    try {
      Files.createDirectories(logFile.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + logFile.getParent() + ": " + e.getMessage(), e);
    }
    stopOrphan();
    shutdownHook = new Thread(() -> {
      beginStopping();
      destroyCurrent();
    }, "PolicyEngine_OpaShutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    supervisor = Thread.ofPlatform().name("PolicyEngine_Supervisor").daemon().start(this::supervise);
    try {
      firstUp.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      close();
      if (e.getCause() instanceof StartRefused refused) {
        throw new StartRefused(refused.getMessage());
      }
      throw new IllegalStateException("opa did not start on 127.0.0.1:" + port + ": " + e.getCause().getMessage()
          + "; last lines of " + logFile + ":\n" + logTail(), e.getCause());
    } catch (TimeoutException e) {
      close();
      throw new IllegalStateException("opa did not start within " + startTimeout.toSeconds() + " s on 127.0.0.1:"
          + port + "; last lines of " + logFile + ":\n" + logTail(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IllegalStateException("interrupted while starting opa", e);
    }
  }

  /** The running OPA's pid, or -1. */
  public long pid() {
    Process p = current;
    return p != null && p.isAlive() ? p.pid() : -1;
  }

  public int port() {
    return port;
  }

  /** How many times OPA was started. */
  public int starts() {
    return starts.get();
  }

  public Path logFile() {
    return logFile;
  }

  /** Kills a hung OPA; the supervisor starts a new one. */
  public void kill() {
    Process p = current;
    if (p != null) {
      LOG.warn("killing opa (pid {}) that stopped answering; it will be restarted", p.pid());
      p.destroyForcibly();
    }
  }

  private void supervise() {
    Duration backoff = backoffInitial;
    while (!closed) {
      String reason;
      Process p = null;
      boolean exitedAsAsked = false;
      try {
        refuseBusyPort();
        p = launch();
        awaitUp(p);
        int n = starts.incrementAndGet();
        LOG.info("opa {} up on 127.0.0.1:{} (pid {})", n == 1 ? "started" : "restarted", port, p.pid());
        listener.onUp(p.pid(), n);
        firstUp.complete(null);
        long upAt = System.nanoTime();
        int code = p.waitFor();
        if (closed) {
          break;
        }
        exitedAsAsked = code == 0;
        reason = "opa (pid " + p.pid() + ") exited with code " + code;
        if (System.nanoTime() - upAt > STABLE_AFTER.toNanos()) {
          backoff = backoffInitial;
        }
      } catch (InterruptedException e) {
        break;
      } catch (StartRefused e) {
        if (p != null) {
          p.destroyForcibly();
        }
        if (!firstUp.isDone()) {
          firstUp.completeExceptionally(e); // retrying cannot help; start() says so at once
          break;
        }
        reason = e.getMessage();
      } catch (RuntimeException e) {
        exitedAsAsked = p != null && !p.isAlive() && p.exitValue() == 0;
        if (p != null) {
          p.destroyForcibly();
        }
        reason = e.getMessage();
      }
      try {
        if (stoppingNow(exitedAsAsked)) {
          break;
        }
      } catch (InterruptedException e) {
        break;
      }
      LOG.warn("{}; restarting in {} ms. Last lines of {}:\n{}", reason, backoff.toMillis(), logFile, logTail());
      listener.onDown(reason);
      LockSupport.parkNanos(backoff.toNanos());
      Duration doubled = backoff.multipliedBy(2);
      backoff = doubled.compareTo(backoffMax) > 0 ? backoffMax : doubled;
    }
  }

  /**
   * Whether shutdown began (or, after a clean exit, begins within {@link #EXIT_GRACE}). OPA exits 0
   * only when asked to stop (SIGINT, SIGTERM): without {@code setsid} a Ctrl-C meant for the whole
   * process group does that just before the JVM's hooks run, which must not look like a crash.
   */
  private boolean stoppingNow(boolean exitedAsAsked) throws InterruptedException {
    return closed
        || exitedAsAsked && stopping.await(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS)
        || jvmShuttingDown();
  }

  private static boolean jvmShuttingDown() {
    Thread probe = new Thread(() -> { });
    try {
      Runtime.getRuntime().addShutdownHook(probe);
      Runtime.getRuntime().removeShutdownHook(probe);
      return false;
    } catch (IllegalStateException e) {
      return true; // "Shutdown in progress"
    }
  }

  /** Fails before launching when something already listens on the port (OPA would exit at once). */
  private void refuseBusyPort() {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
    } catch (IOException e) {
      throw portInUse();
    }
  }

  private StartRefused portInUse() {
    return new StartRefused("cannot start the opa sidecar: port 127.0.0.1:" + port
        + " is already in use; stop what listens there or set policy.sidecar_port to a free port");
  }

  private Process launch() {
    rotateLog();
    List<String> cmd = new ArrayList<>();
    if (SETSID != null) {
      cmd.add(SETSID.toString()); // its own session: the terminal's Ctrl-C is for Warden, which stops OPA
    }
    cmd.addAll(List.of(binary.toString(), "run", "--server",
        "--addr", "127.0.0.1:" + port,
        "--skip-version-check",
        // Access logs at debug, below the log level: otherwise every health probe adds two lines.
        "--log-format", "json", "--log-level", "info", "--log-level-request", "debug",
        "--shutdown-grace-period", "1",
        "--set", "labels.warden_instance=" + instance));
    try {
      Process p = new ProcessBuilder(cmd)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
          .start();
      current = p;
      writePid(p.pid());
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + binary + ": " + e.getMessage(), e);
    }
  }

  private void awaitUp(Process p) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!closed) {
      if (!p.isAlive()) {
        if (logTail().contains("address already in use")) {
          throw portInUse();
        }
        throw new IllegalStateException("opa exited with code " + p.exitValue() + " while starting");
      }
      try {
        client.health(PROBE_TIMEOUT);
        String owner = client.labels(PROBE_TIMEOUT).get("warden_instance");
        if (!instance.equals(owner)) {
          throw new StartRefused("port 127.0.0.1:" + port
              + " is served by another OPA (not this Warden's sidecar); stop it or set policy.sidecar_port");
        }
        return;
      } catch (OpaException e) {
        // not up yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("opa did not answer /health within 30 s of starting");
      }
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      LockSupport.parkNanos(POLL.toNanos());
    }
    throw new InterruptedException();
  }

  /** Stops an OPA that a previous Warden started from this data directory and did not stop. */
  private void stopOrphan() {
    Optional<ProcessHandle> orphan = readPid().flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive)
        .filter(h -> h.info().command().map(c -> sameFile(Path.of(c), binary)).orElse(false));
    orphan.ifPresent(h -> {
      LOG.warn("stopping opa (pid {}) left running by a previous Warden on this data directory", h.pid());
      h.destroy();
      try {
        h.onExit().get(3, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        h.destroyForcibly();
      }
    });
  }

  private static boolean sameFile(Path a, Path b) {
    try {
      return Files.isSameFile(a, b);
    } catch (IOException e) {
      return false;
    }
  }

  private Optional<Long> readPid() {
    try {
      return Optional.of(Long.parseLong(Files.readString(pidFile).strip()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private void writePid(long pid) {
    try {
      Path tmp = pidFile.resolveSibling("opa.pid.tmp");
      Files.writeString(tmp, Long.toString(pid));
      Files.move(tmp, pidFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      LOG.warn("cannot write {}; an orphaned opa would not be stopped at the next start", pidFile, e);
    }
  }

  private void rotateLog() {
    try {
      if (Files.size(logFile) > MAX_LOG_BYTES) {
        Files.move(logFile, logFile.resolveSibling("opa.log.1"), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      // no log yet, or cannot rotate: appending is still fine
    }
  }

  /** The last few lines OPA wrote, for error messages. */
  public String logTail() {
    try (RandomAccessFile f = new RandomAccessFile(logFile.toFile(), "r")) {
      long len = f.length();
      int n = (int) Math.min(len, 2048);
      byte[] buf = new byte[n];
      f.seek(len - n);
      f.readFully(buf);
      String[] lines = new String(buf, StandardCharsets.UTF_8).strip().split("\n");
      int from = Math.max(lines.length > 1 ? 1 : 0, lines.length - 5);
      return String.join("\n", List.of(lines).subList(from, lines.length));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private static Path findSetsid() {
    for (String dir : List.of("/usr/bin", "/bin", "/usr/local/bin")) {
      Path p = Path.of(dir, "setsid");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null; // not Linux (or no util-linux): OPA shares Warden's process group, EXIT_GRACE covers it
  }

  private void destroyCurrent() {
    Process p = current;
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(3, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Marks the start of shutdown, once: from here OPA is neither restarted nor reported down. */
  private synchronized boolean beginStopping() {
    if (closed) {
      return false;
    }
    closed = true;
    stopping.countDown();
    try {
      listener.onStopping();
    } catch (RuntimeException e) {
      LOG.debug("listener failed on stopping", e);
    }
    if (supervisor != null) {
      supervisor.interrupt();
      LockSupport.unpark(supervisor);
    }
    return true;
  }

  /** Stops OPA and the supervisor, quietly: an exit caused by this is not a crash. */
  @Override
  public void close() {
    if (!beginStopping() && shutdownHook == null) {
      return;
    }
    destroyCurrent();
    if (supervisor != null) {
      try {
        supervisor.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      Files.deleteIfExists(pidFile);
    } catch (IOException e) {
      // harmless: the next start checks the pid's command before stopping anything
    }
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // already shutting down
      }
      shutdownHook = null;
    }
  }
}
