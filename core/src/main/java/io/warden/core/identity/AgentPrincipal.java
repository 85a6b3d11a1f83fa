package io.warden.core.identity;

import java.util.Objects;

/**
 * An agent acting with one of its credentials, or with a scoped token minted from one.
 *
 * @param name the agent's name
 * @param credentialId the id of the credential the call traces back to
 * @param scope the token's scope, or null when the call used the credential itself (full scope)
 */
public record AgentPrincipal(String name, String credentialId, TokenScope scope) implements Principal {
  public AgentPrincipal {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(credentialId, "credentialId");
  }

  @Override
  public String subject() {
    return "agent:" + name;
  }
}
