package io.warden.executors.session;

import io.warden.core.approval.ApprovalService;
import io.warden.core.audit.AuditLog;
import io.warden.core.budget.BudgetLedger;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.executor.InvocationResult;
import io.warden.core.identity.AgentPrincipal;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.core.inventory.SyncStatus;
import io.warden.core.session.InvokeRequest;
import io.warden.core.session.SessionRouter;
import io.warden.core.store.StateStore;
import io.warden.core.trace.SpanRecord;
import io.warden.testing.MutableClock;
import io.warden.testing.StandInRuntime;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The session router on real core components (state store, audit log, budget ledger, approval
 * service) in a directory, with {@link StandInRuntime} as the agent runtime ({@code spec.executor.type: standin}).
 * {@link #restart()} closes and reopens everything on the same files, as a Warden restart does.
 */
final class RouterFixture implements AutoCloseable {
  static final UserPrincipal OPERATOR = new UserPrincipal("olga", Role.AUTHOR, Set.of());
  static final UserPrincipal VIEWER = new UserPrincipal("vic", Role.VIEWER, Set.of());
  static final UserPrincipal APPROVER = new UserPrincipal("alice", Role.APPROVER, Set.of());

  final Path dir;
  final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T10:00:00Z"));
  final Inventory inventory = Inventory.create();
  final StandInRuntime runtime = new StandInRuntime("standin");
  final Queue<SpanRecord> spans = new ConcurrentLinkedQueue<>();
  StateStore state;
  StateStore sessionsStore;
  AuditLog audit;
  BudgetLedger ledger;
  ApprovalService approvals;
  SessionRouter router;
  private final List<AgentState> agents = new ArrayList<>();

  RouterFixture(Path dir) {
    this.dir = dir;
    open();
  }

  private void open() {
    state = StateStore.open(dir.resolve("state.mv"));
    sessionsStore = StateStore.open(dir.resolve("sessions.mv"));
    audit = AuditLog.open(dir.resolve("audit.log"), clock);
    ledger = BudgetLedger.open(state, clock, Duration.ZERO);
    approvals = ApprovalService.create(state, audit, clock, Duration.ofHours(1));
    router = SessionRouters.builder()
        .setStore(sessionsStore)
        .setInventory(inventory)
        .setExecutors(Map.of("standin", runtime))
        .setAuditLog(audit)
        .setBudgetLedger(ledger)
        .setApprovalService(approvals)
        .setSpanSink(span -> {
          spans.add(span);
          return CompletableFuture.completedFuture(null);
        })
        .setComputePrice((agent, time) -> new BigDecimal("0.001").multiply(BigDecimal.valueOf(time.toNanos()))
            .divide(BigDecimal.valueOf(1_000_000_000L)))
        .setClock(clock)
        .build();
  }

  void restart() {
    closeAll();
    open();
  }

  /** Puts an agent on "main" run by the stand-in runtime. */
  void agent(String name, Integer maxConcurrency, Integer maxQueue, String partitionBy, String memory,
      Integer retentionDays, Map<String, String> settings, List<String> delegates) {
    AgentDescriptor d = new AgentDescriptor(AgentDescriptor.API_VERSION, AgentDescriptor.KIND,
        new AgentDescriptor.Metadata(name, "platform", Map.of()),
        new AgentDescriptor.Spec(null, memory == null ? null : new AgentDescriptor.Memory(memory, retentionDays),
            List.of(), null, null, new AgentDescriptor.Executor("standin", "", settings),
            new AgentDescriptor.Scaling(maxConcurrency, maxQueue, partitionBy), null, null, delegates));
    agents.removeIf(a -> a.name().equals(name));
    agents.add(new AgentState(d, "rev1", SyncStatus.SYNCED, "", clock.instant()));
    inventory.replace("c0ffee", agents);
  }

  void agent(String name, int maxConcurrency, int maxQueue, String partitionBy) {
    agent(name, maxConcurrency, maxQueue, partitionBy, "session", null, Map.of(), List.of());
  }

  static InvokeRequest request(String agent, String session, String body) {
    return request(agent, session, null, body);
  }

  static InvokeRequest request(String agent, String session, String key, String body) {
    return new InvokeRequest(agent, session, null, key, "application/json", body.getBytes(StandardCharsets.UTF_8),
        Map.of());
  }

  CompletableFuture<InvocationResult> invoke(InvokeRequest r) {
    return router.invoke(OPERATOR, r).toCompletableFuture();
  }

  static String text(InvocationResult r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  static AgentPrincipal agentCaller(String name) {
    return new AgentPrincipal(name, "cred-" + name, null);
  }

  static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  private void closeAll() {
    router.close();
    approvals.close();
    ledger.close();
    audit.close();
    sessionsStore.close();
    state.close();
  }

  @Override
  public void close() {
    closeAll();
  }
}
