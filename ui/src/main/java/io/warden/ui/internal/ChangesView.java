package io.warden.ui.internal;

import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.router.RouteParameters;
import com.vaadin.flow.router.RouterLink;
import io.warden.gitops.ChangeRequest;
import java.util.Comparator;

/** Change requests, like pull requests: open ones first, newest first. */
@Route(value = "changes", layout = MainLayout.class)
@PageTitle("Changes · Warden")
public class ChangesView extends VerticalLayout {
  private static final long serialVersionUID = 1L;

  public ChangesView() {
    Services services = Services.current();
    Select<String> status = new Select<>();
    status.setId("changes-status");
    status.setLabel("Status");
    status.setItems("open", "merged", "closed", "all");
    status.setValue("open");
    Grid<ChangeRequest> grid = new Grid<>();
    grid.setId("changes-grid");
    grid.addThemeVariants(GridVariant.LUMO_COMPACT);
    grid.addComponentColumn(c -> new RouterLink("#" + c.id() + " " + c.title(), ChangeView.class,
        new RouteParameters("id", c.id()))).setHeader("Change request").setFlexGrow(2);
    grid.addColumn(ChangeRequest::author).setHeader("Author").setAutoWidth(true);
    grid.addColumn(ChangeRequest::branch).setHeader("Branch").setAutoWidth(true);
    grid.addColumn(c -> c.status().name().toLowerCase(java.util.Locale.ROOT)).setHeader("Status").setAutoWidth(true);
    grid.addColumn(c -> c.checks().stream().filter(x -> x.passed()).count() + "/" + c.checks().size() + " passed")
        .setHeader("Checks").setAutoWidth(true);
    grid.addColumn(c -> c.status() == ChangeRequest.Status.OPEN
        ? (c.blockers().isEmpty() ? "ready to merge" : c.blockers().size() + " blockers") : "")
        .setHeader("Merge").setAutoWidth(true);
    grid.addColumn(c -> Pages.time(c.updatedAt())).setHeader("Updated").setAutoWidth(true);
    Runnable load = () -> {
      ChangeRequest.Status filter = status.getValue().equals("all") ? null
          : ChangeRequest.Status.valueOf(status.getValue().toUpperCase(java.util.Locale.ROOT));
      grid.setItems(services.changes().list(filter).stream()
          .sorted(Comparator.comparing(ChangeRequest::createdAt).reversed()).toList());
    };
    status.addValueChangeListener(e -> load.run());
    load.run();
    add(new H2("Changes"), status, grid);
    setSizeFull();
  }
}
