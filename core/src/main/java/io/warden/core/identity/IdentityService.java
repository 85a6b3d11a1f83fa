package io.warden.core.identity;

import io.warden.core.audit.AuditLog;
import io.warden.core.inventory.Inventory;
import io.warden.core.store.StateStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Users, agent credentials and scoped agent tokens. Every mutation is durable (in the
 * {@link StateStore}) and audited before the method returns; secrets are returned once and stored
 * only as hashes.
 *
 * <p>Bearer formats: user tokens {@code wdn_u_<id>_<secret>}, agent credentials
 * {@code wdn_a_<id>_<secret>}, scoped agent tokens are JWTs signed with the key in
 * {@code signingKeyFile} (created 0600 on first use).
 */
public final class IdentityService {

  private IdentityService() {}

  public static IdentityService create(
      StateStore store, AuditLog audit, Inventory inventory, Path signingKeyFile, Clock clock) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Creates the first admin user when there are no users yet; empty when users exist. */
  public Optional<IssuedSecret> bootstrapAdmin() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Admin only. Name must be a DNS label and unused. */
  public IssuedSecret createUser(Principal actor, String name, Role role, Set<String> teams) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public List<UserPrincipal> users() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Admin only. The agent must be in the inventory. */
  public IssuedSecret issueCredential(Principal actor, String agent) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Admin only. Later calls with the credential, and tokens minted from it, fail. */
  public void revokeCredential(Principal actor, String agent, String credentialId) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public List<CredentialInfo> credentials(String agent) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /**
   * Resolves a bearer secret (user token, agent credential or scoped token) to a principal.
   *
   * @throws io.warden.core.WardenException with code {@code unauthorized} (and an audit event) when
   *     the secret is missing, unknown, revoked, expired or badly signed
   */
  public Principal authenticate(String bearer) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /**
   * Mints a scoped token for {@code holder} itself (narrower than or equal to what it holds now), or
   * for a sub-agent it delegates to ({@code forAgent} must be in the holder's {@code spec.delegates};
   * the chain grows by one). A request wider than the holder's scope is refused with
   * {@code forbidden}.
   */
  public String mintToken(AgentPrincipal holder, String forAgent, TokenScope requested) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** A credential's public facts; the secret is never kept. */
  public record CredentialInfo(String id, String agent, java.time.Instant createdAt, java.time.Instant revokedAt) {}
}
