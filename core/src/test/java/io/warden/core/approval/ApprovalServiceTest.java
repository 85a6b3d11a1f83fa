package io.warden.core.approval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.WardenException;
import io.warden.core.approval.Approval.Execution;
import io.warden.core.approval.Approval.Status;
import io.warden.core.audit.AuditEvent;
import io.warden.core.audit.AuditLog;
import io.warden.core.identity.AgentPrincipal;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.store.StateStore;
import io.warden.testing.MutableClock;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApprovalServiceTest {
  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
  private final UserPrincipal approver = new UserPrincipal("alice", Role.APPROVER, Set.of("finance"));
  private StateStore store;
  private AuditLog audit;
  private ApprovalService approvals;

  @BeforeEach
  void open() {
    store = StateStore.open(dir.resolve("state.mv.db"));
    audit = AuditLog.open(dir.resolve("audit.jsonl"), clock);
    approvals = ApprovalService.create(store, audit, clock, Duration.ofMinutes(10));
  }

  @AfterEach
  void close() {
    approvals.close();
    audit.close();
    store.close();
  }

  private Approval holdPayment(String team) {
    return approvals.hold(new ApprovalRequest("payments", "mcp://gateway/pay-invoice", "{\"amount_usd\":5000}",
        new BigDecimal("5000"), "0af7651916cd43dd8448eb211c80319c", "pay supplier", List.of("value over 1000"), team));
  }

  private List<String> actions() {
    return audit.list(0, 1000, "approval.").stream().map(AuditEvent::action).toList();
  }

  @Test
  void approve_pending_isDurableAndAudited_secondApproveIsNoOp() {
    Approval held = holdPayment("");
    CompletableFuture<Approval> waiter = approvals.awaitDecision(held.id());
    assertThat(waiter).isNotDone();

    Approval approved = approvals.approve(approver, held.id(), "invoice checked");
    assertThat(approved.status()).isEqualTo(Status.APPROVED);
    assertThat(approved.decidedBy()).isEqualTo("user:alice");
    assertThat(waiter).isCompletedWithValue(approved);

    Approval again = approvals.approve(approver, held.id(), "twice");
    assertThat(again).isEqualTo(approved);
    assertThat(actions()).containsExactly("approval.request", "approval.approve");
    assertThatThrownBy(() -> approvals.deny(approver, held.id(), "changed my mind"))
        .isInstanceOf(WardenException.class).hasMessageContaining("already approved (by user:alice)")
        .extracting(e -> ((WardenException) e).code()).isEqualTo("conflict");
  }

  @Test
  void decide_byAgentViewerOrWrongTeam_isRefused() {
    Approval held = holdPayment("finance");
    assertThatThrownBy(() -> approvals.approve(new AgentPrincipal("payments", "c1", null), held.id(), ""))
        .hasMessageContaining("agent:payments may not approve approvals");
    assertThatThrownBy(() -> approvals.approve(new UserPrincipal("vic", Role.VIEWER, Set.of("finance")), held.id(), ""))
        .hasMessageContaining("needs the approver role");
    assertThatThrownBy(() -> approvals.approve(new UserPrincipal("bob", Role.APPROVER, Set.of("ops")), held.id(), ""))
        .hasMessageContaining("team 'finance'");
    assertThat(approvals.get(held.id()).orElseThrow().status()).isEqualTo(Status.PENDING);
    assertThat(actions()).containsExactly("approval.request", "approval.refused", "approval.refused",
        "approval.refused");
  }

  @Test
  void pending_afterTimeout_expires_andCannotBeApproved() {
    Approval held = holdPayment("");
    CompletableFuture<Approval> waiter = approvals.awaitDecision(held.id());
    clock.advance(Duration.ofMinutes(10));
    assertThat(approvals.list(Status.PENDING, null)).isEmpty();
    assertThat(waiter).isCompleted();
    assertThat(waiter.join().status()).isEqualTo(Status.EXPIRED);
    assertThatThrownBy(() -> approvals.approve(approver, held.id(), ""))
        .hasMessageContaining("already expired");
    assertThat(actions()).containsExactly("approval.request", "approval.expire");
  }

  @Test
  void execution_isClaimedOnce_evenAfterReopen() {
    Approval held = holdPayment("");
    assertThat(approvals.claimExecution(held.id())).isEmpty(); // not approved yet
    approvals.approve(approver, held.id(), "");
    assertThat(approvals.approvedNotStarted()).extracting(Approval::id).containsExactly(held.id());
    assertThat(approvals.claimExecution(held.id())).isPresent();

    // kill and reopen: the claim is on disk
    approvals.close();
    store.close();
    store = StateStore.open(dir.resolve("state.mv.db"));
    approvals = ApprovalService.create(store, audit, clock, Duration.ofMinutes(10));
    assertThat(approvals.claimExecution(held.id())).isEmpty();
    assertThat(approvals.approvedNotStarted()).isEmpty();
    Approval done = approvals.recordExecution(held.id(), true, "{\"paid\":true}", "");
    assertThat(done.execution()).isEqualTo(Execution.DONE);
    assertThat(approvals.get(held.id()).orElseThrow().resultJson()).isEqualTo("{\"paid\":true}");
    assertThat(approvals.get(held.id()).orElseThrow().actionValueUsd()).isEqualByComparingTo("5000");
  }

  @Test
  void list_filtersByStatusAndAgent() {
    Approval a = holdPayment("");
    clock.advance(Duration.ofSeconds(1));
    Approval b = holdPayment("");
    approvals.deny(approver, a.id(), "no");
    assertThat(approvals.list(Status.PENDING, "payments")).extracting(Approval::id).containsExactly(b.id());
    assertThat(approvals.list(null, null)).extracting(Approval::id).containsExactly(a.id(), b.id());
    assertThat(approvals.list(null, "other")).isEmpty();
  }

  @Test
  void expireDue_expiresOnlyTheDuePending_andAReopenedServiceSeesTheSame() {
    Approval first = holdPayment("");
    clock.advance(Duration.ofMinutes(4));
    Approval decided = holdPayment("");
    approvals.approve(approver, decided.id(), "ok");
    clock.advance(Duration.ofMinutes(4));
    Approval last = holdPayment("");
    clock.advance(Duration.ofMinutes(3)); // first is due, last is not, decided never expires

    // The service's own once-a-second sweep may get there before these calls: the states are what count.
    approvals.expireDue();
    assertThat(approvals.get(first.id()).orElseThrow().status()).isEqualTo(Status.EXPIRED);
    assertThat(approvals.get(last.id()).orElseThrow().status()).isEqualTo(Status.PENDING);
    assertThat(approvals.expireDue()).isZero();

    approvals.close();
    approvals = ApprovalService.create(store, audit, clock, Duration.ofMinutes(10));
    assertThat(approvals.list(null, null)).extracting(Approval::id, Approval::status).containsExactly(
        org.assertj.core.groups.Tuple.tuple(first.id(), Status.EXPIRED),
        org.assertj.core.groups.Tuple.tuple(decided.id(), Status.APPROVED),
        org.assertj.core.groups.Tuple.tuple(last.id(), Status.PENDING));
    clock.advance(Duration.ofMinutes(8));
    approvals.expireDue();
    assertThat(approvals.get(last.id()).orElseThrow().status()).isEqualTo(Status.EXPIRED);
    assertThat(approvals.list(Status.PENDING, "payments")).isEmpty();
  }
}
