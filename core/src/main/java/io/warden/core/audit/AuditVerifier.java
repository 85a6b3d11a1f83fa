package io.warden.core.audit;

import java.nio.file.Path;

/** Offline verification of an audit file's hash chain. */
public final class AuditVerifier {
  private AuditVerifier() {}

  /** Reads the whole file and checks every link; stops at the first broken one. */
  public static Result verify(Path file) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /**
   * @param ok true when every entry links to the one before
   * @param entries entries read (up to and including the broken one)
   * @param brokenLine 1-based line of the first broken entry, 0 when ok
   * @param reason what is wrong there, "" when ok
   */
  public record Result(boolean ok, long entries, long brokenLine, String reason) {}
}
