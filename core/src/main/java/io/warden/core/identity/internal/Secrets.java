package io.warden.core.identity.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bearer secrets: {@code wdn_u_<id>_<secret>} for user tokens and {@code wdn_a_<id>_<secret>} for
 * agent credentials, where {@code id} is 16 hex digits (public, safe to log) and {@code secret} is 32
 * random bytes in unpadded base64url. Only the SHA-256 of the secret is stored: the secret has 256
 * bits of entropy, so a fast hash cannot be brute-forced and a slow password hash would only cost
 * time on every request. Internal: not public API.
 */
public final class Secrets {
  public static final String USER_PREFIX = "wdn_u_";
  public static final String AGENT_PREFIX = "wdn_a_";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern BEARER = Pattern.compile("^wdn_([ua])_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$");
  private static final Pattern ID = Pattern.compile("^[0-9a-f]{16}$");

  private Secrets() {}

  /** A parsed bearer secret; {@code kind} is {@code u} (user) or {@code a} (agent credential). */
  public record Bearer(char kind, String id, String secret) {
    @Override
    public String toString() {
      return "Bearer[kind=" + kind + ", id=" + id + ", secret=<redacted>]";
    }
  }

  public static String newId() {
    byte[] bytes = new byte[8];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  public static String newSecret() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  /** Parses {@code wdn_u_...} / {@code wdn_a_...}; empty when the string has another shape. */
  public static Optional<Bearer> parse(String bearer) {
    Matcher m = BEARER.matcher(bearer);
    return m.matches() ? Optional.of(new Bearer(m.group(1).charAt(0), m.group(2), m.group(3))) : Optional.empty();
  }

  /** The public id in a {@code wdn_} string even when the rest is malformed, for audit; else empty. */
  public static Optional<String> publicId(String bearer) {
    if (bearer.startsWith(USER_PREFIX) || bearer.startsWith(AGENT_PREFIX)) {
      String rest = bearer.substring(USER_PREFIX.length());
      int end = rest.indexOf('_');
      String id = end < 0 ? rest : rest.substring(0, end);
      return isId(id) ? Optional.of(id) : Optional.empty();
    }
    return Optional.empty();
  }

  public static boolean isId(String value) {
    return value != null && ID.matcher(value).matches();
  }

  public static String hash(String secret) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every java runtime has sha-256", e);
    }
  }

  /** Constant-time comparison of a presented secret with a stored hash. */
  public static boolean matches(String secret, String storedHash) {
    return MessageDigest.isEqual(
        hash(secret).getBytes(StandardCharsets.US_ASCII), storedHash.getBytes(StandardCharsets.US_ASCII));
  }
}
