package io.warden.core.approval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.core.WardenException;
import io.warden.core.approval.Approval.Execution;
import io.warden.core.approval.Approval.Status;
import io.warden.core.audit.AuditLog;
import io.warden.core.identity.Principal;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.store.StateStore;
import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable approvals: held actions persisted in the {@link StateStore} (table {@value #TABLE}), so a
 * pending approval, a decision and the execution state of an approved action all survive a crash.
 *
 * <p>Only a user with the {@link Role#APPROVER} role (and, when the approval names one, in its
 * required team) decides; agents never do. Deciding twice the same way is a no-op that returns the
 * approval as it stands; deciding the other way after a decision is a conflict. A pending approval
 * past its expiry becomes {@link Status#EXPIRED} (checked every second and on every read).
 *
 * <p>An approved action runs at most once: its executor {@link #claimExecution claims} it (recorded
 * as {@link Execution#STARTED} before the action runs) and {@link #recordExecution records} the
 * outcome afterwards. A claim after a restart finds the record and is refused.
 *
 * <p>Every step is audited. Thread-safe.
 *
 * <p>Reads come from an in-memory copy of the table, loaded at open and updated after every durable
 * write (writes are serialized, as the store serializes them anyway), with pending approvals indexed
 * by expiry and ids by agent: listing and reading never parse the table, and the once-a-second
 * expiry sweep touches only the due ones, so 100,000 pending approvals stay cheap.
 */
public final class ApprovalService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApprovalService.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  /** State store table: approval id → approval JSON. */
  public static final String TABLE = "approvals";
  /** How long a pending approval waits for a decision unless configured: 1 hour. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(1);
  private static final String SYSTEM = "system";

  private final StateStore store;
  private final AuditLog audit;
  private final Clock clock;
  private final Duration timeout;
  private final List<Consumer<Approval>> listeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<Approval>> holdListeners = new CopyOnWriteArrayList<>();
  private final Map<String, CompletableFuture<Approval>> waiters = new ConcurrentHashMap<>();
  private final ScheduledExecutorService expiry;
  /** The table's records by id; changed only under {@link #writes}, after the store has them. */
  private final Map<String, Approval> byId = new ConcurrentHashMap<>();
  /** Pending approvals by expiry, so the sweep touches only the due ones. */
  private final NavigableSet<Stamp> pendingByExpiry = new ConcurrentSkipListSet<>();
  /** Approval ids by agent (approvals are never removed), so listing one agent's skips the others. */
  private final Map<String, Set<String>> idsByAgent = new ConcurrentHashMap<>();
  /** Every approval in list order (oldest first), so listing needs no sort. */
  private final NavigableSet<Stamp> byCreation = new ConcurrentSkipListSet<>();

  /** An instant and an approval id, ordered by both: expiry or creation order. */
  private record Stamp(Instant at, String id) implements Comparable<Stamp> {
    @Override
    public int compareTo(Stamp o) {
      int c = at.compareTo(o.at);
      return c != 0 ? c : id.compareTo(o.id);
    }
  }
  private final Object writes = new Object();

  private ApprovalService(StateStore store, AuditLog audit, Clock clock, Duration timeout) {
    this.store = store;
    this.audit = audit;
    this.clock = clock;
    this.timeout = timeout;
    for (String json : store.table(TABLE).values()) {
      remember(fromJson(json));
    }
    this.expiry = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ApprovalService_Worker");
      t.setDaemon(true);
      return t;
    });
    expiry.scheduleWithFixedDelay(this::expireDueQuietly, 1, 1, TimeUnit.SECONDS);
  }

  /**
   * Opens the approvals kept in {@code store}; pending ones expire {@code timeout} after they were
   * held.
   */
  public static ApprovalService create(StateStore store, AuditLog audit, Clock clock, Duration timeout) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(audit, "audit");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("approval timeout must be positive, got " + timeout);
    }
    return new ApprovalService(store, audit, clock, timeout);
  }

  /** How long a pending approval waits. */
  public Duration timeout() {
    return timeout;
  }

  /**
   * Adds a listener told of every final transition (approved, denied, expired), on the thread that
   * made it, after it is durable and audited. The MCP gateway runs approved actions from here.
   */
  public void addListener(Consumer<Approval> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Adds a listener told of every new pending approval, on the holding thread, after it is durable
   * and audited. It must return at once (the approvals webhook queues and returns); a listener that
   * throws is logged and ignored, never failing the hold.
   */
  public void addHoldListener(Consumer<Approval> listener) {
    holdListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  // ---------------------------------------------------------------- hold

  /** Persists a pending approval, then audits it ({@code approval.request}). */
  public Approval hold(ApprovalRequest request) {
    Objects.requireNonNull(request, "request");
    Instant now = clock.instant();
    byte[] idBytes = new byte[12];
    RANDOM.nextBytes(idBytes);
    Approval a = new Approval("apr_" + HexFormat.of().formatHex(idBytes), request.agent(), request.tool(),
        request.argumentsJson(), request.actionValueUsd(), request.logicalTraceId(), request.intent(),
        request.reasons(), request.requiredTeam(), now, now.plus(timeout), Status.PENDING, "", "", null,
        Execution.NOT_STARTED, "", "", request.correlationKey());
    synchronized (writes) {
      store.put(TABLE, a.id(), toJson(a));
      remember(a);
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("tool", a.tool());
    details.put("action_value_usd", a.actionValueUsd() == null ? "unknown" : a.actionValueUsd().toPlainString());
    details.put("logical_trace_id", a.logicalTraceId());
    details.put("reasons", a.reasons());
    details.put("expires_at", a.expiresAt().toString());
    audit.append("agent:" + a.agent(), "approval.request", "approval/" + a.id(), details);
    for (Consumer<Approval> l : holdListeners) {
      try {
        l.accept(a);
      } catch (RuntimeException e) {
        LOG.warn("approval hold listener failed on {}", a.id(), e);
      }
    }
    return a;
  }

  // ---------------------------------------------------------------- read

  /** The approval, with its expiry applied. */
  public Optional<Approval> get(String id) {
    Objects.requireNonNull(id, "id");
    Optional<Approval> a = Optional.ofNullable(byId.get(id));
    if (a.isPresent() && a.get().isPending() && !clock.instant().isBefore(a.get().expiresAt())) {
      expireDue();
      return Optional.ofNullable(byId.get(id));
    }
    return a;
  }

  /** Approvals, oldest first, filtered by status and agent (null for any). */
  public List<Approval> list(@Nullable Status status, @Nullable String agent) {
    expireDue();
    List<Approval> out = new ArrayList<>();
    if (agent == null) {
      for (Stamp d : byCreation) {
        Approval a = byId.get(d.id());
        if (a != null && (status == null || a.status() == status)) {
          out.add(a);
        }
      }
      return out;
    }
    for (String id : idsByAgent.getOrDefault(agent, Set.of())) {
      Approval a = byId.get(id);
      if (a != null && (status == null || a.status() == status)) {
        out.add(a);
      }
    }
    out.sort(Comparator.comparing(Approval::createdAt).thenComparing(Approval::id));
    return out;
  }

  /**
   * Completes with the approval once it is decided or expired (at once when it already is). Only
   * this JVM's decisions complete it: a waiter does not survive a restart, the approval does.
   */
  public CompletableFuture<Approval> awaitDecision(String id) {
    CompletableFuture<Approval> f = waiters.computeIfAbsent(id, k -> new CompletableFuture<>());
    get(id).ifPresentOrElse(a -> {
      if (!a.isPending()) {
        waiters.remove(id, f);
        f.complete(a);
      }
    }, () -> {
      waiters.remove(id, f);
      f.completeExceptionally(WardenException.notFound("no approval '" + id + "'"));
    });
    return f;
  }

  // ---------------------------------------------------------------- decide

  /** Approves a pending approval; approving an approved one is a no-op. */
  public Approval approve(Principal actor, String id, String reason) {
    return decide(actor, id, reason, Status.APPROVED);
  }

  /** Denies a pending approval; denying a denied one is a no-op. */
  public Approval deny(Principal actor, String id, String reason) {
    return decide(actor, id, reason, Status.DENIED);
  }

  private Approval decide(Principal actor, String id, String reason, Status to) {
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(id, "id");
    String verb = to == Status.APPROVED ? "approve" : "deny";
    if (!(actor instanceof UserPrincipal user)) {
      audit.append(actor.subject(), "approval.refused", "approval/" + id,
          Map.of("decision", verb, "why", "not a user"));
      throw WardenException.forbidden(actor.subject() + " may not " + verb + " approvals: only a user with the"
          + " approver role can; an agent never decides its own or another agent's actions");
    }
    if (!user.has(Role.APPROVER)) {
      audit.append(actor.subject(), "approval.refused", "approval/" + id,
          Map.of("decision", verb, "why", "role " + user.role().wireName()));
      throw WardenException.forbidden(actor.subject() + " may not " + verb + " approvals: that needs the approver"
          + " role, and " + user.name() + " is a " + user.role().wireName());
    }
    Approval current = get(id).orElseThrow(() -> WardenException.notFound("no approval '" + id + "'"));
    if (!current.requiredTeam().isEmpty() && !user.teams().contains(current.requiredTeam())) {
      audit.append(actor.subject(), "approval.refused", "approval/" + id,
          Map.of("decision", verb, "why", "not in team " + current.requiredTeam()));
      throw WardenException.forbidden(actor.subject() + " may not " + verb + " approval " + id + ": policy asks for"
          + " an approver of team '" + current.requiredTeam() + "', and " + user.name() + "'s teams are "
          + user.teams());
    }
    String why = reason == null ? "" : reason.strip();
    Instant now = clock.instant();
    Approval[] result = new Approval[1];
    boolean[] changed = {false};
    write(result, tx -> {
      Approval a = tx.get(TABLE, id).map(ApprovalService::fromJson).orElseThrow();
      if (a.isPending() && !now.isBefore(a.expiresAt())) {
        a = a.decide(Status.EXPIRED, SYSTEM, "no decision within " + timeout.toSeconds() + " s", a.expiresAt());
        tx.put(TABLE, id, toJson(a));
        result[0] = a;
        return;
      }
      if (a.isPending()) {
        a = a.decide(to, actor.subject(), why, now);
        tx.put(TABLE, id, toJson(a));
        changed[0] = true;
      }
      result[0] = a;
    });
    Approval a = result[0];
    if (changed[0]) {
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("tool", a.tool());
      details.put("agent", a.agent());
      details.put("reason", why);
      audit.append(actor.subject(), "approval." + verb, "approval/" + id, details);
      announce(a);
      return a;
    }
    if (a.status() == Status.EXPIRED && current.isPending()) {
      audit.append(SYSTEM, "approval.expire", "approval/" + id, Map.of("tool", a.tool(), "agent", a.agent()));
      announce(a);
    }
    if (a.status() == to) {
      return a; // decided this way already: a no-op, never a second execution
    }
    throw WardenException.conflict("approval " + id + " is already " + a.status().wireName()
        + (a.decidedBy().isEmpty() ? "" : " (by " + a.decidedBy() + ")") + "; it cannot be " + verb
        + (to == Status.APPROVED ? "d" : "ied") + " any more");
  }

  /** Expires every pending approval past its expiry; returns how many. */
  public int expireDue() {
    Instant now = clock.instant();
    List<Approval> due = new ArrayList<>();
    for (Stamp d : pendingByExpiry) {
      if (now.isBefore(d.at())) {
        break;
      }
      Approval a = byId.get(d.id());
      if (a != null && a.isPending()) {
        due.add(a);
      }
    }
    int n = 0;
    for (Approval candidate : due) {
      Approval[] expired = new Approval[1];
      write(expired, tx -> {
        Approval a = tx.get(TABLE, candidate.id()).map(ApprovalService::fromJson).orElseThrow();
        if (a.isPending()) {
          expired[0] = a.decide(Status.EXPIRED, SYSTEM, "no decision within " + timeout.toSeconds() + " s",
              a.expiresAt());
          tx.put(TABLE, a.id(), toJson(expired[0]));
        }
      });
      if (expired[0] != null) {
        n++;
        audit.append(SYSTEM, "approval.expire", "approval/" + candidate.id(),
            Map.of("tool", candidate.tool(), "agent", candidate.agent()));
        announce(expired[0]);
      }
    }
    return n;
  }

  private void expireDueQuietly() {
    try {
      expireDue();
    } catch (RuntimeException e) {
      LOG.warn("could not expire due approvals", e);
    }
  }

  private void announce(Approval a) {
    CompletableFuture<Approval> f = waiters.remove(a.id());
    for (Consumer<Approval> l : listeners) {
      try {
        l.accept(a);
      } catch (RuntimeException e) {
        LOG.warn("approval listener failed on {}", a.id(), e);
      }
    }
    if (f != null) {
      f.complete(a);
    }
  }

  // ---------------------------------------------------------------- execute once

  /**
   * Claims the execution of an approved action: records {@link Execution#STARTED} durably and
   * returns the approval, or empty when it is not approved or was claimed before (by this JVM or
   * before a restart). Call the action only after a successful claim.
   */
  public Optional<Approval> claimExecution(String id) {
    Approval[] claimed = new Approval[1];
    write(claimed, tx -> {
      Approval a = tx.get(TABLE, id).map(ApprovalService::fromJson).orElse(null);
      if (a != null && a.status() == Status.APPROVED && a.execution() == Execution.NOT_STARTED) {
        claimed[0] = a.withExecution(Execution.STARTED, "", "");
        tx.put(TABLE, id, toJson(claimed[0]));
      }
    });
    if (claimed[0] == null) {
      return Optional.empty();
    }
    audit.append(SYSTEM, "approval.execute", "approval/" + id, Map.of("tool", claimed[0].tool(),
        "agent", claimed[0].agent()));
    return Optional.of(claimed[0]);
  }

  /** Records the outcome of a claimed execution: its result (JSON), or why it failed. */
  public Approval recordExecution(String id, boolean succeeded, String resultJson, String error) {
    Approval[] done = new Approval[1];
    write(done, tx -> {
      Approval a = tx.get(TABLE, id).map(ApprovalService::fromJson)
          .orElseThrow(() -> WardenException.notFound("no approval '" + id + "'"));
      if (a.execution() != Execution.STARTED) {
        throw WardenException.conflict("approval " + id + " execution is " + a.execution().wireName()
            + ", not started");
      }
      done[0] = a.withExecution(succeeded ? Execution.DONE : Execution.FAILED, resultJson, error);
      tx.put(TABLE, id, toJson(done[0]));
    });
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("tool", done[0].tool());
    details.put("outcome", succeeded ? "done" : "failed");
    if (!succeeded) {
      details.put("error", error);
    }
    audit.append(SYSTEM, "approval.executed", "approval/" + id, details);
    return done[0];
  }

  /** Approved actions nobody has started (after a restart, those approved while Warden was down). */
  public List<Approval> approvedNotStarted() {
    return list(Status.APPROVED, null).stream().filter(a -> a.execution() == Execution.NOT_STARTED).toList();
  }

  /** One durable update that leaves its approval (if any) in {@code out[0]}, then the copy in memory. */
  private void write(Approval[] out, Consumer<StateStore.Transaction> update) {
    synchronized (writes) {
      store.update(update);
      if (out[0] != null) {
        remember(out[0]);
      }
    }
  }

  /** Puts the durable state of {@code a} in the in-memory copy and its indexes. */
  private void remember(Approval a) {
    byId.put(a.id(), a);
    idsByAgent.computeIfAbsent(a.agent(), k -> ConcurrentHashMap.newKeySet()).add(a.id());
    byCreation.add(new Stamp(a.createdAt(), a.id()));
    Stamp due = new Stamp(a.expiresAt(), a.id());
    if (a.isPending()) {
      pendingByExpiry.add(due);
    } else {
      pendingByExpiry.remove(due);
    }
  }

  @Override
  public void close() {
    expiry.shutdownNow();
  }

  // ---------------------------------------------------------------- JSON

  static String toJson(Approval a) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", a.id());
    n.put("agent", a.agent());
    n.put("tool", a.tool());
    n.put("arguments", a.argumentsJson());
    if (a.actionValueUsd() != null) {
      n.put("actionValueUsd", a.actionValueUsd().toPlainString());
    }
    n.put("logicalTraceId", a.logicalTraceId());
    n.put("intent", a.intent());
    ArrayNode reasons = n.putArray("reasons");
    a.reasons().forEach(reasons::add);
    n.put("requiredTeam", a.requiredTeam());
    n.put("createdAt", a.createdAt().toString());
    n.put("expiresAt", a.expiresAt().toString());
    n.put("status", a.status().wireName());
    n.put("decidedBy", a.decidedBy());
    n.put("reason", a.reason());
    if (a.decidedAt() != null) {
      n.put("decidedAt", a.decidedAt().toString());
    }
    n.put("execution", a.execution().name());
    n.put("result", a.resultJson());
    n.put("error", a.error());
    if (!a.correlationKey().isEmpty()) {
      n.put("correlationKey", a.correlationKey());
    }
    return n.toString();
  }

  static Approval fromJson(String json) {
    try {
      JsonNode n = JSON.readTree(json);
      List<String> reasons = new ArrayList<>();
      n.path("reasons").forEach(r -> reasons.add(r.asText()));
      return new Approval(n.path("id").asText(), n.path("agent").asText(), n.path("tool").asText(),
          n.path("arguments").asText(), n.hasNonNull("actionValueUsd") ? new BigDecimal(n.path("actionValueUsd").asText())
              : null, n.path("logicalTraceId").asText(), n.path("intent").asText(), reasons,
          n.path("requiredTeam").asText(), Instant.parse(n.path("createdAt").asText()),
          Instant.parse(n.path("expiresAt").asText()), Status.parse(n.path("status").asText()),
          n.path("decidedBy").asText(), n.path("reason").asText(),
          n.hasNonNull("decidedAt") ? Instant.parse(n.path("decidedAt").asText()) : null,
          Execution.valueOf(n.path("execution").asText("NOT_STARTED")), n.path("result").asText(),
          n.path("error").asText(), n.path("correlationKey").asText(""));
    } catch (JsonProcessingException | RuntimeException e) {
      throw new IllegalStateException("corrupt approval record in the state store: " + e.getMessage(), e);
    }
  }
}
