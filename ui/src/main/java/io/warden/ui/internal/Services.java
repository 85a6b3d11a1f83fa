package io.warden.ui.internal;

import io.warden.core.approval.ApprovalService;
import io.warden.core.audit.AuditLog;
import io.warden.core.audit.AuditVerifier;
import io.warden.core.budget.BudgetLedger;
import io.warden.core.health.HealthIndicator;
import io.warden.core.identity.IdentityService;
import io.warden.core.inventory.Inventory;
import io.warden.core.shadow.ShadowLedger;
import io.warden.executors.gateway.ModelGateway;
import io.warden.gitops.ChangeRequests;
import io.warden.gitops.Reconciler;
import io.warden.gitops.WardenRepository;
import io.warden.policy.DecisionLog;
import io.warden.tracestore.TraceStore;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Warden's services as the console uses them: the very objects behind the REST API. Internal.
 *
 * @param auditVerification re-verifies the audit log's hash chain (reads the whole file)
 * @param gateway the model gateway (drift and routing savings), or null when not running
 * @param approvalFeed tells open pages of new and decided approvals
 */
public record Services(
    IdentityService identity, Inventory inventory, WardenRepository repository, Reconciler reconciler,
    ChangeRequests changes,
    ApprovalService approvals, AuditLog audit, Supplier<AuditVerifier.Result> auditVerification,
    TraceStore traces, DecisionLog decisions, BudgetLedger budgets, ShadowLedger shadow,
    @Nullable ModelGateway gateway, Map<String, HealthIndicator> health, Clock clock, ApprovalFeed approvalFeed) {

  /** The servlet-context attribute the services are kept under. */
  public static final String ATTRIBUTE = Services.class.getName();

  public Services {
    Objects.requireNonNull(identity, "identity");
    Objects.requireNonNull(inventory, "inventory");
    Objects.requireNonNull(repository, "repository");
    Objects.requireNonNull(reconciler, "reconciler");
    Objects.requireNonNull(changes, "changes");
    Objects.requireNonNull(approvals, "approvals");
    Objects.requireNonNull(audit, "audit");
    Objects.requireNonNull(auditVerification, "auditVerification");
    Objects.requireNonNull(traces, "traces");
    Objects.requireNonNull(decisions, "decisions");
    Objects.requireNonNull(budgets, "budgets");
    Objects.requireNonNull(shadow, "shadow");
    health = Map.copyOf(health);
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(approvalFeed, "approvalFeed");
  }

  /** The services of the console serving the current request. */
  public static Services current() {
    var servlet = com.vaadin.flow.server.VaadinServlet.getCurrent();
    Object s = servlet == null ? null : servlet.getServletContext().getAttribute(ATTRIBUTE);
    if (!(s instanceof Services services)) {
      throw new IllegalStateException("the console's services are not in the servlet context");
    }
    return services;
  }
}
