package io.warden.core.change;

import io.warden.core.identity.Role;
import java.util.Objects;

/**
 * Who must approve before merge: {@code count} distinct users other than the author, each with at
 * least {@code role} and, when {@code team} is not empty, a member of that team.
 *
 * @param reason why (shown on the change request)
 */
public record RequiredApproval(Role role, String team, int count, String reason) {
  public RequiredApproval {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(team, "team");
    Objects.requireNonNull(reason, "reason");
    if (count < 1) {
      throw new IllegalArgumentException("count must be at least 1, was " + count);
    }
  }
}
