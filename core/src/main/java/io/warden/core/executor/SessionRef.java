package io.warden.core.executor;

import java.util.Objects;

/** A session of one agent. */
public record SessionRef(String agent, String id) {

  public SessionRef {
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(id, "id");
  }
}
