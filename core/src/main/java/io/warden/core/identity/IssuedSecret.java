package io.warden.core.identity;

import java.util.Objects;

/**
 * A secret shown exactly once, at creation. Warden keeps only its hash. {@link #toString()} hides
 * the secret so it cannot leak into logs by accident.
 *
 * @param id the public id of the credential or user token (safe to log)
 * @param secret the bearer secret to give to the holder
 */
public record IssuedSecret(String id, String secret) {
  public IssuedSecret {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(secret, "secret");
  }

  @Override
  public String toString() {
    return "IssuedSecret[id=" + id + ", secret=<redacted>]";
  }
}
