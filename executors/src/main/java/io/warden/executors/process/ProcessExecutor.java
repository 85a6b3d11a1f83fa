package io.warden.executors.process;

import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.executor.AgentExecutor;
import io.warden.core.executor.ExecutorContext;
import io.warden.core.executor.ExecutorException;
import io.warden.core.executor.ExecutorStatus;
import io.warden.core.executor.Invocation;
import io.warden.core.executor.InvocationEvents;
import io.warden.core.executor.InvocationResult;
import io.warden.executors.http.AgentHandoff;
import io.warden.executors.http.HttpAgentExecutor;
import io.warden.executors.http.HttpAgentRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * Executor {@code process}: Warden launches the agent as a local process and talks to it over HTTP
 * on a port it gives it ({@code PORT}), with the {@code http} executor's client
 * ({@link HttpAgentRuntime}: same protocols and settings). The process gets a clean environment —
 * not Warden's, which holds provider keys — with only {@code PATH}, {@code HOME}, {@code LANG},
 * {@code LC_ALL}, {@code TZ}, {@code TMPDIR}, what {@link AgentHandoff#environment} lists (gateway
 * URLs, a scoped token as {@code OPENAI_API_KEY} / {@code ANTHROPIC_API_KEY}, the OTLP endpoint),
 * {@code PORT}, {@code PYTHONUNBUFFERED=1} and the descriptor's {@code settings.env.<NAME>} entries.
 *
 * <p>The program is {@code spec.executor.endpoint} as a {@code file://} URL ({@code file:///abs/agent.py},
 * or {@code file://examples/agents/reference_agent.py} relative to the base directory) or
 * {@code settings.script}. Settings besides {@link HttpAgentRuntime}'s ({@code configure_path} defaults to {@code none}
 * here: the environment carries the configuration): {@code interpreter} (default {@code python3} for
 * {@code .py}, {@code node} for {@code .js}/{@code .mjs}/{@code .cjs}, none otherwise), {@code args},
 * {@code working_dir}, {@code port} (default: a free one Warden picks at each launch), {@code output_lines} ({@value #DEFAULT_OUTPUT_LINES}),
 * {@code restart_backoff_ms} ({@value #DEFAULT_BACKOFF_MS}), {@code restart_backoff_max_ms}
 * ({@value #DEFAULT_BACKOFF_MAX_MS}), {@code stable_after_seconds} ({@value #DEFAULT_STABLE_SECONDS}:
 * a process that ran that long starts the back-off over), {@code apply_timeout_seconds}. Relative
 * paths are resolved against the base directory (the appliance's {@code warden.root}).
 *
 * <p>A new revision restarts the process; apply returns once its health probe reports the revision.
 * A process that exits on its own is restarted after {@code initial × 2^n} (n failures in a row,
 * capped). {@link #close} and {@link #remove} end the processes (stdin closed, SIGTERM, SIGKILL after
 * 5 s). If Warden itself is killed with SIGKILL its children are not signalled: their stdin reaches
 * end-of-file, and an agent that watches it (the reference agent does) exits.
 */
public final class ProcessExecutor implements AgentExecutor {

  public static final String TYPE = "process";
  public static final int DEFAULT_OUTPUT_LINES = 200;
  public static final long DEFAULT_BACKOFF_MS = 1_000;
  public static final long DEFAULT_BACKOFF_MAX_MS = 60_000;
  public static final long DEFAULT_STABLE_SECONDS = 30;
  /** How long a broken request waits to see whether the process is exiting, to say so. */
  private static final Duration CRASH_GRACE = Duration.ofMillis(500);
  private static final List<String> INHERITED = List.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR");

  private record Running(AgentDescriptor descriptor, String revision, HttpAgentRuntime runtime,
      SupervisedProcess process) {}

  private final AgentHandoff handoff;
  private final Path baseDir;
  private final HttpClient client = HttpAgentRuntime.newClient();
  private final ScheduledExecutorService scheduler;
  private final ConcurrentMap<String, Running> agents = new ConcurrentHashMap<>();

  private ProcessExecutor(ExecutorContext context, Path baseDir) {
    this.handoff = new AgentHandoff(context);
    this.baseDir = baseDir;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().daemon().name("ProcessExecutor_Worker").factory());
  }

  /** Relative paths resolve against the {@code warden.root} system property, else the working directory. */
  public static ProcessExecutor create(ExecutorContext context) {
    return create(context, Path.of(System.getProperty("warden.root", "")).toAbsolutePath().normalize());
  }

  public static ProcessExecutor create(ExecutorContext context, Path baseDir) {
    return new ProcessExecutor(Objects.requireNonNull(context, "context"), Objects.requireNonNull(baseDir, "baseDir"));
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public void apply(AgentDescriptor descriptor, String revision) throws ExecutorException {
    Objects.requireNonNull(descriptor, "descriptor");
    Objects.requireNonNull(revision, "revision");
    String name = descriptor.name();
    Map<String, String> settings = new HashMap<>(descriptor.spec().executor() == null ? Map.of()
        : descriptor.spec().executor().settings());
    settings.putIfAbsent("configure_path", "none");
    Duration timeout = HttpAgentExecutor.applyTimeout(name, settings);
    Running running = agents.get(name);
    if (running == null || !running.revision().equals(revision) || !running.descriptor().equals(descriptor)) {
      Running fresh = launch(descriptor, revision, settings);
      Running old = agents.put(name, fresh);
      if (old != null) {
        old.process().stop();
      }
      fresh.process().start();
      running = fresh;
    }
    SupervisedProcess process = running.process();
    running.runtime().awaitRevision(revision, timeout, process::deadReason);
  }

  private Running launch(AgentDescriptor descriptor, String revision, Map<String, String> settings)
      throws ExecutorException {
    String name = descriptor.name();
    Path program = program(name, descriptor.spec().executor() == null ? null : descriptor.spec().executor().endpoint(),
        settings.get("script"));
    List<String> command = new ArrayList<>();
    String interpreter = settings.getOrDefault("interpreter", defaultInterpreter(program)).strip();
    if (!interpreter.isEmpty()) {
      command.add(interpreter.contains("/") ? baseDir.resolve(interpreter).normalize().toString() : interpreter);
    }
    command.add(program.toString());
    String args = settings.getOrDefault("args", "").strip();
    if (!args.isEmpty()) {
      command.addAll(List.of(args.split("\\s+")));
    }
    Path workingDir = baseDir.resolve(settings.getOrDefault("working_dir", ".").strip()).normalize();
    if (!Files.isDirectory(workingDir)) {
      throw new ExecutorException("agent " + name + ": spec.executor.settings.working_dir '" + workingDir
          + "' is not a directory", false);
    }
    long fixedPort = settings.containsKey("port") ? HttpAgentExecutor.positive(name, settings, "port", 0) : 0;
    if (fixedPort > 65_535) {
      throw new ExecutorException("agent " + name + ": spec.executor.settings.port '" + fixedPort
          + "' is not a port: use 1-65535, or leave it out for a free one", false);
    }
    int port = fixedPort > 0 ? (int) fixedPort : freePort();
    HttpAgentRuntime runtime = HttpAgentRuntime.fromSettings(name, URI.create("http://127.0.0.1:" + port), settings, client);
    String token = handoff.token(name, AgentHandoff.RUNTIME_SESSION);

    Map<String, String> env = new LinkedHashMap<>();
    INHERITED.forEach(key -> {
      String value = System.getenv(key);
      if (value != null) {
        env.put(key, value);
      }
    });
    env.put("PYTHONUNBUFFERED", "1");
    env.putAll(handoff.environment(descriptor, revision, token));
    env.put("PORT", Integer.toString(port));
    env.put("WARDEN_AGENT_PORT", Integer.toString(port));
    settings.forEach((key, value) -> {
      if (key.startsWith("env.") && key.length() > 4) {
        env.put(key.substring(4), value);
      }
    });
    SupervisedProcess.Launch launch = new SupervisedProcess.Launch(command, workingDir, env,
        (int) Math.min(10_000, HttpAgentExecutor.positive(name, settings, "output_lines", DEFAULT_OUTPUT_LINES)),
        Duration.ofMillis(HttpAgentExecutor.positive(name, settings, "restart_backoff_ms", DEFAULT_BACKOFF_MS)),
        Duration.ofMillis(HttpAgentExecutor.positive(name, settings, "restart_backoff_max_ms", DEFAULT_BACKOFF_MAX_MS)),
        Duration.ofSeconds(HttpAgentExecutor.positive(name, settings, "stable_after_seconds", DEFAULT_STABLE_SECONDS)));
    return new Running(descriptor, revision, runtime,
        new SupervisedProcess(name, launch, scheduler, handoff.context().clock()));
  }

  /**
   * The program: {@code spec.executor.endpoint} as {@code file://<path>} (the descriptor schema wants a
   * URL; {@code file:///abs/agent.py} is absolute, {@code file://examples/agent.py} relative to the
   * base directory), else {@code settings.script}, a path.
   */
  private Path program(String name, String endpoint, String script) throws ExecutorException {
    String path;
    if (endpoint != null && !endpoint.isBlank()) {
      String e = endpoint.strip();
      if (!e.regionMatches(true, 0, "file://", 0, 7) || e.length() == 7) {
        throw new ExecutorException("agent " + name + ": spec.executor.endpoint '" + endpoint + "' is not a file:// URL:"
            + " give the script to run, e.g. file://examples/agents/reference_agent.py (relative to " + baseDir
            + ") or file:///opt/agents/agent.py", false);
      }
      path = e.substring(7);
    } else if (script != null && !script.isBlank()) {
      path = script.strip();
    } else {
      throw new ExecutorException("agent " + name + ": give the program to run as spec.executor.endpoint"
          + " (file://examples/agents/reference_agent.py) or spec.executor.settings.script", false);
    }
    Path program = baseDir.resolve(path).normalize();
    if (!Files.isRegularFile(program)) {
      throw new ExecutorException("agent " + name + ": the program " + program + " (from "
          + (endpoint != null && !endpoint.isBlank() ? "spec.executor.endpoint '" + endpoint + "'" : "spec.executor.settings.script")
          + ") is not a file: relative paths start at " + baseDir, false);
    }
    return program;
  }

  private static String defaultInterpreter(Path program) {
    String file = program.getFileName().toString().toLowerCase(Locale.ROOT);
    if (file.endsWith(".py")) {
      return "python3";
    }
    if (file.endsWith(".js") || file.endsWith(".mjs") || file.endsWith(".cjs")) {
      return "node";
    }
    return "";
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port for an agent process", e);
    }
  }

  @Override
  public void remove(String agent) {
    Running running = agents.remove(agent);
    handoff.forget(agent);
    if (running != null) {
      running.process().stop();
    }
  }

  @Override
  public InvocationResult invoke(Invocation invocation) throws ExecutorException {
    return invokeOrStream(invocation, null);
  }

  /** Relays a streamed answer's events as they arrive, like the {@code http} executor. */
  @Override
  public InvocationResult invoke(Invocation invocation, InvocationEvents events) throws ExecutorException {
    return invokeOrStream(invocation, Objects.requireNonNull(events, "events"));
  }

  private InvocationResult invokeOrStream(Invocation invocation, @Nullable InvocationEvents events)
      throws ExecutorException {
    Running running = agents.get(invocation.agent());
    if (running == null) {
      throw new ExecutorException("agent " + invocation.agent() + " is not applied on executor " + TYPE
          + ": merge its descriptor and wait until it is Synced", true);
    }
    String dead = running.process().deadReason();
    if (dead != null) {
      throw new ExecutorException("agent " + invocation.agent() + "'s process is not running (" + dead
          + "); the request did not run", true);
    }
    String token = handoff.token(invocation.agent(),
        invocation.session() == null ? AgentHandoff.RUNTIME_SESSION : invocation.session());
    try {
      return running.runtime().invoke(invocation, token, events);
    } catch (ExecutorException e) {
      if (!e.retryable() && e.getCause() instanceof IOException) { // the connection broke: a crash?
        running.process().awaitExit(CRASH_GRACE);
      }
      String after = running.process().deadReason();
      if (after == null) {
        throw e;
      }
      throw new ExecutorException(e.getMessage() + "; its process " + after, e.retryable(), e);
    }
  }

  @Override
  public ExecutorStatus status(String agent) {
    Running running = agents.get(agent);
    if (running == null) {
      return new ExecutorStatus(agent, ExecutorStatus.State.STOPPED, null, "not applied");
    }
    String dead = running.process().deadReason();
    if (dead != null) {
      return new ExecutorStatus(agent, ExecutorStatus.State.DEGRADED, null, dead);
    }
    return HttpAgentExecutor.statusOf(agent, running.runtime(), running.revision(), null);
  }

  /** The process's facts for diagnostics: pid, restarts, last exit status, last output lines. */
  public Map<String, Object> processInfo(String agent) {
    Running running = agents.get(agent);
    if (running == null) {
      return Map.of();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pid", running.process().pid());
    m.put("restarts", running.process().restarts());
    m.put("last_exit_status", running.process().lastExitStatus());
    m.put("output", running.process().output());
    return m;
  }

  @Override
  public void close() {
    List<Running> all = new ArrayList<>(agents.values());
    agents.clear();
    scheduler.shutdownNow();
    // In parallel: each stop may wait out its process's grace period.
    List<Thread> stopping = all.stream()
        .map(r -> Thread.ofVirtual().name("agent-stop-" + r.descriptor().name()).start(r.process()::stop))
        .toList();
    for (Thread t : stopping) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
