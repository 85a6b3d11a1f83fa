package io.warden.core.change;

import io.warden.core.identity.Role;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/** An approval given to a change request at a specific head commit. */
public record Approval(String user, Role role, Set<String> teams, String headCommit, Instant at) {
  public Approval {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(role, "role");
    teams = teams == null ? Set.of() : Set.copyOf(teams);
    Objects.requireNonNull(headCommit, "headCommit");
    Objects.requireNonNull(at, "at");
  }
}
