package io.warden.ui.internal;

import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.ListItem;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.html.UnorderedList;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.warden.core.WardenException;
import io.warden.core.change.CheckResult;
import io.warden.core.change.RequiredApproval;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.gitops.ChangeRequest;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

/**
 * One change request: what blocks it, its checks with file:line, the approvals it needs and has,
 * the diff, and approve / merge / recheck / close through {@link io.warden.gitops.ChangeRequests}
 * (the same rules as the API: nobody approves their own change, merging needs every check and
 * approval). Buttons a user's role cannot use are not shown; the service refuses them anyway.
 */
@Route(value = "changes/:id", layout = MainLayout.class)
@PageTitle("Change request · Warden")
public class ChangeView extends VerticalLayout implements BeforeEnterObserver {
  private static final long serialVersionUID = 1L;
  private final transient Services services = Services.current();
  private String id = "";

  @Override
  public void beforeEnter(BeforeEnterEvent event) {
    id = event.getRouteParameters().get("id").orElse("");
    render();
  }

  private void render() {
    removeAll();
    ChangeRequest cr;
    try {
      cr = services.changes().get(id);
    } catch (WardenException e) {
      add(new H2("Change request #" + id), Pages.notAvailable(e.getMessage()));
      return;
    }
    Span status = Pages.badge(cr.status().name().toLowerCase(java.util.Locale.ROOT),
        cr.status() == ChangeRequest.Status.MERGED ? "success" : cr.status() == ChangeRequest.Status.CLOSED ? "contrast" : "");
    status.setId("change-status");
    HorizontalLayout title = new HorizontalLayout(new H2("#" + cr.id() + " " + cr.title()), status);
    title.setDefaultVerticalComponentAlignment(Alignment.CENTER);
    add(title, new Paragraph("By " + cr.author() + " on branch " + cr.branch() + ", head "
        + InventoryView.shortCommit(cr.headCommit()) + ", opened " + Pages.time(cr.createdAt())
        + (cr.mergedBy().isEmpty() ? "" : ", merged by " + cr.mergedBy())
        + (cr.closedBy().isEmpty() ? "" : ", closed by " + cr.closedBy())));
    add(actions(cr));
    if (cr.status() == ChangeRequest.Status.OPEN) {
      List<String> blockers = cr.blockers();
      UnorderedList list = new UnorderedList();
      list.setId("change-blockers");
      blockers.forEach(b -> list.add(new ListItem(b)));
      add(new H3(blockers.isEmpty() ? "Ready to merge" : "Blocking the merge"), list);
    }
    add(new H3("Checks"), checks(cr.checks()));
    add(new H3("Approvals"), approvals(cr));
    add(new H3("Files"), new Paragraph(cr.files().stream().map(f -> f.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + f.path()).collect(Collectors.joining(", "))));
    String diff = Pages.act(() -> services.changes().diff(cr.id()));
    add(new H3("Diff"), diff == null ? Pages.notAvailable("The diff is not available.") : Pages.diff(diff));
  }

  private HorizontalLayout actions(ChangeRequest cr) {
    HorizontalLayout bar = new HorizontalLayout();
    if (cr.status() != ChangeRequest.Status.OPEN) {
      return bar;
    }
    UserPrincipal me = SignedIn.currentUser();
    boolean mine = me.name().equals(cr.author());
    if (me.has(Role.APPROVER)) {
      bar.add(button("Approve", "change-approve", ButtonVariant.LUMO_SUCCESS,
          (u, i) -> services.changes().approve(u, i), "approved"));
      bar.add(button("Merge", "change-merge", ButtonVariant.LUMO_PRIMARY,
          (u, i) -> services.changes().merge(u, i), "merged"));
    }
    if (mine || me.has(Role.APPROVER)) {
      bar.add(button("Recheck", "change-recheck", ButtonVariant.LUMO_CONTRAST,
          (u, i) -> services.changes().recheck(u, i), "rechecked"));
      bar.add(button("Close", "change-close", ButtonVariant.LUMO_ERROR,
          (u, i) -> services.changes().close(u, i), "closed"));
    }
    return bar;
  }

  private Button button(String label, String elementId, ButtonVariant variant,
      BiFunction<UserPrincipal, String, ChangeRequest> action, String done) {
    Button b = new Button(label, e -> {
      if (Pages.act(() -> action.apply(SignedIn.currentUser(), id)) != null) {
        Pages.done("Change request #" + id + " " + done);
      }
      render();
    });
    b.setId(elementId);
    b.addThemeVariants(variant);
    return b;
  }

  private static Grid<CheckResult> checks(List<CheckResult> checks) {
    Grid<CheckResult> grid = new Grid<>();
    grid.setId("change-checks");
    grid.addThemeVariants(GridVariant.LUMO_COMPACT, GridVariant.LUMO_WRAP_CELL_CONTENT);
    grid.addColumn(CheckResult::check).setHeader("Check").setAutoWidth(true);
    grid.addComponentColumn(c -> Pages.badge(c.status().name().toLowerCase(java.util.Locale.ROOT),
        c.passed() ? "success" : "error")).setHeader("Result").setAutoWidth(true);
    grid.addColumn(c -> c.problems().isEmpty() ? c.summary()
        : c.problems().stream().map(Object::toString).collect(Collectors.joining("\n")))
        .setHeader("Findings (file:line:column)").setFlexGrow(3);
    grid.setItems(checks);
    grid.setAllRowsVisible(true);
    return grid;
  }

  private static VerticalLayout approvals(ChangeRequest cr) {
    VerticalLayout box = new VerticalLayout();
    box.setPadding(false);
    UnorderedList required = new UnorderedList();
    for (RequiredApproval r : cr.requiredApprovals()) {
      required.add(new ListItem("needs " + r.count() + " from role " + r.role().wireName()
          + (r.team().isEmpty() ? "" : " in team " + r.team()) + " — has " + cr.approversFor(r).size()
          + " (" + String.join(", ", cr.approversFor(r)) + ")" + (r.reason().isEmpty() ? "" : ": " + r.reason())));
    }
    UnorderedList given = new UnorderedList();
    cr.approvals().forEach(a -> given.add(new ListItem(a.user() + " (" + a.role().wireName() + ") at "
        + Pages.time(a.at()) + (a.headCommit().equals(cr.headCommit()) ? "" : " — on an older head, no longer counts"))));
    box.add(new Paragraph("Required"), required, new Paragraph("Given"), given);
    return box;
  }
}
