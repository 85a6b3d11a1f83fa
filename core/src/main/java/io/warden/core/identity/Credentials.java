package io.warden.core.identity;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * The secret a request carries in its {@code Authorization} header, read the same way by every
 * server (the REST API, git over HTTP, the OTLP receivers) before {@link IdentityService#authenticate}.
 */
public final class Credentials {

  private Credentials() {}

  /**
   * The secret of {@code Bearer <secret>}, or of {@code Basic <base64(user:secret)>} (git sends the
   * token as the password; the user name is ignored). Empty when the header is absent, of another
   * scheme, malformed, or carries an empty secret. Scheme names are case-insensitive.
   */
  public static Optional<String> fromAuthorizationHeader(String header) {
    Optional<String> bearer = bearer(header);
    if (bearer.isPresent() || header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return bearer;
    }
    try {
      String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      String password = colon < 0 ? decoded : decoded.substring(colon + 1);
      return password.isEmpty() ? Optional.empty() : Optional.of(password);
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // not base64
    }
  }

  /** The secret of {@code Bearer <secret>} only (the OTLP receivers take no other scheme). */
  public static Optional<String> bearer(String header) {
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    String token = header.substring(7).strip();
    return token.isEmpty() ? Optional.empty() : Optional.of(token);
  }
}
