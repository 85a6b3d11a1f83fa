package io.warden.ui.internal;

import com.vaadin.flow.component.applayout.AppLayout;
import com.vaadin.flow.component.applayout.DrawerToggle;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.sidenav.SideNav;
import com.vaadin.flow.component.sidenav.SideNavItem;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.server.VaadinRequest;
import io.warden.core.WardenException;
import java.util.Optional;

/**
 * The frame of every page: navigation, who is signed in, sign out. Nobody gets past it without a
 * valid user token: it is checked again on every navigation (a revoked token ends the session).
 */
public class MainLayout extends AppLayout implements BeforeEnterObserver {
  private static final long serialVersionUID = 1L;
  private final Span who = new Span();
  private final transient Services services;

  public MainLayout() {
    services = Services.current();
    Span title = new Span("Warden");
    title.getStyle().set("font-weight", "600").set("font-size", "var(--lumo-font-size-l)");
    Button signOut = new Button("Sign out", e -> {
      SignedIn.set(null);
      getUI().ifPresent(ui -> ui.navigate(LoginView.class));
    });
    signOut.setId("sign-out");
    signOut.addThemeVariants(ButtonVariant.LUMO_TERTIARY);
    who.setId("signed-in-as");
    HorizontalLayout bar = new HorizontalLayout(new DrawerToggle(), title);
    bar.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.CENTER);
    HorizontalLayout right = new HorizontalLayout(who, signOut);
    right.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.CENTER);
    right.getStyle().set("margin-left", "auto").set("padding-right", "var(--lumo-space-m)");
    bar.setWidthFull();
    bar.add(right);
    addToNavbar(bar);
    SideNav nav = new SideNav();
    nav.addItem(new SideNavItem("Inventory", InventoryView.class),
        new SideNavItem("Approvals", ApprovalsView.class),
        new SideNavItem("Changes", ChangesView.class),
        new SideNavItem("Traces", TracesView.class),
        new SideNavItem("Costs", CostsView.class),
        new SideNavItem("Policy decisions", DecisionsView.class),
        new SideNavItem("Audit log", AuditView.class),
        new SideNavItem("Health", HealthView.class));
    addToDrawer(nav);
  }

  @Override
  public void beforeEnter(BeforeEnterEvent event) {
    Optional<SignedIn> current = SignedIn.current();
    if (current.isEmpty()) {
      event.rerouteTo(LoginView.class);
      return;
    }
    SignedIn s = current.get();
    String address = VaadinRequest.getCurrent() == null ? "" : VaadinRequest.getCurrent().getRemoteAddr();
    try {
      SignedIn fresh = new SignedIn(SignedIn.verify(services, s.user().name(), s.token(), address), s.token());
      SignedIn.set(fresh);
      who.setText(fresh.user().name() + " (" + fresh.user().role().wireName() + ")");
    } catch (WardenException e) {
      SignedIn.set(null);
      event.rerouteTo(LoginView.class);
    }
  }
}
