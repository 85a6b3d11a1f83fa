package io.warden.core.change;

import java.util.Objects;
import java.util.function.Function;

/**
 * A check run on every new head of a change request, like a CI status on a pull request. A change
 * merges only when every registered check passed on its current head. Checks must not have side
 * effects; they may be called concurrently for different changes.
 */
public interface ChangeCheck {

  /** Stable name shown on the change request ({@code schema}, {@code opa-admission}). */
  String name();

  /** Evaluates the change. Throwing is reported as an {@link CheckResult.Status#ERROR}. */
  CheckResult run(ProposedChange change) throws Exception;

  /** A check named {@code name} that runs {@code check}. */
  static ChangeCheck of(String name, Function<ProposedChange, CheckResult> check) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(check, "check");
    return new ChangeCheck() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public CheckResult run(ProposedChange change) {
        return check.apply(change);
      }
    };
  }
}
