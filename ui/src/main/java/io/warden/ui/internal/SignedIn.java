package io.warden.ui.internal;

import com.vaadin.flow.server.VaadinSession;
import io.warden.core.identity.Principal;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Who is signed in to this browser session: the user and the token they signed in with (kept only
 * in server memory, never sent back). The token is checked again on every navigation, so a revoked
 * or expired token ends the session on the next page. Internal.
 */
public record SignedIn(UserPrincipal user, String token) {
  public SignedIn {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(token, "token");
  }

  public static Optional<SignedIn> current() {
    VaadinSession session = VaadinSession.getCurrent();
    return Optional.ofNullable(session == null ? null : session.getAttribute(SignedIn.class));
  }

  /** The signed-in user; the layout has already sent everyone else to the login page. */
  public static UserPrincipal currentUser() {
    return current().orElseThrow(() -> new IllegalStateException("nobody is signed in")).user();
  }

  public static boolean may(Role role) {
    return current().map(s -> s.user().has(role)).orElse(false);
  }

  static void set(@Nullable SignedIn signedIn) {
    VaadinSession.getCurrent().setAttribute(SignedIn.class, signedIn);
  }

  /**
   * The user behind {@code token} if it is a user token for {@code name}; the same check the API
   * makes on each request ({@code authenticate}, throttled per client address).
   */
  static UserPrincipal verify(Services services, String name, String token, String address) {
    Principal p = services.identity().authenticate(token.strip(), address);
    if (!(p instanceof UserPrincipal user)) {
      throw new io.warden.core.WardenException("forbidden",
          "that is an agent credential; the console is for users: sign in with a user token");
    }
    if (!user.name().equals(name.strip())) {
      throw new io.warden.core.WardenException("unauthorized", "the user name and the token do not match");
    }
    return user;
  }
}
