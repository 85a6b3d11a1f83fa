package io.warden.core.change;

import io.warden.core.Problem;
import java.util.List;
import java.util.Objects;

/**
 * A check's verdict on one head commit of a change request.
 *
 * @param check the check's name
 * @param status passed, failed (the change is wrong) or error (the check could not run)
 * @param summary one line for a status list
 * @param problems located problems, file:line:col
 * @param requiredApprovals approvals this check demands before merge (may be empty)
 */
public record CheckResult(
    String check, Status status, String summary, List<Problem> problems,
    List<RequiredApproval> requiredApprovals) {
  public CheckResult {
    Objects.requireNonNull(check, "check");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(summary, "summary");
    problems = List.copyOf(problems);
    requiredApprovals = List.copyOf(requiredApprovals);
  }

  public enum Status { PASSED, FAILED, ERROR }

  public static CheckResult passed(String check, String summary) {
    return new CheckResult(check, Status.PASSED, summary, List.of(), List.of());
  }

  public static CheckResult failed(String check, List<Problem> problems) {
    String summary = problems.size() == 1 ? problems.get(0).toString() : problems.size() + " problems";
    return new CheckResult(check, Status.FAILED, summary, problems, List.of());
  }

  public static CheckResult error(String check, String summary) {
    return new CheckResult(check, Status.ERROR, summary, List.of(), List.of());
  }

  public boolean passed() {
    return status == Status.PASSED;
  }
}
