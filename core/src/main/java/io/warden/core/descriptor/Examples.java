package io.warden.core.descriptor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The example agent of DESIGN.md, {@code reconciliation-finance}, exactly as the field writes it.
 * One copy serves the repository seed, the documentation tests and every module's tests.
 */
public final class Examples {
  /** Repository path of the example agent. */
  public static final String RECONCILIATION_FINANCE_PATH = "agents/reconciliation-finance.yaml";

  private static final String RESOURCE = "/io/warden/core/descriptor/examples/reconciliation-finance.yaml";

  private Examples() {}

  /** The example descriptor's bytes. */
  public static byte[] reconciliationFinance() {
    try (InputStream in = Examples.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("example descriptor missing from the core jar: " + RESOURCE);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The example descriptor as text. */
  public static String reconciliationFinanceYaml() {
    return new String(reconciliationFinance(), StandardCharsets.UTF_8);
  }
}
