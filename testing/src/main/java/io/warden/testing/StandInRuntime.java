package io.warden.testing;

import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.executor.AgentExecutor;
import io.warden.core.executor.ExecutorException;
import io.warden.core.executor.ExecutorStatus;
import io.warden.core.executor.Invocation;
import io.warden.core.executor.InvocationEvents;
import io.warden.core.executor.InvocationResult;
import io.warden.core.executor.SessionCheckpoint;
import io.warden.core.executor.SessionRef;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A third-party agent runtime stand-in for router tests and benchmarks (not a stand-in for any part
 * of Warden): it answers each request after {@link #setDelay a delay}, keeps its own log of what it
 * ran, counts how many requests of one session ran at once, and can be told to crash, refuse or hang.
 * Sessions have state here (a request counter) that it hands over as a checkpoint when suspended
 * and forgets, and takes back on resume.
 *
 * <p>Thread-safe.
 */
public final class StandInRuntime implements AgentExecutor {

  /** What the runtime does with one request. */
  @FunctionalInterface
  public interface Behaviour {
    InvocationResult handle(StandInRuntime runtime, Invocation invocation) throws ExecutorException, InterruptedException;
  }

  /** One line of the runtime's own log. */
  public record Ran(String agent, String session, String idempotencyKey, String body, long startNanos, long endNanos,
      Map<String, String> traceHeaders) {}

  private final String type;
  private volatile Duration delay = Duration.ZERO;
  private volatile Behaviour behaviour = StandInRuntime::echo;
  private final Queue<Ran> log = new ConcurrentLinkedQueue<>();
  private final Queue<String> events = new ConcurrentLinkedQueue<>();
  private final Map<String, AtomicInteger> runningPerSession = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> sessionState = new ConcurrentHashMap<>();
  private final AtomicInteger overlaps = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger maxRunning = new AtomicInteger();
  private final ThreadLocal<InvocationEvents> streaming = new ThreadLocal<>();

  public StandInRuntime(String type) {
    this.type = type;
  }

  public StandInRuntime setDelay(Duration delay) {
    this.delay = delay;
    return this;
  }

  public StandInRuntime setBehaviour(Behaviour behaviour) {
    this.behaviour = behaviour;
    return this;
  }

  /** The default behaviour: waits the delay, counts the request in its session, answers with the body. */
  public static InvocationResult echo(StandInRuntime runtime, Invocation invocation) throws InterruptedException {
    Thread.sleep(runtime.delay);
    long n = invocation.session() == null ? 0
        : runtime.sessionState.computeIfAbsent(invocation.session(), k -> new AtomicLong()).incrementAndGet();
    String answer = "{\"session\":\"" + invocation.session() + "\",\"n\":" + n + ",\"echo\":"
        + (invocation.body().length == 0 ? "null" : new String(invocation.body(), StandardCharsets.UTF_8)) + "}";
    return new InvocationResult(200, "application/json", answer.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String type() {
    return type;
  }

  @Override
  public void apply(AgentDescriptor descriptor, String revision) {}

  @Override
  public void remove(String agent) {}

  @Override
  public InvocationResult invoke(Invocation invocation) throws ExecutorException {
    String session = invocation.session() == null ? "" : invocation.session();
    AtomicInteger inSession = runningPerSession.computeIfAbsent(session, k -> new AtomicInteger());
    if (inSession.incrementAndGet() > 1 && !session.isEmpty()) {
      overlaps.incrementAndGet();
    }
    maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
    long start = System.nanoTime();
    try {
      InvocationResult result = behaviour.handle(this, invocation);
      log.add(new Ran(invocation.agent(), session, invocation.idempotencyKey() == null ? "" : invocation.idempotencyKey(),
          new String(invocation.body(), StandardCharsets.UTF_8), start, System.nanoTime(), invocation.traceHeaders()));
      return result;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ExecutorException("interrupted", false, e);
    } finally {
      running.decrementAndGet();
      inSession.decrementAndGet();
    }
  }

  /** Runs the request like {@link #invoke(Invocation)}; a behaviour's {@link #emit} calls reach {@code events}. */
  @Override
  public InvocationResult invoke(Invocation invocation, InvocationEvents events) throws ExecutorException {
    streaming.set(events);
    try {
      return invoke(invocation);
    } finally {
      streaming.remove();
    }
  }

  /**
   * From inside a behaviour: hands one streamed event to the caller, when it streams (it is in the
   * answer only if the behaviour also puts it there).
   */
  public void emit(String event) {
    InvocationEvents events = streaming.get();
    if (events != null) {
      events.event(event);
    }
  }

  @Override
  public ExecutorStatus status(String agent) {
    return new ExecutorStatus(agent, ExecutorStatus.State.READY, "stand-in", "");
  }

  @Override
  public void start(SessionRef session) {
    events.add("start " + session.id());
  }

  @Override
  public SessionCheckpoint suspend(SessionRef session) {
    AtomicLong n = sessionState.remove(session.id());
    events.add("suspend " + session.id());
    return new SessionCheckpoint(Long.toString(n == null ? 0 : n.get()).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void resume(SessionRef session, SessionCheckpoint checkpoint) {
    long n = checkpoint.state().length == 0 ? 0 : Long.parseLong(new String(checkpoint.state(), StandardCharsets.UTF_8));
    sessionState.put(session.id(), new AtomicLong(n));
    events.add("resume " + session.id() + " " + n);
  }

  @Override
  public void stop(SessionRef session) {
    sessionState.remove(session.id());
    events.add("stop " + session.id());
  }

  /** Every request that returned, in the order they finished. */
  public List<Ran> log() {
    return new ArrayList<>(log);
  }

  /** Session events ({@code start s1}, {@code suspend s1}, {@code resume s1 3}, {@code stop s1}). */
  public List<String> events() {
    return new ArrayList<>(events);
  }

  /** Times a request started while another of its session was running. */
  public int overlaps() {
    return overlaps.get();
  }

  /** Most requests running at once. */
  public int maxRunning() {
    return maxRunning.get();
  }

  /** Requests running now. */
  public int running() {
    return running.get();
  }

  /** Sessions whose state the runtime holds in memory. */
  public int sessionsInMemory() {
    return sessionState.size();
  }
}
