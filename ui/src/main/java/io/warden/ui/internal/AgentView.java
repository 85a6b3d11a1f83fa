package io.warden.ui.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.vaadin.flow.component.Html;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.dialog.Dialog;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.Div;
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
import com.vaadin.flow.router.RouteParameters;
import com.vaadin.flow.router.RouterLink;
import io.warden.core.identity.IdentityService.CredentialInfo;
import io.warden.core.identity.IssuedSecret;
import io.warden.core.identity.Role;
import io.warden.core.inventory.AgentState;
import io.warden.core.shadow.ShadowReport;
import io.warden.core.trace.SpanQuery;
import io.warden.core.trace.SpanRecord;
import io.warden.gitops.Revision;
import io.warden.tracestore.IngestRejections;
import io.warden.tracestore.SearchPage;
import io.warden.tracestore.SpanHit;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One agent: descriptor, revision history with diffs, credentials, cost over time, recent logical
 * traces, shadow report and ingest rejections.
 */
@Route(value = "agents/:name", layout = MainLayout.class)
@PageTitle("Agent · Warden")
public class AgentView extends VerticalLayout implements BeforeEnterObserver {
  private static final long serialVersionUID = 1L;
  /** Days of cost in the chart. */
  static final int CHART_DAYS = 14;
  /** Spans read for the chart and the recent traces, newest first. */
  static final int MAX_SPANS = 5000;
  private static final ObjectMapper YAML = new ObjectMapper(
      new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));

  private final transient Services services = Services.current();

  @Override
  public void beforeEnter(BeforeEnterEvent event) {
    removeAll();
    String name = event.getRouteParameters().get("name").orElse("");
    Optional<AgentState> state = services.inventory().get(name);
    if (state.isEmpty()) {
      add(new H2(name), Pages.notAvailable("No agent '" + name + "' on main."));
      return;
    }
    AgentState s = state.get();
    AgentRow row = AgentRow.of(s, services.budgets().usage(name, ""),
        AgentRow.pendingByAgent(services.approvals().list(io.warden.core.approval.Approval.Status.PENDING, name))
            .getOrDefault(name, 0L),
        services.gateway() == null ? 0 : services.gateway().driftEvents().getOrDefault(name, 0L));
    Span status = Pages.badge(row.status(), row.status().equals("Synced") ? "success" : "error");
    status.setId("agent-status");
    HorizontalLayout title = new HorizontalLayout(new H2(name), status);
    title.setDefaultVerticalComponentAlignment(Alignment.CENTER);
    add(title);
    add(new Paragraph("Owner " + row.owner() + " · model " + row.model() + " · executor "
        + (row.executor().isEmpty() ? "(none)" : row.executor()) + " · revision " + InventoryView.shortCommit(row.revision())
        + " · " + row.callsLastHour() + " calls in the last hour, " + Pages.usd(row.usdToday()) + " today"
        + (row.usdPerDay() == null ? "" : " of " + Pages.usd(row.usdPerDay())) + " · "
        + row.pendingApprovals() + " pending approvals" + (row.driftEvents() == 0 ? "" : " · " + row.driftEvents()
        + " drift warnings")));
    if (!s.message().isEmpty()) {
      add(new Paragraph(s.message()));
    }
    List<SpanRecord> spans = recentSpans(name);
    add(new H3("Cost, last " + CHART_DAYS + " days"), costChart(spans));
    add(new H3("Recent logical traces"), recentTraces(spans));
    add(new H3("Descriptor"), Pages.pre(yaml(s)));
    add(new H3("Revision history"), history(name));
    add(new H3("Credentials"), credentials(name));
    add(new H3("Shadow report"), shadow(name));
    add(new H3("Ingest rejections"), rejections(name));
  }

  private static String yaml(AgentState s) {
    try {
      return YAML.writeValueAsString(s.descriptor());
    } catch (Exception e) {
      return "cannot show the descriptor: " + e.getMessage();
    }
  }

  private List<SpanRecord> recentSpans(String name) {
    Instant to = services.clock().instant();
    Instant from = to.truncatedTo(ChronoUnit.DAYS).minus(CHART_DAYS - 1, ChronoUnit.DAYS);
    List<SpanRecord> out = new ArrayList<>();
    String cursor = null;
    try {
      do {
        SearchPage page = services.traces().search(
            new SpanQuery("", name, null, null, from, null, null, null, null, cursor, 1000));
        page.hits().stream().map(SpanHit::span).forEach(out::add);
        cursor = page.nextCursor();
      } while (cursor != null && out.size() < MAX_SPANS);
    } catch (Exception e) {
      add(Pages.notAvailable("Traces are not readable now: " + e.getMessage()));
    }
    return out;
  }

  private Html costChart(List<SpanRecord> spans) {
    LocalDate today = LocalDate.ofInstant(services.clock().instant(), ZoneOffset.UTC);
    return new Html("<div>" + CostChart.svg(CostChart.byDay(spans, today.minusDays(CHART_DAYS - 1), today)) + "</div>");
  }

  private com.vaadin.flow.component.Component recentTraces(List<SpanRecord> spans) {
    Map<String, SpanRecord> byTrace = new LinkedHashMap<>();
    for (SpanRecord s : spans) {
      byTrace.putIfAbsent(s.logicalTraceId(), s);
      if (byTrace.size() >= 10) {
        break;
      }
    }
    if (byTrace.isEmpty()) {
      return Pages.notAvailable("No spans from this agent in the last " + CHART_DAYS + " days.");
    }
    UnorderedList list = new UnorderedList();
    byTrace.forEach((id, s) -> list.add(new ListItem(
        new RouterLink(id, TraceView.class, new RouteParameters("id", id)),
        new Span(" · " + Pages.time(Instant.ofEpochSecond(0, s.startEpochNanos())) + " · "
            + (s.intent().isEmpty() ? s.name() : s.intent())))));
    return list;
  }

  private com.vaadin.flow.component.Component history(String name) {
    List<Revision> revisions = services.reconciler().history(name);
    Grid<Revision> grid = new Grid<>();
    grid.setId("agent-history");
    grid.addThemeVariants(GridVariant.LUMO_COMPACT);
    grid.addColumn(r -> InventoryView.shortCommit(r.commit())).setHeader("Commit").setAutoWidth(true);
    grid.addColumn(r -> Pages.time(r.time())).setHeader("Time").setAutoWidth(true);
    grid.addColumn(Revision::author).setHeader("Author").setAutoWidth(true);
    grid.addColumn(Revision::message).setHeader("Message");
    grid.setItems(revisions);
    grid.setAllRowsVisible(true);
    Div diff = new Div(Pages.notAvailable("Select a revision to see what it changed."));
    diff.setWidthFull();
    grid.asSingleSelect().addValueChangeListener(e -> {
      diff.removeAll();
      Revision r = e.getValue();
      if (r == null) {
        return;
      }
      int i = revisions.indexOf(r);
      if (i + 1 >= revisions.size()) {
        diff.add(Pages.notAvailable("The first revision: the agent was added here."));
        return;
      }
      String text = Pages.act(() -> services.repository().diff(revisions.get(i + 1).commit(), r.commit()));
      if (text != null) {
        diff.add(Pages.diff(text));
      }
    });
    return new VerticalLayout(grid, diff);
  }

  private com.vaadin.flow.component.Component credentials(String name) {
    VerticalLayout box = new VerticalLayout();
    box.setPadding(false);
    Grid<CredentialInfo> grid = new Grid<>();
    grid.setId("agent-credentials");
    grid.addThemeVariants(GridVariant.LUMO_COMPACT);
    grid.addColumn(CredentialInfo::id).setHeader("Id").setAutoWidth(true);
    grid.addColumn(c -> Pages.time(c.createdAt())).setHeader("Issued").setAutoWidth(true);
    grid.addColumn(c -> c.revokedAt() == null ? "active" : "revoked " + Pages.time(c.revokedAt())).setHeader("State");
    boolean admin = SignedIn.may(Role.ADMIN);
    Runnable reload = () -> grid.setItems(services.identity().credentials(name));
    if (admin) {
      grid.addComponentColumn(c -> {
        if (c.revokedAt() != null) {
          return new Span();
        }
        Button revoke = new Button("Revoke", e -> {
          if (Pages.act(() -> {
            services.identity().revokeCredential(SignedIn.currentUser(), name, c.id());
            return true;
          }) != null) {
            Pages.done("Credential " + c.id() + " revoked");
            reload.run();
          }
        });
        revoke.addThemeVariants(ButtonVariant.LUMO_ERROR, ButtonVariant.LUMO_SMALL);
        return revoke;
      }).setHeader("");
    }
    reload.run();
    grid.setAllRowsVisible(true);
    box.add(grid);
    if (admin) {
      Button issue = new Button("Issue credential", e -> {
        IssuedSecret secret = Pages.act(() -> services.identity().issueCredential(SignedIn.currentUser(), name));
        if (secret != null) {
          Dialog d = new Dialog();
          d.setHeaderTitle("Credential " + secret.id());
          d.add(new Paragraph("Shown once: Warden stores only its hash."), Pages.pre(secret.secret()));
          d.getFooter().add(new Button("Close", x -> d.close()));
          d.open();
          reload.run();
        }
      });
      issue.setId("issue-credential");
      box.add(issue);
    }
    return box;
  }

  private com.vaadin.flow.component.Component shadow(String name) {
    ShadowReport r = services.shadow().report(name);
    if (r.captured() == 0 && r.humanActions() == 0) {
      return Pages.notAvailable("No shadow evidence: the agent has captured no actions and no human actions were reported.");
    }
    VerticalLayout box = new VerticalLayout(new Paragraph(r.captured() + " actions captured, " + r.humanActions()
        + " human actions, " + r.pairs() + " pairs, " + r.agreements() + " agree ("
        + Math.round(r.agreementRate() * 100) + "%)"));
    box.setPadding(false);
    UnorderedList list = new UnorderedList();
    r.disagreements().stream().limit(20).forEach(d -> list.add(new ListItem(d.correlationKey() + ": "
        + String.join("; ", d.differences()))));
    box.add(list);
    return box;
  }

  private com.vaadin.flow.component.Component rejections(String name) {
    IngestRejections.Summary s = services.traces().ingestRejections().summary(name);
    if (s.total() == 0) {
      return new Paragraph("No spans from this agent were rejected at ingest.");
    }
    VerticalLayout box = new VerticalLayout();
    box.setPadding(false);
    StringBuilder counts = new StringBuilder(s.total() + " spans rejected:");
    s.counts().forEach((reason, n) -> counts.append(' ').append(reason.label()).append(' ').append(n));
    box.add(new Paragraph(counts.toString()));
    Grid<IngestRejections.Rejection> grid = new Grid<>();
    grid.addThemeVariants(GridVariant.LUMO_COMPACT);
    grid.addColumn(x -> Pages.time(x.at())).setHeader("At").setAutoWidth(true);
    grid.addColumn(x -> x.reason().label()).setHeader("Reason").setAutoWidth(true);
    grid.addColumn(IngestRejections.Rejection::spanId).setHeader("Span").setAutoWidth(true);
    grid.addColumn(IngestRejections.Rejection::message).setHeader("Message");
    grid.setItems(s.recent());
    grid.setAllRowsVisible(true);
    box.add(grid);
    return box;
  }
}
