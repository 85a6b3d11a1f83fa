package io.warden.executors.http;

import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.executor.AgentExecutor;
import io.warden.core.executor.ExecutorContext;
import io.warden.core.executor.ExecutorException;
import io.warden.core.executor.ExecutorStatus;
import io.warden.core.executor.Invocation;
import io.warden.core.executor.InvocationEvents;
import io.warden.core.executor.InvocationResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;

/**
 * Executor {@code http}: the agent runs as its own HTTP service at {@code spec.executor.endpoint}
 * (A2A JSON-RPC or plain JSON; see {@link HttpAgentRuntime} for the settings). Apply POSTs the
 * configuration ({@link AgentHandoff#configuration}: revision, gateway URLs, OTLP endpoint, a scoped
 * token) to the runtime and waits until its health probe reports the revision
 * ({@code apply_timeout_seconds}, default {@value #DEFAULT_APPLY_TIMEOUT_SECONDS}). Status is a live
 * health probe. Each invocation carries the caller's W3C trace headers and a token scoped to its
 * session in {@value HttpAgentRuntime#TOKEN_HEADER}.
 */
public final class HttpAgentExecutor implements AgentExecutor {

  public static final String TYPE = "http";
  public static final long DEFAULT_APPLY_TIMEOUT_SECONDS = 30;
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

  private record Applied(AgentDescriptor descriptor, String revision, HttpAgentRuntime runtime) {}

  private final AgentHandoff handoff;
  private final HttpClient client = HttpAgentRuntime.newClient();
  private final ConcurrentMap<String, Applied> agents = new ConcurrentHashMap<>();

  private HttpAgentExecutor(ExecutorContext context) {
    this.handoff = new AgentHandoff(context);
  }

  public static HttpAgentExecutor create(ExecutorContext context) {
    return new HttpAgentExecutor(Objects.requireNonNull(context, "context"));
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public void apply(AgentDescriptor descriptor, String revision) throws ExecutorException {
    Objects.requireNonNull(descriptor, "descriptor");
    Objects.requireNonNull(revision, "revision");
    AgentDescriptor.Executor spec = descriptor.spec().executor();
    String endpoint = spec == null ? null : spec.endpoint();
    if (endpoint == null || endpoint.isBlank()) {
      throw new ExecutorException("agent " + descriptor.name() + ": spec.executor.endpoint is missing: give the URL its"
          + " runtime serves, e.g. http://127.0.0.1:9000", false);
    }
    URI base;
    try {
      base = URI.create(endpoint.strip());
    } catch (IllegalArgumentException e) {
      throw new ExecutorException("agent " + descriptor.name() + ": spec.executor.endpoint '" + endpoint
          + "' is not a URL: " + e.getMessage(), false);
    }
    HttpAgentRuntime runtime = HttpAgentRuntime.fromSettings(descriptor.name(), base, spec.settings(), client);
    Duration timeout = applyTimeout(descriptor.name(), spec.settings());
    if (runtime.configures()) {
      String token = handoff.token(descriptor.name(), AgentHandoff.RUNTIME_SESSION);
      runtime.configure(handoff.configuration(descriptor, revision, token), timeout);
    }
    runtime.awaitRevision(revision, timeout, () -> null);
    agents.put(descriptor.name(), new Applied(descriptor, revision, runtime));
  }

  /** {@code spec.executor.settings.apply_timeout_seconds}, shared with the process executor. */
  public static Duration applyTimeout(String agent, Map<String, String> settings) throws ExecutorException {
    return Duration.ofSeconds(positive(agent, settings, "apply_timeout_seconds", DEFAULT_APPLY_TIMEOUT_SECONDS));
  }

  /** A positive whole-number setting, or an error naming it. */
  public static long positive(String agent, Map<String, String> settings, String key, long fallback)
      throws ExecutorException {
    String value = settings.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      long n = Long.parseLong(value.strip());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new ExecutorException("agent " + agent + ": spec.executor.settings." + key + " '" + value
        + "' is not a positive whole number", false);
  }

  @Override
  public void remove(String agent) {
    agents.remove(agent);
    handoff.forget(agent);
  }

  @Override
  public InvocationResult invoke(Invocation invocation) throws ExecutorException {
    return invokeOrStream(invocation, null);
  }

  /** Relays a {@code message/stream} (or any 2xx {@code text/event-stream}) answer's events as they arrive. */
  @Override
  public InvocationResult invoke(Invocation invocation, InvocationEvents events) throws ExecutorException {
    return invokeOrStream(invocation, Objects.requireNonNull(events, "events"));
  }

  private InvocationResult invokeOrStream(Invocation invocation, @Nullable InvocationEvents events)
      throws ExecutorException {
    Applied applied = agents.get(invocation.agent());
    if (applied == null) {
      throw new ExecutorException("agent " + invocation.agent() + " is not applied on executor " + TYPE
          + ": merge its descriptor and wait until it is Synced", true);
    }
    String token = handoff.token(invocation.agent(),
        invocation.session() == null ? AgentHandoff.RUNTIME_SESSION : invocation.session());
    return applied.runtime().invoke(invocation, token, events);
  }

  @Override
  public ExecutorStatus status(String agent) {
    Applied applied = agents.get(agent);
    if (applied == null) {
      return new ExecutorStatus(agent, ExecutorStatus.State.STOPPED, null, "not applied");
    }
    return statusOf(agent, applied.runtime(), applied.revision(), null);
  }

  /**
   * READY when the runtime is healthy at {@code revision}, DEGRADED with why otherwise.
   *
   * @param revision the revision applied
   * @param confirmed the revision last confirmed when the runtime is not up, or null
   */
  public static ExecutorStatus statusOf(String agent, HttpAgentRuntime runtime, String revision,
      @Nullable String confirmed) {
    HttpAgentRuntime.Health health = runtime.health(PROBE_TIMEOUT);
    if (!health.up()) {
      return new ExecutorStatus(agent, ExecutorStatus.State.DEGRADED, confirmed, health.message());
    }
    if (!runtime.confirms(health, revision)) {
      return new ExecutorStatus(agent, ExecutorStatus.State.DEGRADED, health.revision(), "runtime at " + runtime.base()
          + " reports revision " + health.revision() + ", not the applied " + HttpAgentRuntime.shortId(revision));
    }
    return new ExecutorStatus(agent, ExecutorStatus.State.READY, revision, "");
  }

  /** Agents applied and their revisions, for diagnostics. */
  public Map<String, String> applied() {
    Map<String, String> out = new LinkedHashMap<>();
    agents.forEach((name, a) -> out.put(name, a.revision()));
    return out;
  }

  @Override
  public void close() {
    agents.clear();
  }
}
