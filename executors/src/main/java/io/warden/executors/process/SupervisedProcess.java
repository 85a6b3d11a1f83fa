package io.warden.executors.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent process and its supervision: started with a clean environment, restarted with
 * exponential back-off when it exits on its own, its exit status and last output lines kept
 * (bounded). Its standard input is a pipe Warden holds open: it reaches end-of-file when Warden dies,
 * even by {@code kill -9}, so an agent that watches it can exit with Warden.
 */
final class SupervisedProcess {

  private static final Logger LOG = LoggerFactory.getLogger(SupervisedProcess.class);
  static final int MAX_LINE_CHARS = 2_000;
  static final Duration STOP_GRACE = Duration.ofSeconds(5);

  /** What is launched: command, working directory, environment, and the supervision limits. */
  record Launch(List<String> command, Path workingDir, Map<String, String> environment, int outputLines,
      Duration backoffInitial, Duration backoffMax, Duration stableAfter) {}

  private final String agent;
  private final Launch launch;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final ArrayDeque<String> output = new ArrayDeque<>();

  private @Nullable Process process;
  private @Nullable Instant startedAt;
  private @Nullable Integer lastExitStatus;
  private @Nullable Instant lastExitAt;
  private @Nullable Instant nextStartAt;
  private @Nullable ScheduledFuture<?> pendingRestart;
  private @Nullable String startFailure;
  private int restarts;
  private int consecutiveFailures;
  private boolean stopped;

  SupervisedProcess(String agent, Launch launch, ScheduledExecutorService scheduler, Clock clock) {
    this.agent = agent;
    this.launch = launch;
    this.scheduler = scheduler;
    this.clock = clock;
  }

  /** Launches it; a launch failure is kept (see {@link #deadReason}) and retried with back-off. */
  synchronized void start() {
    if (stopped) {
      return;
    }
    nextStartAt = null;
    pendingRestart = null;
    ProcessBuilder builder = new ProcessBuilder(launch.command())
        .directory(launch.workingDir().toFile())
        .redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.PIPE);
    builder.environment().clear();
    builder.environment().putAll(launch.environment());
    Process started;
    try {
      started = builder.start();
    } catch (IOException e) {
      startFailure = "cannot start " + String.join(" ", launch.command()) + " in " + launch.workingDir() + ": "
          + e.getMessage();
      LOG.warn("agent {}: {}", agent, startFailure);
      scheduleRestart();
      return;
    }
    startFailure = null;
    process = started;
    startedAt = clock.instant();
    Thread.ofVirtual().name("agent-output-" + agent).start(() -> readOutput(started));
    started.onExit().thenRun(() -> exited(started));
    LOG.info("agent {}: started process {} ({})", agent, started.pid(), launch.command().getFirst());
  }

  private void readOutput(Process p) {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        String kept = line.length() > MAX_LINE_CHARS ? line.substring(0, MAX_LINE_CHARS) + "..." : line;
        synchronized (this) {
          output.addLast(kept);
          while (output.size() > launch.outputLines()) {
            output.removeFirst();
          }
        }
        LOG.debug("agent {}: {}", agent, kept);
      }
    } catch (IOException e) {
      // the process is gone; its exit is handled by exited()
    }
  }

  private synchronized void exited(Process p) {
    if (p != process) {
      return;
    }
    lastExitStatus = p.exitValue();
    lastExitAt = clock.instant();
    process = null;
    if (stopped) {
      return;
    }
    boolean wasStable = startedAt != null && Duration.between(startedAt, lastExitAt).compareTo(launch.stableAfter()) >= 0;
    consecutiveFailures = wasStable ? 0 : consecutiveFailures;
    LOG.warn("agent {}: process {} exited with status {}; last output: {}", agent, p.pid(), lastExitStatus,
        lastLines(5));
    scheduleRestart();
  }

  private void scheduleRestart() {
    Duration delay = backoff(consecutiveFailures, launch.backoffInitial(), launch.backoffMax());
    consecutiveFailures++;
    restarts++;
    nextStartAt = clock.instant().plus(delay);
    pendingRestart = scheduler.schedule(this::start, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** {@code initial × 2^failures}, at most {@code max}. */
  static Duration backoff(int failures, Duration initial, Duration max) {
    long millis = initial.toMillis();
    for (int i = 0; i < failures && millis < max.toMillis(); i++) {
      millis *= 2;
    }
    return Duration.ofMillis(Math.min(millis, max.toMillis()));
  }

  /** Null while the process runs; otherwise why not (exit status, next restart, last output). */
  synchronized @Nullable String deadReason() {
    if (process != null && process.isAlive()) {
      return null;
    }
    StringBuilder why = new StringBuilder();
    if (stopped) {
      why.append("stopped");
    } else if (startFailure != null) {
      why.append(startFailure);
    } else if (lastExitStatus != null) {
      why.append("process exited with status ").append(lastExitStatus).append(" at ").append(lastExitAt);
    } else {
      why.append("process is starting");
    }
    if (nextStartAt != null && !stopped) {
      why.append("; restart ").append(restarts).append(" at ").append(nextStartAt);
    }
    String lines = lastLines(5);
    if (!lines.isEmpty()) {
      why.append("; last output: ").append(lines);
    }
    return why.toString();
  }

  /**
   * Waits up to {@code timeout} for the current process to exit (after a broken request, to tell a
   * crash from a hiccup) and records the exit at once.
   */
  void awaitExit(Duration timeout) {
    Process p;
    synchronized (this) {
      p = process;
    }
    if (p == null) {
      return;
    }
    try {
      if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        exited(p);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  synchronized boolean alive() {
    return process != null && process.isAlive();
  }

  synchronized long pid() {
    return process == null ? -1 : process.pid();
  }

  synchronized int restarts() {
    return restarts;
  }

  synchronized @Nullable Integer lastExitStatus() {
    return lastExitStatus;
  }

  synchronized List<String> output() {
    return List.copyOf(output);
  }

  private String lastLines(int n) {
    synchronized (this) {
      List<String> all = List.copyOf(output);
      return String.join(" | ", all.subList(Math.max(0, all.size() - n), all.size()));
    }
  }

  /**
   * Stops supervising and ends the process: its stdin is closed, then SIGTERM, then after
   * {@link #STOP_GRACE} SIGKILL (its children too).
   */
  void stop() {
    Process p;
    synchronized (this) {
      stopped = true;
      if (pendingRestart != null) {
        pendingRestart.cancel(false);
      }
      p = process;
    }
    if (p == null) {
      return;
    }
    try (OutputStream stdin = p.getOutputStream()) {
      // closing stdin tells an agent that watches it to exit
    } catch (IOException e) {
      // already closed
    }
    p.descendants().forEach(ProcessHandle::destroy);
    p.destroy();
    try {
      if (!p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
    LOG.info("agent {}: stopped process {}", agent, p.pid());
  }
}
