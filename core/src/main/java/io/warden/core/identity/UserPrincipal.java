package io.warden.core.identity;

import java.util.Objects;
import java.util.Set;

/** A person with a role and team memberships (teams matter to approval policies). */
public record UserPrincipal(String name, Role role, Set<String> teams) implements Principal {
  public UserPrincipal {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(role, "role");
    teams = teams == null ? Set.of() : Set.copyOf(teams);
  }

  @Override
  public String subject() {
    return "user:" + name;
  }

  public boolean has(Role required) {
    return role.includes(required);
  }
}
