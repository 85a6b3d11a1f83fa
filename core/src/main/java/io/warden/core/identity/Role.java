package io.warden.core.identity;

import java.util.Locale;

/** What a person may do. Each role includes the powers of those before it. */
public enum Role {
  /** Reads inventory, changes, traces and audit. */
  VIEWER,
  /** Also opens and updates change requests. */
  AUTHOR,
  /** Also approves and merges change requests written by others. */
  APPROVER,
  /** Also manages users and agent credentials. */
  ADMIN;

  public boolean includes(Role other) {
    return ordinal() >= other.ordinal();
  }

  /** The lowercase wire name ({@code approver}). */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire name; the error lists the valid ones. */
  public static Role parse(String value) {
    for (Role role : values()) {
      if (role.wireName().equals(value)) {
        return role;
      }
    }
    throw new IllegalArgumentException(
        "unknown role '" + value + "': expected one of viewer, author, approver, admin");
  }
}
