package io.warden.testing;

import io.warden.core.Problem;
import org.assertj.core.api.Assertions;

/**
 * AssertJ plus assertions for Warden's own values; one static import covers both:
 * {@code import static io.warden.testing.WardenAssertions.assertThat;}.
 */
public class WardenAssertions extends Assertions {
  protected WardenAssertions() {}

  public static ProblemAssert assertThat(Problem actual) {
    return new ProblemAssert(actual);
  }
}
