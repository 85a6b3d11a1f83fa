package io.warden.tracestore.internal.ingest;

import io.warden.core.trace.Delegation;
import java.util.List;
import java.util.Objects;

/**
 * Who sent an export request, as far as ingest cares: an agent (credential or scoped token; it may
 * only send its own spans) or a collector using a user's ingest token (each span must name a known
 * agent).
 *
 * <p>Internal: not public API.
 *
 * @param subject {@code agent:x} or {@code user:y}, for messages
 * @param agent the agent's name, or null for a collector
 * @param scopeChain the delegation chain of a scoped token (outermost first), else empty
 * @param scopeHops the delegating spans a scoped token names (outermost first), else empty
 */
public record Caller(String subject, String agent, List<String> scopeChain, List<Delegation.Hop> scopeHops) {
  public Caller {
    Objects.requireNonNull(subject, "subject");
    scopeChain = scopeChain == null ? List.of() : List.copyOf(scopeChain);
    scopeHops = scopeHops == null ? List.of() : List.copyOf(scopeHops);
  }

  public static Caller agent(String name, List<String> scopeChain) {
    return agent(name, scopeChain, List.of());
  }

  public static Caller agent(String name, List<String> scopeChain, List<Delegation.Hop> scopeHops) {
    return new Caller("agent:" + name, name, scopeChain, scopeHops);
  }

  public static Caller collector(String user) {
    return new Caller("user:" + user, null, List.of(), List.of());
  }

  public boolean isAgent() {
    return agent != null;
  }
}
