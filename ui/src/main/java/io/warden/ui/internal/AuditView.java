package io.warden.ui.internal;

import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.warden.core.audit.AuditEvent;
import io.warden.core.audit.AuditVerifier;
import java.util.List;

/**
 * The hash-chained audit log, oldest first a page at a time, with the chain's verification state
 * (the whole file is re-hashed when the page opens and on "Verify again").
 */
@Route(value = "audit", layout = MainLayout.class)
@PageTitle("Audit log · Warden")
public class AuditView extends VerticalLayout {
  private static final long serialVersionUID = 1L;
  static final int PAGE = 200;

  private long after;

  public AuditView() {
    Services services = Services.current();
    Span chain = new Span();
    chain.setId("audit-chain");
    Runnable verify = () -> {
      AuditVerifier.Result r = services.auditVerification().get();
      chain.removeAll();
      chain.add(r.ok()
          ? Pages.badge("chain verified: " + r.entries() + " entries", "success")
          : Pages.badge("chain broken at line " + r.brokenLine() + ": " + r.reason(), "error"));
    };
    verify.run();
    TextField action = new TextField();
    action.setPlaceholder("action prefix, e.g. change.");
    Grid<AuditEvent> grid = new Grid<>();
    grid.setId("audit-grid");
    grid.addThemeVariants(GridVariant.LUMO_COMPACT, GridVariant.LUMO_WRAP_CELL_CONTENT);
    grid.addColumn(AuditEvent::seq).setHeader("Seq").setAutoWidth(true);
    grid.addColumn(e -> Pages.time(e.time())).setHeader("Time").setAutoWidth(true);
    grid.addColumn(AuditEvent::actor).setHeader("Actor").setAutoWidth(true);
    grid.addColumn(AuditEvent::action).setHeader("Action").setAutoWidth(true);
    grid.addColumn(AuditEvent::target).setHeader("Target").setAutoWidth(true);
    grid.addColumn(e -> e.details().toString()).setHeader("Details").setFlexGrow(3);
    Button next = new Button("Next page");
    Runnable load = () -> {
      List<AuditEvent> events = services.audit().list(after, PAGE, action.getValue().strip());
      grid.setItems(events);
      next.setEnabled(events.size() == PAGE);
    };
    next.addClickListener(e -> {
      after += PAGE;
      load.run();
    });
    Button first = new Button("First page", e -> {
      after = 0;
      load.run();
    });
    Button apply = new Button("Filter", e -> {
      after = 0;
      load.run();
    });
    Button again = new Button("Verify again", e -> verify.run());
    load.run();
    HorizontalLayout bar = new HorizontalLayout(action, apply, first, next, again);
    bar.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
    add(new H2("Audit log"), chain, bar, grid);
    setSizeFull();
  }
}
