package io.warden.ui.internal;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.DetachEvent;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.dialog.Dialog;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.router.RouteParameters;
import com.vaadin.flow.router.RouterLink;
import io.warden.core.approval.Approval;
import io.warden.core.identity.Role;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Held actions waiting for a human: agent, tool, arguments, value, intent and the logical trace that
 * led there; approve or deny with a reason (approvers only: the buttons are absent for others, and
 * the approval service refuses them anyway). New and decided approvals arrive by server push.
 */
@Route(value = "approvals", layout = MainLayout.class)
@PageTitle("Approvals · Warden")
public class ApprovalsView extends VerticalLayout {
  private static final long serialVersionUID = 1L;
  /** Decided approvals shown under the queue. */
  static final int RECENT = 50;

  private final transient Services services = Services.current();
  private final Grid<Approval> pending = new Grid<>();
  private final Grid<Approval> decided = new Grid<>();
  private final Span count = new Span();
  private @Nullable Runnable unsubscribe;

  public ApprovalsView() {
    boolean approver = SignedIn.may(Role.APPROVER);
    pending.setId("approvals-pending");
    pending.addThemeVariants(GridVariant.LUMO_COMPACT, GridVariant.LUMO_WRAP_CELL_CONTENT);
    if (approver) {
      pending.addComponentColumn(a -> {
        Button approve = new Button("Approve", e -> decide(a, true));
        approve.setId("approve-" + a.id());
        approve.addThemeVariants(ButtonVariant.LUMO_SUCCESS, ButtonVariant.LUMO_SMALL);
        Button deny = new Button("Deny", e -> decide(a, false));
        deny.setId("deny-" + a.id());
        deny.addThemeVariants(ButtonVariant.LUMO_ERROR, ButtonVariant.LUMO_SMALL);
        return new HorizontalLayout(approve, deny);
      }).setHeader("Decide").setAutoWidth(true);
    }
    columns(pending);
    pending.setAllRowsVisible(true);
    decided.setId("approvals-decided");
    decided.addThemeVariants(GridVariant.LUMO_COMPACT, GridVariant.LUMO_WRAP_CELL_CONTENT);
    columns(decided);
    decided.addColumn(a -> a.status().wireName() + " by " + a.decidedBy() + (a.reason().isEmpty() ? "" : ": " + a.reason()))
        .setHeader("Decision").setAutoWidth(true);
    decided.addColumn(a -> a.execution().wireName() + (a.error().isEmpty() ? "" : ": " + a.error()))
        .setHeader("Execution").setAutoWidth(true);
    decided.setAllRowsVisible(true);
    count.setId("approvals-count");
    add(new H2("Approvals"), count, pending);
    if (!approver) {
      add(Pages.notAvailable("You can see the queue; deciding needs the approver role."));
    }
    add(new H3("Recently decided"), decided);
    refresh();
  }

  private static void columns(Grid<Approval> grid) {
    grid.addColumn(a -> Pages.time(a.createdAt())).setHeader("Held at").setAutoWidth(true);
    grid.addColumn(Approval::agent).setHeader("Agent").setAutoWidth(true);
    grid.addColumn(Approval::tool).setHeader("Tool").setAutoWidth(true);
    grid.addComponentColumn(a -> {
      Span args = new Span(a.argumentsJson());
      args.getStyle().set("word-break", "break-all").set("font-family", "var(--lumo-font-family-monospace, monospace)");
      return args;
    }).setHeader("Arguments").setFlexGrow(2);
    grid.addColumn(a -> Pages.usd(a.actionValueUsd())).setHeader("Value").setAutoWidth(true);
    grid.addColumn(Approval::intent).setHeader("Intent").setFlexGrow(1);
    grid.addColumn(a -> String.join("; ", a.reasons())).setHeader("Why held").setFlexGrow(1);
    grid.addComponentColumn(a -> a.logicalTraceId().isEmpty() ? new Span()
        : new RouterLink("trace", TraceView.class, new RouteParameters("id", a.logicalTraceId())))
        .setHeader("Trace").setAutoWidth(true);
  }

  private void refresh() {
    List<Approval> open = services.approvals().list(Approval.Status.PENDING, null);
    pending.setItems(open);
    count.setText(open.size() + (open.size() == 1 ? " action waits" : " actions wait") + " for a decision");
    decided.setItems(Stream.of(Approval.Status.APPROVED, Approval.Status.DENIED, Approval.Status.EXPIRED)
        .flatMap(s -> services.approvals().list(s, null).stream())
        .sorted(Comparator.comparing((Approval a) -> a.decidedAt() == null ? a.createdAt() : a.decidedAt()).reversed())
        .limit(RECENT).toList());
  }

  private void decide(Approval a, boolean approve) {
    Dialog d = new Dialog();
    d.setHeaderTitle((approve ? "Approve " : "Deny ") + a.tool() + " for " + a.agent());
    TextField reason = new TextField("Reason");
    reason.setId("decision-reason");
    reason.setWidth("24em");
    d.add(reason);
    Button confirm = new Button(approve ? "Approve" : "Deny", e -> {
      Approval done = Pages.act(() -> approve
          ? services.approvals().approve(SignedIn.currentUser(), a.id(), reason.getValue())
          : services.approvals().deny(SignedIn.currentUser(), a.id(), reason.getValue()));
      d.close();
      if (done != null) {
        Pages.done("Approval " + a.id() + " " + done.status().wireName());
      }
      refresh();
    });
    confirm.setId("decision-confirm");
    confirm.addThemeVariants(approve ? ButtonVariant.LUMO_SUCCESS : ButtonVariant.LUMO_ERROR, ButtonVariant.LUMO_PRIMARY);
    d.getFooter().add(new Button("Cancel", e -> d.close()), confirm);
    d.open();
  }

  @Override
  protected void onAttach(AttachEvent event) {
    UI ui = event.getUI();
    unsubscribe = services.approvalFeed().subscribe(a -> ui.access(this::refresh));
  }

  @Override
  protected void onDetach(DetachEvent event) {
    if (unsubscribe != null) {
      unsubscribe.run();
      unsubscribe = null;
    }
  }
}
