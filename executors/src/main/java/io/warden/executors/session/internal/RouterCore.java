package io.warden.executors.session.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.core.WardenException;
import io.warden.core.approval.Approval;
import io.warden.core.approval.ApprovalService;
import io.warden.core.audit.AuditLog;
import io.warden.core.budget.BudgetLedger;
import io.warden.core.budget.BudgetRequest;
import io.warden.core.budget.Reservation;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.executor.AgentExecutor;
import io.warden.core.executor.ExecutorException;
import io.warden.core.executor.Invocation;
import io.warden.core.executor.InvocationEvents;
import io.warden.core.executor.InvocationResult;
import io.warden.core.executor.SessionCheckpoint;
import io.warden.core.executor.SessionRef;
import io.warden.core.identity.AgentPrincipal;
import io.warden.core.identity.Principal;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.core.session.InvokeRequest;
import io.warden.core.session.RouterBusyException;
import io.warden.core.session.SessionInfo;
import io.warden.core.session.SessionRouter;
import io.warden.core.session.SessionWait;
import io.warden.core.store.StateStore;
import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanSink;
import io.warden.executors.gateway.internal.TraceContext;
import io.warden.executors.session.ComputePrice;
import io.warden.executors.session.ForwardedCall;
import io.warden.executors.session.SessionOwnership;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session router. Per agent an {@link AgentLane} orders and bounds requests; sessions, their
 * checkpoints and idempotency records live in a {@link StateStore} written through a
 * {@link StoreWriter} (group commit). What is in memory is bounded by the work in flight: a lane's
 * queue, the sessions with requests in flight, and the idempotency keys being executed.
 *
 * <p>Internal: not public API.
 */
public final class RouterCore implements SessionRouter {
  private static final Logger LOG = LoggerFactory.getLogger(RouterCore.class);

  static final String SESSIONS = "sessions";
  static final String BY_AGENT = "sessions_by_agent";
  static final String CHECKPOINTS = "session_checkpoints";
  static final String WAITS = "session_waits";
  static final String INVOCATIONS = "invocations";
  static final String INVOCATIONS_BY_TIME = "invocations_by_time";
  /** Every table the router keeps in its store. */
  public static final List<String> TABLES = List.of(SESSIONS, BY_AGENT, CHECKPOINTS, WAITS, INVOCATIONS,
      INVOCATIONS_BY_TIME);

  static final String SERVICE = "warden-session-router";
  /** Largest answer a runtime may give, in bytes; kept whole for idempotent replays. */
  static final int MAX_RESULT_BYTES = 4 << 20;
  private static final Pattern ID = Pattern.compile(ID_PATTERN);
  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile(IDEMPOTENCY_KEY_PATTERN);
  private static final int PAGE = 1000;
  private static final int STRIPES = 256;

  /** What the router is built from. */
  public record Deps(
      StateStore store, Inventory inventory, Function<String, @Nullable AgentExecutor> executors, AuditLog audit,
      BudgetLedger ledger, @Nullable ApprovalService approvals, SpanSink spans, ComputePrice computePrice,
      SessionOwnership ownership, Clock clock, int defaultMaxConcurrency, int defaultMaxQueue, Duration defaultTimeout,
      Duration idempotencyRetention, Duration purgeEvery) {}

  /** Requests in flight for one session, and whether it is to be parked once they are done. */
  private static final class Live {
    int inflight;
    boolean parking;
    SessionWait wait = SessionWait.MANUAL;
  }

  private record Inflight(String fingerprint, CompletableFuture<InvocationResult> result) {}

  /** One admitted request; the caller as its subject and delegation chain (it may have called another node). */
  private record Call(
      String callerSubject, List<String> callerChain, AgentState agent, AgentExecutor executor, InvokeRequest request, String memory,
      @Nullable String idempotencyKey, String fingerprint, CompletableFuture<InvocationResult> result,
      Duration timeout, @Nullable InvocationEvents events) {}

  private final Deps d;
  private final StoreWriter writer;
  private final ObjectMapper json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private final ConcurrentHashMap<String, AgentLane> lanes = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Inflight> inflightKeys = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Live> live = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> abandoned = new ConcurrentHashMap<>();
  private final Object[] stripes = new Object[STRIPES];
  private final AtomicLong anonymous = new AtomicLong();
  private final ScheduledExecutorService scheduler;

  public RouterCore(Deps deps) {
    this.d = deps;
    this.writer = new StoreWriter(deps.store());
    deps.ownership().serve(this::serveForwarded);
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Object();
    }
    this.scheduler = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().daemon().name("SessionRouter_Worker").factory());
    if (deps.approvals() != null) {
      deps.approvals().addListener(a -> {
        if (!a.isPending()) {
          Thread.ofVirtual().name("session-resume").start(() -> resumeWaiting("approval/" + a.id()));
        }
      });
      scheduler.execute(this::resumeDecidedApprovals);
    }
    scheduler.scheduleWithFixedDelay(this::resumeDueTimers, 1, 1, TimeUnit.SECONDS);
    long purgeMillis = deps.purgeEvery().toMillis();
    scheduler.scheduleWithFixedDelay(this::purgeQuietly, 0, purgeMillis, TimeUnit.MILLISECONDS);
  }

  // ---------------------------------------------------------------- invoke

  @Override
  public CompletionStage<InvocationResult> invoke(Principal caller, InvokeRequest request) {
    try {
      return admit(caller, request, null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletionStage<InvocationResult> invoke(Principal caller, InvokeRequest request, InvocationEvents events) {
    try {
      return admit(caller, request, java.util.Objects.requireNonNull(events, "events"));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private CompletionStage<InvocationResult> admit(Principal caller, InvokeRequest r, @Nullable InvocationEvents events) {
    AgentState agent = agent(r.agent());
    authorizeInvoke(caller, agent);
    check(r);
    AgentExecutor executor = executor(agent.descriptor());
    if (r.session() != null) {
      String owner = d.ownership().ownerOf(agent.name(), r.session());
      if (!owner.equals(SessionOwnership.LOCAL)) {
        return d.ownership().forward(owner, new ForwardedCall(ForwardedCall.INVOKE, caller.subject(), chain(caller),
            r.session(), r, ""));
      }
    }
    return admitHere(caller.subject(), chain(caller), agent, executor, r, events);
  }

  /** The caller's delegation chain as the span records it: empty for a user. */
  private static List<String> chain(Principal caller) {
    if (caller instanceof AgentPrincipal ap) {
      return ap.scope() == null || ap.scope().delegationChain().isEmpty()
          ? List.of(ap.name()) : ap.scope().delegationChain();
    }
    return List.of();
  }

  /**
   * A call another node forwarded here because this node serves its session; the caller was
   * authorized there. Refused (unavailable, retryable) when the session moved meanwhile.
   */
  private CompletionStage<InvocationResult> serveForwarded(ForwardedCall f) {
    try {
      String agentName = f.request() != null ? f.request().agent() : existing(f.session()).agent();
      if (!d.ownership().ownerOf(agentName, f.session()).equals(SessionOwnership.LOCAL)) {
        throw new WardenException("unavailable", "session " + f.session() + " moved to another node while this"
            + " call was on its way; send it again");
      }
      InvocationResult done = new InvocationResult(200, "application/json", new byte[0]);
      return switch (f.op()) {
        case ForwardedCall.INVOKE -> {
          InvokeRequest r = java.util.Objects.requireNonNull(f.request(), "request");
          AgentState agent = agent(r.agent());
          check(r);
          yield admitHere(f.callerSubject(), f.callerChain(), agent, executor(agent.descriptor()), r, null);
        }
        case ForwardedCall.SUSPEND -> {
          suspendHere(f.session(), SessionWait.parse(f.waitingFor()));
          yield CompletableFuture.completedFuture(done);
        }
        case ForwardedCall.RESUME -> {
          resumeNow(f.session());
          yield CompletableFuture.completedFuture(done);
        }
        case ForwardedCall.END -> {
          endHere(f.session());
          yield CompletableFuture.completedFuture(done);
        }
        default -> throw new IllegalArgumentException("unknown forwarded call " + f.op());
      };
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Asks the node that serves {@code id} to do a session call ({@code op}) and waits for it. */
  private void forwardAndWait(String owner, ForwardedCall call) {
    try {
      d.ownership().forward(owner, call).toCompletableFuture().join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : e;
    }
  }

  private void check(InvokeRequest r) {
    checkId("session id", "Warden-Session header or session_id field", r.session());
    checkId("tenant", "Warden-Tenant header or tenant field", r.tenant());
    if (r.idempotencyKey() != null && !IDEMPOTENCY_KEY.matcher(r.idempotencyKey()).matches()) {
      throw WardenException.invalid("Idempotency-Key: expected 1 to 255 visible ASCII characters (no spaces)");
    }
    if (r.body().length > MAX_BODY_BYTES) {
      throw new WardenException("too_large", "request body of " + r.body().length + " bytes is over the invoke limit of "
          + MAX_BODY_BYTES + " bytes");
    }
  }

  /** Admits a request on this node, which serves its session (or it has none). */
  private CompletionStage<InvocationResult> admitHere(String callerSubject, List<String> callerChain, AgentState agent,
      AgentExecutor executor, InvokeRequest r, @Nullable InvocationEvents events) {
    int stuck = abandoned.computeIfAbsent(agent.name(), k -> new AtomicInteger()).get();
    AgentDescriptor.Scaling scaling = agent.descriptor().spec().scaling();
    int maxConcurrency = scaling == null || scaling.maxConcurrency() == null
        ? d.defaultMaxConcurrency() : scaling.maxConcurrency();
    int maxQueue = scaling == null || scaling.maxQueue() == null
        ? d.defaultMaxQueue() : scaling.maxQueue();
    if (stuck >= maxConcurrency) {
      throw new WardenException("unavailable", "the runtime of agent " + agent.name() + " has " + stuck
          + " requests that timed out and never returned (max_concurrency " + maxConcurrency
          + "); Warden takes no more until it answers them");
    }
    String memory = memory(agent.descriptor());
    String fingerprint = fingerprint(r);
    CompletableFuture<InvocationResult> result = new CompletableFuture<>();
    String ikey = r.idempotencyKey() == null ? null : agent.name() + "/" + callerSubject + "/" + r.idempotencyKey();
    if (ikey != null) {
      Inflight mine = new Inflight(fingerprint, result);
      Inflight running = inflightKeys.putIfAbsent(ikey, mine);
      if (running != null) {
        sameRequest(running.fingerprint(), fingerprint, r);
        return running.result().copy(); // a concurrent duplicate: answered by the first execution
      }
      Optional<StoredInvocation> first = d.store().get(INVOCATIONS, ikey).map(this::parseInvocation);
      if (first.isPresent()) {
        inflightKeys.remove(ikey, mine);
        sameRequest(first.get().fingerprint(), fingerprint, r);
        return replay(first.get(), r);
      }
    }
    boolean tracked = r.session() != null && !memory.equals("none");
    try {
      if (tracked) {
        enterSession(agent.name(), r.session());
      }
      Call call = new Call(callerSubject, callerChain, agent, executor, r, memory, ikey, fingerprint, result,
          timeout(agent.descriptor()), events);
      AgentLane lane = lanes.computeIfAbsent(agent.name(), n -> new AgentLane(n, maxConcurrency, maxQueue));
      lane.limits(maxConcurrency, maxQueue);
      String key = partitionKey(agent.descriptor(), r);
      CompletableFuture<CompletableFuture<Void>> running = new CompletableFuture<>();
      if (!lane.submit(key, release -> run(call, running.join(), release))) {
        if (tracked) {
          leaveSession(r.session());
        }
        throw new RouterBusyException("agent " + agent.name() + " is busy: " + lane.running() + " requests running"
            + " (max_concurrency " + maxConcurrency + ") and " + lane.queued() + " waiting (max_queue " + maxQueue
            + "); retry after the Retry-After seconds", lane.retryAfterSeconds());
      }
      // The key's "running" record is written while the request waits its turn; it runs only once it is on disk.
      try {
        running.complete(ikey == null ? CompletableFuture.completedFuture(null) : markRunning(ikey, fingerprint));
      } catch (RuntimeException e) {
        running.complete(CompletableFuture.failedFuture(e)); // the request fails in its slot, never runs
      }
      return result;
    } catch (RuntimeException e) {
      if (ikey != null) {
        inflightKeys.remove(ikey);
        result.completeExceptionally(e); // a concurrent duplicate waiting on it gets the same refusal
      }
      throw e;
    }
  }

  private static void sameRequest(String expected, String actual, InvokeRequest r) {
    if (!expected.equals(actual)) {
      throw WardenException.conflict("Idempotency-Key '" + r.idempotencyKey() + "' was first used for a different"
          + " request (body, session or tenant differ); use a new key for a new request");
    }
  }

  private CompletionStage<InvocationResult> replay(StoredInvocation first, InvokeRequest r) {
    return switch (first.state()) {
      case StoredInvocation.DONE -> CompletableFuture.completedFuture(
          new InvocationResult(first.status(), first.contentType(), Base64.getDecoder().decode(first.body())));
      case StoredInvocation.FAILED -> CompletableFuture.failedFuture(new WardenException(first.code(), first.message()));
      default -> CompletableFuture.failedFuture(runningElsewhere(first, r));
    };
  }

  /**
   * A {@code running} record with no execution in flight here: still running on another member (send
   * the same key again later), or its node stopped or died while it ran, so whether it ran is
   * unknown and it is never run again under that key.
   */
  private WardenException runningElsewhere(StoredInvocation first, InvokeRequest r) {
    String node = first.node() == null ? "" : first.node();
    if (!node.isEmpty() && !node.equals(d.ownership().node()) && d.ownership().isMember(node)) {
      return WardenException.conflict("the first request with Idempotency-Key '" + r.idempotencyKey()
          + "' is still running on cluster node " + node + "; send the same key again once it is done to get"
          + " its answer");
    }
    String where = node.isEmpty() || node.equals(d.ownership().node()) ? "when Warden stopped"
        : "on cluster node " + node + " when that node stopped or died";
    return WardenException.conflict("the first request with Idempotency-Key '" + r.idempotencyKey()
        + "' was running " + where + ", so whether it ran is unknown; it is never run twice: check its effect,"
        + " and send a new key to run it again");
  }

  /** Counts a request in a session's flight; refused while the session is parked or being parked. */
  private void enterSession(String agent, String session) {
    boolean[] parking = {false};
    live.compute(session, (k, v) -> {
      if (v != null && v.parking) {
        parking[0] = true;
        return v;
      }
      Live l = v == null ? new Live() : v;
      l.inflight++;
      return l;
    });
    if (parking[0]) {
      throw WardenException.conflict("session " + session + " is being parked; resume it first"
          + " (POST /api/v1/sessions/" + session + "/resume)");
    }
    StoredSession s = read(session).orElse(null);
    if (s == null) {
      return;
    }
    String refusal = null;
    if (!s.agent().equals(agent)) {
      refusal = "session " + session + " belongs to agent " + s.agent() + ", not " + agent;
    } else if (s.stateEnum() == SessionInfo.State.PARKED || s.stateEnum() == SessionInfo.State.PARKING) {
      refusal = "session " + session + " is " + s.state() + (s.waitingFor().isEmpty() ? "" : " (waiting for "
          + s.waitingFor() + ")") + "; resume it first (POST /api/v1/sessions/" + session + "/resume)";
    }
    if (refusal != null) {
      leaveSession(session);
      throw WardenException.conflict(refusal);
    }
  }

  /** A request of the session is done; parks it when that was asked and this was the last one. */
  private void leaveSession(String session) {
    SessionWait park = leave(session);
    if (park != null) {
      park(session, park);
    }
  }

  /** Counts a request out of its session's flight; returns what to park it for when it is to be parked now. */
  private @Nullable SessionWait leave(String session) {
    SessionWait[] park = {null};
    live.computeIfPresent(session, (k, v) -> {
      v.inflight--;
      if (v.inflight > 0) {
        return v;
      }
      if (v.parking) {
        park[0] = v.wait;
        return v; // stays, marking the park in progress
      }
      return null;
    });
    return park[0];
  }

  private void park(String session, SessionWait wait) {
    try {
      parkNow(session, wait);
    } catch (RuntimeException e) {
      LOG.warn("could not park session {} after its last request", session, e);
    } finally {
      live.remove(session);
    }
  }

  private CompletableFuture<Void> markRunning(String ikey, String fingerprint) {
    long now = d.clock().millis();
    String record = write(new StoredInvocation(StoredInvocation.RUNNING, fingerprint, 0, "", "", "", "", now,
        d.ownership().node()));
    String byTime = byTimeKey(now, ikey);
    return writer.submit(tx -> {
      tx.put(INVOCATIONS, ikey, record);
      tx.put(INVOCATIONS_BY_TIME, byTime, ikey);
    });
  }

  /**
   * Runs one admitted request in its slot. The slot is handed on as soon as the runtime has answered
   * (the next request of the session may start); the caller hears back once the outcome is on disk.
   */
  private void run(Call c, CompletableFuture<Void> markedRunning, Runnable releaseSlot) {
    InvokeRequest r = c.request();
    String agent = c.agent().name();
    InvocationResult result = null;
    WardenException refused = null;
    Throwable failure = null;
    try {
      StoreWriter.await(markedRunning);
      if (r.session() != null && !c.memory().equals("none")) {
        ensureStarted(c);
      }
      result = execute(c);
    } catch (WardenException e) {
      refused = e;
      failure = e;
    } catch (RuntimeException | Error e) {
      LOG.warn("request of agent {} failed inside Warden", agent, e);
      failure = e;
    }
    releaseSlot.run();
    try {
      if (failure == null || refused != null) {
        finish(c, result, refused);
      }
    } catch (RuntimeException e) {
      LOG.warn("could not record the outcome of a request of agent {}", agent, e);
      if (failure == null) {
        failure = e;
      }
    }
    // The session is out of flight before the caller hears back, so the caller may suspend or end it at once.
    SessionWait park = r.session() != null && !c.memory().equals("none") ? leave(r.session()) : null;
    if (c.idempotencyKey() != null) {
      inflightKeys.remove(c.idempotencyKey());
    }
    if (failure == null) {
      c.result().complete(result);
    } else {
      c.result().completeExceptionally(failure);
    }
    if (park != null) {
      park(r.session(), park);
    }
  }

  /** A session's first request (or the first after it ended) starts it in the runtime and stores it. */
  private void ensureStarted(Call c) {
    String session = c.request().session();
    synchronized (stripe(session)) {
      StoredSession s = read(session).orElse(null);
      if (s != null && s.stateEnum() != SessionInfo.State.ENDED) {
        return;
      }
      try {
        c.executor().start(new SessionRef(c.agent().name(), session));
      } catch (ExecutorException e) {
        throw new NotRunException("executor_failed", "the runtime of agent " + c.agent().name()
            + " could not start session " + session + ": " + e.getMessage());
      }
      long now = d.clock().millis();
      StoredSession fresh = s != null
          ? s.with(SessionInfo.State.ACTIVE, "", "", 0, now, expiry(c.agent().descriptor(), now))
          : new StoredSession(session, c.agent().name(), c.request().tenant() == null ? "" : c.request().tenant(),
              SessionInfo.State.ACTIVE.wireName(), "", "", c.memory(), 0, 0, now, now,
              expiry(c.agent().descriptor(), now));
      String text = write(fresh);
      writer.write(tx -> {
        tx.put(SESSIONS, session, text);
        tx.put(BY_AGENT, c.agent().name() + "/" + session, "");
      });
    }
  }

  /** Runs the request on the runtime: once, or twice when the first try certainly did not run. */
  private InvocationResult execute(Call c) {
    InvokeRequest r = c.request();
    AgentDescriptor descriptor = c.agent().descriptor();
    AgentDescriptor.Budgets budgets = descriptor.spec().budgets();
    Reservation reservation = d.ledger().reserve(new BudgetRequest(c.agent().name(),
        budgets == null ? null : budgets.callsPerHour(), budgets == null ? null : budgets.usdPerDay(), "", null, null,
        0, BigDecimal.ZERO));
    TraceContext trace = TraceContext.of(r.traceHeaders().get("traceparent"), r.traceHeaders().get("baggage"));
    String spanId = TraceContext.newSpanId();
    Map<String, String> headers = new LinkedHashMap<>(r.traceHeaders());
    headers.put("traceparent", "00-" + trace.traceId() + "-" + spanId + "-01");
    Invocation invocation = new Invocation(c.agent().name(), r.session(), r.tenant(),
        r.idempotencyKey(), r.contentType(), r.body(), headers, c.timeout());
    Instant start = d.clock().instant();
    long t0 = System.nanoTime();
    int attempts = 0;
    InvocationResult result = null;
    WardenException failure = null;
    EventRelay relay = c.events() == null ? null : new EventRelay(c.events());
    while (true) {
      attempts++;
      try {
        result = callWithTimeout(c, invocation, relay);
        if (result.body().length > MAX_RESULT_BYTES) {
          result = null;
          failure = new WardenException("executor_failed", "the runtime of agent " + c.agent().name()
              + " answered with more than " + MAX_RESULT_BYTES + " bytes, the most Warden passes back");
        }
        break;
      } catch (ExecutorException e) {
        // A runtime that already streamed part of its answer has run the request, whatever it says.
        boolean notRun = e.retryable() && (relay == null || !relay.relayedAny());
        if (notRun && attempts == 1) {
          LOG.info("runtime of agent {} did not take a request ({}); trying once more", c.agent().name(),
              e.getMessage());
          continue;
        }
        String message = "the runtime of agent " + c.agent().name() + " failed"
            + (attempts > 1 ? " twice (the request did not run)" : "") + ": " + e.getMessage();
        failure = notRun ? new NotRunException("executor_failed", message)
            : new WardenException("executor_failed", message);
        break;
      } catch (TimeoutException e) {
        failure = new WardenException("executor_timeout", "the runtime of agent " + c.agent().name()
            + " did not answer within " + c.timeout().toSeconds() + " s (spec.executor.settings.timeout_seconds)");
        break;
      }
    }
    if (relay != null) {
      relay.close(); // a runtime still streaming after a timeout reaches the caller no more
    }
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    // Rounded once, so the ledger and the span carry the same figure.
    BigDecimal cost = d.computePrice().usd(c.agent().name(), took).max(BigDecimal.ZERO)
        .setScale(9, RoundingMode.HALF_UP);
    try {
      d.ledger().settle(reservation, cost);
    } catch (RuntimeException e) {
      LOG.warn("could not charge the compute time of agent {}", c.agent().name(), e);
    }
    span(c, trace, spanId, start, took, result, failure, attempts, cost);
    if (failure != null) {
      throw failure;
    }
    return result;
  }

  /** A failure of a request that certainly did not run: no idempotency record keeps it, so a retry may run it. */
  private static final class NotRunException extends WardenException {
    private static final long serialVersionUID = 1L;

    NotRunException(String code, String message) {
      super(code, message);
    }
  }

  /**
   * Hands a streamed answer's events on to the caller while the request runs, up to
   * {@code MAX_RESULT_BYTES} (the whole answer over that fails at its end, like one not streamed) and
   * never after the request is over (timed out).
   */
  private static final class EventRelay implements InvocationEvents {
    private final InvocationEvents caller;
    private final AtomicLong chars = new AtomicLong();
    private volatile boolean open = true;

    EventRelay(InvocationEvents caller) {
      this.caller = caller;
    }

    @Override
    public void event(String event) {
      if (open && chars.addAndGet(event.length() + 2L) <= MAX_RESULT_BYTES) {
        caller.event(event);
      }
    }

    boolean relayedAny() {
      return chars.get() > 0;
    }

    void close() {
      open = false;
    }
  }

  private InvocationResult callWithTimeout(Call c, Invocation invocation, @Nullable InvocationEvents relay)
      throws ExecutorException, TimeoutException {
    CompletableFuture<InvocationResult> f = new CompletableFuture<>();
    AtomicInteger state = new AtomicInteger(); // 0 running, 1 returned, 2 given up
    AtomicInteger stuck = abandoned.computeIfAbsent(c.agent().name(), k -> new AtomicInteger());
    Thread t = Thread.ofVirtual().name("runtime-" + c.agent().name()).start(() -> {
      try {
        f.complete(relay == null ? c.executor().invoke(invocation) : c.executor().invoke(invocation, relay));
      } catch (Throwable e) {
        f.completeExceptionally(e);
      } finally {
        if (!state.compareAndSet(0, 1)) {
          stuck.decrementAndGet();
        }
      }
    });
    try {
      return f.get(c.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      if (state.compareAndSet(0, 2)) {
        stuck.incrementAndGet();
        t.interrupt();
        throw e;
      }
      return f.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ExecutorException("interrupted while waiting for the runtime", false, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ExecutorException ee) {
        throw ee;
      }
      throw new ExecutorException("the executor adapter threw " + cause, false, cause);
    }
  }

  /** Records the outcome durably: the idempotency record and the session, in one write. */
  private void finish(Call c, @Nullable InvocationResult result, @Nullable WardenException failure) {
    InvokeRequest r = c.request();
    long now = d.clock().millis();
    // Only a runtime that may have run the request makes its failure the key's answer; a refusal
    // before it (budget, a runtime that never took it) leaves the key free for a retry.
    boolean didNotRun = failure != null && (failure instanceof NotRunException
        || !(failure.code().equals("executor_failed") || failure.code().equals("executor_timeout")));
    String record = c.idempotencyKey() == null || didNotRun ? null : result != null
        ? write(new StoredInvocation(StoredInvocation.DONE, c.fingerprint(), result.status(), result.contentType(),
            Base64.getEncoder().encodeToString(result.body()), "", "", now, d.ownership().node()))
        : write(new StoredInvocation(StoredInvocation.FAILED, c.fingerprint(), 0, "", "", failure.code(),
            failure.getMessage(), now, d.ownership().node()));
    boolean touchSession = r.session() != null && !c.memory().equals("none");
    if (c.idempotencyKey() == null && !touchSession) {
      return;
    }
    boolean degraded = failure != null && (failure.code().equals("executor_timeout")
        || failure.code().equals("executor_failed"));
    Long expires = expiry(c.agent().descriptor(), now);
    writer.write(tx -> {
      if (c.idempotencyKey() != null) {
        if (record != null) {
          tx.put(INVOCATIONS, c.idempotencyKey(), record);
        } else {
          tx.remove(INVOCATIONS, c.idempotencyKey());
        }
      }
      if (touchSession) {
        tx.get(SESSIONS, r.session()).map(this::parseSession).ifPresent(s -> {
          SessionInfo.State state = s.stateEnum() == SessionInfo.State.PARKING ? SessionInfo.State.PARKING
              : degraded ? SessionInfo.State.DEGRADED : SessionInfo.State.ACTIVE;
          tx.put(SESSIONS, r.session(), write(s.invoked(state, degraded ? failure.getMessage() : "", c.memory(), now,
              expires)));
        });
      }
    });
  }

  private void span(Call c, TraceContext trace, String spanId, Instant start, Duration took,
      @Nullable InvocationResult result, @Nullable WardenException failure, int attempts, BigDecimal cost) {
    InvokeRequest r = c.request();
    Map<String, String> a = new LinkedHashMap<>();
    a.put("gen_ai.operation.name", "invoke_agent");
    a.put("gen_ai.agent.name", c.agent().name());
    a.put("warden.invoke.caller", c.callerSubject());
    a.put("warden.invoke.attempts", Integer.toString(attempts));
    a.put("warden.executor.type", c.executor().type());
    if (r.session() != null) {
      a.put("warden.session.id", r.session());
    }
    if (r.tenant() != null) {
      a.put("warden.tenant", r.tenant());
    }
    if (result != null) {
      a.put("warden.invoke.status", Integer.toString(result.status()));
    }
    String usd = cost.setScale(9, RoundingMode.HALF_UP).toPlainString();
    a.put("warden.cost.usd", usd);
    a.put("warden.cost.tokens_usd", "0");
    a.put("warden.cost.actions_usd", "0");
    a.put("warden.cost.compute_usd", usd);
    List<String> chain = new ArrayList<>(c.callerChain());
    chain.add(c.agent().name());
    boolean ok = failure == null && result != null && result.status() < 500;
    String message = failure != null ? failure.getMessage() : ok ? "" : "runtime answered " + result.status();
    long startNanos = start.getEpochSecond() * 1_000_000_000L + start.getNano();
    SpanRecord span = new SpanRecord(trace.traceId(), spanId, trace.parentSpanId(), trace.logicalTraceId(),
        "invoke_agent " + c.agent().name(), SERVICE, c.agent().name(), "invoke_agent", startNanos,
        startNanos + took.toNanos(), ok ? "OK" : "ERROR", message, "", "", 0, 0, 0, "",
        r.session() == null ? "" : r.session(), trace.intent(), chain, cost.setScale(9, RoundingMode.HALF_UP), "",
        a, List.of());
    try {
      d.spans().write(span).whenComplete((v, err) -> {
        if (err != null) {
          LOG.warn("could not record the span of a request of agent {}", c.agent().name(), err);
        }
      });
    } catch (RuntimeException e) {
      LOG.warn("could not record the span of a request of agent {}", c.agent().name(), e);
    }
  }

  // ---------------------------------------------------------------- sessions

  @Override
  public List<SessionInfo> list(Principal caller, @Nullable String agent, String after, int limit) {
    String only = agent;
    if (caller instanceof AgentPrincipal ap) {
      if (agent != null && !agent.equals(ap.name())) {
        throw WardenException.forbidden("agent " + ap.name() + " may list only its own sessions, not " + agent + "'s");
      }
      only = ap.name();
    } else if (caller instanceof UserPrincipal u) {
      requireRole(u, Role.VIEWER, "list sessions");
    }
    int n = Math.max(1, Math.min(limit, PAGE));
    List<SessionInfo> out = new ArrayList<>();
    if (only == null) {
      d.store().page(SESSIONS, "", after, n).values().forEach(v -> out.add(parseSession(v).info()));
      return out;
    }
    String prefix = only + "/";
    for (String key : d.store().page(BY_AGENT, prefix, after.isEmpty() ? "" : prefix + after, n).keySet()) {
      read(key.substring(prefix.length())).ifPresent(s -> out.add(s.info()));
    }
    return out;
  }

  @Override
  public SessionInfo get(Principal caller, String id) {
    StoredSession s = existing(id);
    authorizeSession(caller, s, Role.VIEWER, "read");
    return s.info();
  }

  @Override
  public SessionInfo suspend(Principal caller, String id, SessionWait waitingFor) {
    return asked(caller, id, ForwardedCall.SUSPEND, waitingFor.wire(), s -> Map.of("waiting_for", waitingFor.wire()),
        () -> suspendHere(id, waitingFor), s -> existing(id).info());
  }

  /**
   * A suspend, resume or end ({@code kind}) a principal asked for: authorized, run where the
   * session is served — here ({@code here}), or on its owner, forwarded, and then read back
   * ({@code afterForward}, given the session as it was) — and audited once, here.
   */
  private SessionInfo asked(Principal caller, String id, String kind, String wait,
      Function<StoredSession, Map<String, String>> details, Supplier<SessionInfo> here,
      Function<StoredSession, SessionInfo> afterForward) {
    StoredSession s = existing(id);
    authorizeSession(caller, s, Role.AUTHOR, kind);
    String owner = d.ownership().ownerOf(s.agent(), id);
    SessionInfo done;
    if (!owner.equals(SessionOwnership.LOCAL)) {
      forwardAndWait(owner, new ForwardedCall(kind, caller.subject(), chain(caller), id, null, wait));
      done = afterForward.apply(s);
    } else {
      done = here.get();
    }
    audited(caller, "session." + kind, done, details.apply(s));
    return done;
  }

  /**
   * Audits a suspend, resume or end a principal asked for through {@link SessionRouter}, once it is
   * done (a refused call throws before), on the node that took the caller's call and authenticated
   * it: a call forwarded to the session's owner is audited here, never again by the owner
   * ({@link #serveForwarded} does not audit). What Warden does by itself — a parking finishing when
   * the last request is done, a session resuming because its approval or timer arrived — is not
   * audited: every audit entry is an fsync of the log, and 100,000 sessions parked and resumed on
   * their waits would be 100,000 of them; the session's record keeps its state. Purges are audited,
   * one entry per agent and run ({@link #purge}).
   */
  private void audited(Principal caller, String action, SessionInfo session, Map<String, String> more) {
    Map<String, String> details = new LinkedHashMap<>();
    details.put("agent", session.agent());
    details.putAll(more);
    details.put("state", session.state().name().toLowerCase(java.util.Locale.ROOT));
    d.audit().append(caller.subject(), action, "session/" + session.id(), details);
  }

  private SessionInfo suspendHere(String id, SessionWait waitingFor) {
    StoredSession s = existing(id);
    switch (s.stateEnum()) {
      case PARKED, PARKING -> {
        return s.info();
      }
      case ENDED -> throw WardenException.conflict("session " + id + " has ended; it cannot be parked");
      default -> { }
    }
    if (waitingFor.kind() == SessionWait.Kind.APPROVAL) {
      if (d.approvals() == null) {
        throw WardenException.invalid("waiting_for approval: this Warden has no approval service");
      }
      if (d.approvals().get(waitingFor.value()).isEmpty()) {
        throw WardenException.notFound("waiting_for: no approval '" + waitingFor.value() + "'");
      }
    }
    boolean[] now = {false};
    live.compute(id, (k, v) -> {
      if (v == null) {
        Live l = new Live();
        l.parking = true;
        l.wait = waitingFor;
        now[0] = true;
        return l;
      }
      if (!v.parking) {
        v.parking = true;
        v.wait = waitingFor;
      }
      return v;
    });
    if (now[0]) {
      try {
        parkNow(id, waitingFor);
      } finally {
        live.remove(id);
      }
    } else {
      updateSession(id, cur -> cur.stateEnum() == SessionInfo.State.PARKED ? cur
          : cur.with(SessionInfo.State.PARKING, waitingFor.wire(), "", 0, d.clock().millis(), cur.expiresAt()));
    }
    return existing(id).info();
  }

  /** Asks the runtime for the checkpoint and stores it with the session; nothing of it stays in memory. */
  private void parkNow(String id, SessionWait wait) {
    synchronized (stripe(id)) {
      StoredSession s = existing(id);
      if (s.stateEnum() == SessionInfo.State.PARKED) {
        return;
      }
      AgentExecutor executor = executor(agent(s.agent()).descriptor());
      SessionCheckpoint checkpoint;
      try {
        checkpoint = executor.suspend(new SessionRef(s.agent(), id));
      } catch (ExecutorException e) {
        updateSession(id, cur -> cur.with(SessionInfo.State.DEGRADED, "", "could not park: " + e.getMessage(), 0,
            d.clock().millis(), cur.expiresAt()));
        throw new WardenException("executor_failed", "the runtime of agent " + s.agent() + " could not park session "
            + id + ": " + e.getMessage());
      }
      long now = d.clock().millis();
      String state = Base64.getEncoder().encodeToString(checkpoint.state());
      String waitKey = waitKey(wait, id);
      writer.write(tx -> {
        tx.get(SESSIONS, id).map(this::parseSession).ifPresent(cur -> tx.put(SESSIONS, id,
            write(cur.with(SessionInfo.State.PARKED, wait.wire(), "", checkpoint.state().length, now,
                cur.expiresAt()))));
        tx.put(CHECKPOINTS, id, state);
        if (waitKey != null) {
          tx.put(WAITS, waitKey, id);
        }
      });
      d.ownership().release(s.agent(), id);
    }
    if (wait.kind() == SessionWait.Kind.APPROVAL && d.approvals() != null) {
      d.approvals().get(wait.value()).filter(a -> !a.isPending())
          .ifPresent(a -> Thread.ofVirtual().start(() -> resumeWaiting("approval/" + a.id())));
    }
  }

  @Override
  public SessionInfo resume(Principal caller, String id) {
    return asked(caller, id, ForwardedCall.RESUME, "", s -> Map.of("waited_for", s.waitingFor()),
        () -> resumeNow(id).info(), s -> existing(id).info());
  }

  private StoredSession resumeNow(String id) {
    synchronized (stripe(id)) {
      StoredSession s = existing(id);
      switch (s.stateEnum()) {
        case ACTIVE, DEGRADED -> {
          return s;
        }
        case PARKING -> throw WardenException.conflict("session " + id + " is still being parked (its last requests"
            + " are running); resume it once it is parked");
        case ENDED -> throw WardenException.conflict("session " + id + " has ended; send a request to start it again");
        default -> { }
      }
      AgentExecutor executor = executor(agent(s.agent()).descriptor());
      byte[] state = d.store().get(CHECKPOINTS, id).map(Base64.getDecoder()::decode).orElse(new byte[0]);
      try {
        executor.resume(new SessionRef(s.agent(), id), new SessionCheckpoint(state));
      } catch (ExecutorException e) {
        updateSession(id, cur -> cur.with(cur.stateEnum(), cur.waitingFor(), "could not resume: " + e.getMessage(),
            cur.checkpointBytes(), d.clock().millis(), cur.expiresAt()));
        throw new WardenException("executor_failed", "the runtime of agent " + s.agent() + " could not resume session "
            + id + ": " + e.getMessage());
      }
      long now = d.clock().millis();
      String waitKey = s.waitingFor().isEmpty() ? null : waitKey(SessionWait.parse(s.waitingFor()), id);
      StoredSession[] out = new StoredSession[1];
      writer.write(tx -> {
        tx.get(SESSIONS, id).map(this::parseSession).ifPresent(cur -> {
          out[0] = cur.with(SessionInfo.State.ACTIVE, "", "", 0, now, cur.expiresAt());
          tx.put(SESSIONS, id, write(out[0]));
        });
        tx.remove(CHECKPOINTS, id);
        if (waitKey != null) {
          tx.remove(WAITS, waitKey);
        }
      });
      return out[0] == null ? existing(id) : out[0];
    }
  }

  @Override
  public SessionInfo end(Principal caller, String id) {
    // Forwarded: the owner deleted the record unless persistent memory keeps it.
    return asked(caller, id, ForwardedCall.END, "", s -> Map.of(), () -> endHere(id),
        s -> read(id).map(StoredSession::info).orElseGet(() -> ended(s.info())));
  }

  private static SessionInfo ended(SessionInfo i) {
    return new SessionInfo(i.id(), i.agent(), i.tenant(), SessionInfo.State.ENDED, "", "", i.memory(),
        i.invocations(), 0, i.createdAt(), i.updatedAt(), null);
  }

  private SessionInfo endHere(String id) {
    StoredSession s;
    synchronized (stripe(id)) {
      if (live.containsKey(id)) {
        throw WardenException.conflict("session " + id + " has requests in flight; end it once they are done");
      }
      s = existing(id);
      if (s.stateEnum() == SessionInfo.State.ENDED) {
        return s.info();
      }
      Optional<AgentState> agent = d.inventory().get(s.agent());
      AgentExecutor executor = agent.map(a -> executorOrNull(a.descriptor())).orElse(null);
      if (executor != null) {
        try {
          executor.stop(new SessionRef(s.agent(), id));
        } catch (ExecutorException e) {
          throw new WardenException("executor_failed", "the runtime of agent " + s.agent() + " could not end session "
              + id + ": " + e.getMessage());
        }
      }
      long now = d.clock().millis();
      Integer days = agent.map(a -> a.descriptor().spec().memory()).map(AgentDescriptor.Memory::retentionDays)
          .orElse(null);
      String memory = agent.map(a -> memory(a.descriptor())).orElse(s.memory());
      StoredSession ended = s.with(SessionInfo.State.ENDED, "", "", 0, now,
          memory.equals("persistent") && days != null && days > 0 ? now + Duration.ofDays(days).toMillis() : null);
      boolean keep = ended.expiresAt() != null;
      StoredSession before = s;
      writer.write(tx -> {
        deleteSession(tx, before); // the record, its index entry, checkpoint and wait
        if (keep) {
          tx.put(SESSIONS, id, write(ended));
          tx.put(BY_AGENT, ended.agent() + "/" + id, "");
        }
      });
      d.ownership().release(ended.agent(), id);
      return ended.info();
    }
  }

  private void deleteSession(StateStore.Transaction tx, StoredSession s) {
    tx.remove(SESSIONS, s.id());
    tx.remove(BY_AGENT, s.agent() + "/" + s.id());
    tx.remove(CHECKPOINTS, s.id());
    if (!s.waitingFor().isEmpty()) {
      String key = waitKey(SessionWait.parse(s.waitingFor()), s.id());
      if (key != null) {
        tx.remove(WAITS, key);
      }
    }
  }

  // ---------------------------------------------------------------- waits, purge

  private void resumeWaiting(String waitKey) {
    d.store().get(WAITS, waitKey).ifPresent(id -> {
      try {
        Optional<StoredSession> s = read(id);
        if (s.isPresent() && !d.ownership().ownerOf(s.get().agent(), id).equals(SessionOwnership.LOCAL)) {
          return; // another node serves it (and resumes it)
        }
        resumeNow(id);
        LOG.info("session {} resumed: {} arrived", id, waitKey);
      } catch (RuntimeException e) {
        LOG.warn("session {} could not resume on {}", id, waitKey, e);
      }
    });
  }

  private void resumeDecidedApprovals() {
    try {
      String after = "";
      while (true) {
        var page = d.store().page(WAITS, "approval/", after, PAGE);
        if (page.isEmpty()) {
          return;
        }
        for (String key : page.keySet()) {
          String approval = key.substring("approval/".length());
          Optional<Approval> a = d.approvals().get(approval);
          if (a.isEmpty() || !a.get().isPending()) {
            resumeWaiting(key);
          }
        }
        after = page.lastKey();
      }
    } catch (RuntimeException e) {
      LOG.warn("could not resume sessions whose approvals were decided while Warden was down", e);
    }
  }

  private void resumeDueTimers() {
    try {
      long now = d.clock().millis();
      for (String key : d.store().page(WAITS, "timer/", "", 100).keySet()) {
        long due = Long.parseLong(key.substring("timer/".length(), key.indexOf('/', "timer/".length())));
        if (due > now) {
          return;
        }
        resumeWaiting(key);
      }
    } catch (RuntimeException e) {
      LOG.warn("could not resume sessions whose timers are due", e);
    }
  }

  private void purgeQuietly() {
    try {
      purge();
    } catch (RuntimeException e) {
      LOG.warn("could not purge expired session state", e);
    }
  }

  /** Purges sessions past their retention (audited per agent) and idempotency records past theirs. */
  public int purge() {
    long now = d.clock().millis();
    Map<String, List<StoredSession>> expired = new TreeMap<>();
    String after = "";
    while (true) {
      var page = d.store().page(SESSIONS, "", after, PAGE);
      if (page.isEmpty()) {
        break;
      }
      for (String v : page.values()) {
        StoredSession s = parseSession(v);
        if (s.expiresAt() != null && s.expiresAt() <= now && !live.containsKey(s.id())) {
          expired.computeIfAbsent(s.agent(), k -> new ArrayList<>()).add(s);
        }
      }
      after = page.lastKey();
    }
    int purged = 0;
    for (Map.Entry<String, List<StoredSession>> e : expired.entrySet()) {
      List<StoredSession> sessions = e.getValue();
      AgentExecutor executor = d.inventory().get(e.getKey()).map(a -> executorOrNull(a.descriptor())).orElse(null);
      for (StoredSession s : sessions) {
        if (executor != null && s.stateEnum() != SessionInfo.State.ENDED) {
          try {
            executor.stop(new SessionRef(s.agent(), s.id()));
          } catch (ExecutorException ex) {
            LOG.warn("runtime of agent {} could not stop expired session {}: {}", s.agent(), s.id(), ex.getMessage());
          }
        }
      }
      for (int i = 0; i < sessions.size(); i += PAGE) {
        List<StoredSession> chunk = sessions.subList(i, Math.min(sessions.size(), i + PAGE));
        writer.write(tx -> chunk.forEach(s -> deleteSession(tx, s)));
      }
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("count", sessions.size());
      details.put("sessions", sessions.stream().limit(100).map(StoredSession::id).toList());
      details.put("why", "spec.memory persistent: retention_days passed since the session's last activity");
      d.audit().append("system", "session.purge", "agent/" + e.getKey(), details);
      LOG.info("purged {} expired sessions of agent {}", sessions.size(), e.getKey());
      purged += sessions.size();
    }
    String cutoff = byTimeKey(now - d.idempotencyRetention().toMillis(), "\uffff");
    while (true) {
      var page = d.store().page(INVOCATIONS_BY_TIME, "", "", PAGE);
      List<Map.Entry<String, String>> due = page.entrySet().stream()
          .filter(en -> en.getKey().compareTo(cutoff) < 0).toList();
      if (due.isEmpty()) {
        break;
      }
      writer.write(tx -> due.forEach(en -> {
        tx.remove(INVOCATIONS_BY_TIME, en.getKey());
        if (!inflightKeys.containsKey(en.getValue())) {
          tx.remove(INVOCATIONS, en.getValue());
        }
      }));
      if (due.size() < page.size()) {
        break;
      }
    }
    return purged;
  }

  // ---------------------------------------------------------------- helpers

  private AgentState agent(String name) {
    return d.inventory().get(name).orElseThrow(() -> WardenException.notFound("no agent '" + name
        + "' on main: check the name (GET /api/v1/agents lists them)"));
  }

  private AgentExecutor executor(AgentDescriptor descriptor) {
    AgentDescriptor.Executor spec = descriptor.spec().executor();
    if (spec == null || spec.type() == null || spec.type().isBlank()) {
      throw WardenException.conflict("agent " + descriptor.name() + " has no spec.executor: Warden has no runtime"
          + " to run it on; add spec.executor.type to its descriptor");
    }
    AgentExecutor executor = d.executors().apply(spec.type());
    if (executor == null) {
      throw new WardenException("unavailable", "agent " + descriptor.name() + " needs an executor adapter of type '"
          + spec.type() + "' (spec.executor.type), and none is installed");
    }
    return executor;
  }

  private @Nullable AgentExecutor executorOrNull(AgentDescriptor descriptor) {
    AgentDescriptor.Executor spec = descriptor.spec().executor();
    return spec == null || spec.type() == null ? null : d.executors().apply(spec.type());
  }

  private void authorizeInvoke(Principal caller, AgentState target) {
    if (caller instanceof UserPrincipal u) {
      requireRole(u, Role.AUTHOR, "invoke agent " + target.name());
      return;
    }
    AgentPrincipal a = (AgentPrincipal) caller;
    boolean allowed = d.inventory().get(a.name())
        .map(s -> s.descriptor().spec().delegates().contains(target.name())).orElse(false);
    if (!allowed) {
      throw WardenException.forbidden("agent " + a.name() + " may not invoke agent " + target.name() + ": it is not in "
          + a.name() + "'s spec.delegates");
    }
  }

  private static void authorizeSession(Principal caller, StoredSession s, Role role, String what) {
    if (caller instanceof UserPrincipal u) {
      requireRole(u, role, what + " sessions");
    } else if (!caller.name().equals(s.agent())) {
      throw WardenException.forbidden("agent " + caller.name() + " may not " + what + " session " + s.id()
          + ": it belongs to agent " + s.agent());
    }
  }

  private static void requireRole(UserPrincipal u, Role role, String what) {
    if (!u.has(role)) {
      throw WardenException.forbidden("to " + what + " needs the " + role.wireName() + " role or above; " + u.name()
          + " is a " + u.role().wireName());
    }
  }

  private static void checkId(String what, String where, @Nullable String value) {
    if (value != null && !ID.matcher(value).matches()) {
      throw WardenException.invalid(what + " '" + shorten(value) + "' (" + where + "): expected 1 to 128 letters,"
          + " digits, '.', '_', ':' or '-', starting with a letter or digit");
    }
  }

  private static String shorten(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }

  private static String memory(AgentDescriptor descriptor) {
    AgentDescriptor.Memory m = descriptor.spec().memory();
    return m == null || m.type() == null ? "session" : m.type();
  }

  private static @Nullable Long expiry(AgentDescriptor descriptor, long now) {
    AgentDescriptor.Memory m = descriptor.spec().memory();
    if (m == null || !"persistent".equals(m.type()) || m.retentionDays() == null || m.retentionDays() == 0) {
      return null;
    }
    return now + Duration.ofDays(m.retentionDays()).toMillis();
  }

  private Duration timeout(AgentDescriptor descriptor) {
    AgentDescriptor.Executor e = descriptor.spec().executor();
    String value = e == null ? null : e.settings().get("timeout_seconds");
    if (value != null) {
      try {
        long s = Long.parseLong(value.strip());
        if (s > 0) {
          return Duration.ofSeconds(s);
        }
      } catch (NumberFormatException ignored) {
        // the default below
      }
      LOG.warn("agent {}: spec.executor.settings.timeout_seconds '{}' is not a positive integer; using {} s",
          descriptor.name(), value, d.defaultTimeout().toSeconds());
    }
    return d.defaultTimeout();
  }

  private String partitionKey(AgentDescriptor descriptor, InvokeRequest r) {
    AgentDescriptor.Scaling s = descriptor.spec().scaling();
    String by = s == null || s.partitionBy() == null ? "session" : s.partitionBy();
    return switch (by) {
      case "tenant" -> r.tenant() != null ? "t:" + r.tenant() : "u:" + anonymous.incrementAndGet();
      case "none" -> "u:" + anonymous.incrementAndGet();
      default -> r.session() != null ? "s:" + r.session() : "u:" + anonymous.incrementAndGet();
    };
  }

  private static String fingerprint(InvokeRequest r) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update((r.session() + "\n" + r.tenant() + "\n").getBytes(StandardCharsets.UTF_8));
      md.update(r.body());
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static @Nullable String waitKey(SessionWait wait, String id) {
    return switch (wait.kind()) {
      case APPROVAL -> "approval/" + wait.value();
      case TIMER -> "timer/" + String.format("%015d", Instant.parse(wait.value()).toEpochMilli()) + "/" + id;
      default -> null;
    };
  }

  private static String byTimeKey(long millis, String key) {
    return String.format("%015d", millis) + "/" + key;
  }

  private Object stripe(String id) {
    return stripes[Math.floorMod(id.hashCode(), STRIPES)];
  }

  private Optional<StoredSession> read(String id) {
    return d.store().get(SESSIONS, id).map(this::parseSession);
  }

  private StoredSession existing(String id) {
    if (!ID.matcher(id).matches()) {
      throw WardenException.invalid("session id '" + shorten(id) + "': expected 1 to 128 letters, digits, '.', '_',"
          + " ':' or '-', starting with a letter or digit");
    }
    return read(id).orElseThrow(() -> WardenException.notFound("no session '" + id + "' (agents with spec.memory"
        + " none keep no sessions; ended sessions are kept only with persistent memory)"));
  }

  private void updateSession(String id, java.util.function.UnaryOperator<StoredSession> change) {
    writer.write(tx -> tx.get(SESSIONS, id).map(this::parseSession)
        .ifPresent(cur -> tx.put(SESSIONS, id, write(change.apply(cur)))));
  }

  private StoredSession parseSession(String text) {
    try {
      return json.readValue(text, StoredSession.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable session record: " + e.getOriginalMessage(), e);
    }
  }

  private StoredInvocation parseInvocation(String text) {
    try {
      return json.readValue(text, StoredInvocation.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable idempotency record: " + e.getOriginalMessage(), e);
    }
  }

  private String write(Object record) {
    try {
      return json.writeValueAsString(record);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  // Visible for testing
  int inMemorySessions() {
    return live.size();
  }

  @Override
  public void close() {
    // Never shutdownNow(): an interrupt during a read closes the store's FileChannel under it.
    scheduler.shutdown();
    try {
      scheduler.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    writer.close();
  }
}
