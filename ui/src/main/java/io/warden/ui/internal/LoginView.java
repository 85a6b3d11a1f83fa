package io.warden.ui.internal;

import com.vaadin.flow.component.Key;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.html.H1;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.textfield.PasswordField;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.server.VaadinRequest;
import io.warden.core.WardenException;
import io.warden.core.identity.UserPrincipal;

/** Sign in with a user name and a Warden user token: the same users, tokens and roles as the API. */
@Route("login")
@PageTitle("Sign in · Warden")
public class LoginView extends VerticalLayout {
  private static final long serialVersionUID = 1L;

  public LoginView() {
    Services services = Services.current();
    setAlignItems(Alignment.CENTER);
    setMaxWidth("28em");
    getStyle().set("margin", "4em auto");
    TextField user = new TextField("User name");
    user.setId("login-user");
    user.setWidthFull();
    user.setAutofocus(true);
    PasswordField token = new PasswordField("Token");
    token.setId("login-token");
    token.setWidthFull();
    token.setHelperText("The user's Warden token: the first admin's is in <data_dir>/admin-token;"
        + " an admin creates others with: warden users create");
    Paragraph error = new Paragraph();
    error.setId("login-error");
    error.getStyle().set("color", "var(--lumo-error-text-color)");
    Button signIn = new Button("Sign in");
    signIn.setId("login-submit");
    signIn.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
    signIn.addClickShortcut(Key.ENTER);
    signIn.addClickListener(e -> {
      String address = VaadinRequest.getCurrent() == null ? "" : VaadinRequest.getCurrent().getRemoteAddr();
      try {
        UserPrincipal u = SignedIn.verify(services, user.getValue(), token.getValue(), address);
        SignedIn.set(new SignedIn(u, token.getValue().strip()));
        getUI().ifPresent(ui -> ui.navigate(InventoryView.class));
      } catch (WardenException ex) {
        error.setText("Not signed in: " + ex.getMessage());
        token.clear();
      }
    });
    add(new H1("Warden"), new Paragraph("Governance console"), user, token, signIn, error);
  }
}
