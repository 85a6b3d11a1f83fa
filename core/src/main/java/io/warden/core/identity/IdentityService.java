package io.warden.core.identity;

import io.warden.core.WardenException;
import io.warden.core.audit.AuditLog;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.identity.internal.AgentTokens;
import io.warden.core.identity.internal.Secrets;
import io.warden.core.identity.internal.SigningKeyFile;
import io.warden.core.identity.internal.StoredCredential;
import io.warden.core.identity.internal.StoredUser;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.core.store.StateStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Users, agent credentials and scoped agent tokens. Every mutation is durable (in the
 * {@link StateStore}) and audited before the method returns; secrets are returned once and stored
 * only as hashes.
 *
 * <p>Bearer formats: user tokens {@code wdn_u_<id>_<secret>}, agent credentials
 * {@code wdn_a_<id>_<secret>}, scoped agent tokens are JWTs signed with the key in
 * {@code signingKeyFile} (created 0600 on first use).
 *
 * <p>State store tables: {@code users} (name → user JSON with the token's id and SHA-256),
 * {@code user_tokens} (token id → user name, the lookup index for authentication) and
 * {@code credentials} (credential id → credential JSON with the secret's SHA-256). A mutation is
 * written to the store first and audited second; the secret is only handed out after both, so a
 * crash in between leaves at worst a credential nobody knows the secret of.
 *
 * <p>Thread-safe.
 */
public final class IdentityService implements AutoCloseable {

  /** The longest a scoped token minted from a credential lives. */
  public static final Duration MAX_TOKEN_TTL = Duration.ofHours(1);
  /** Delegation depth limit, counting the original agent. */
  public static final int MAX_CHAIN_LENGTH = 10;

  static final String USERS = "users";
  static final String USER_TOKENS = "user_tokens";
  static final String CREDENTIALS = "credentials";

  private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
  private static final String DNS_LABEL_RULE =
      "use 1-63 lowercase letters, digits and '-', starting and ending with a letter or digit";
  private static final int MAX_SESSION_LENGTH = 200;
  private static final String SYSTEM = "system";

  private final StateStore store;
  private final AuditLog audit;
  private final Inventory inventory;
  private final Clock clock;
  private final AgentTokens tokens;
  private final FailedAuthentications failures;

  private IdentityService(StateStore store, AuditLog audit, Inventory inventory, Clock clock, AgentTokens tokens) {
    this.store = store;
    this.audit = audit;
    this.inventory = inventory;
    this.clock = clock;
    this.tokens = tokens;
    this.failures = FailedAuthentications.create(audit, clock);
  }

  public static IdentityService create(
      StateStore store, AuditLog audit, Inventory inventory, Path signingKeyFile, Clock clock) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(audit, "audit");
    Objects.requireNonNull(inventory, "inventory");
    Objects.requireNonNull(signingKeyFile, "signingKeyFile");
    Objects.requireNonNull(clock, "clock");
    return new IdentityService(store, audit, inventory, clock,
        new AgentTokens(SigningKeyFile.loadOrCreate(signingKeyFile)));
  }

  // ---------------------------------------------------------------- users

  /** Creates the first admin user when there are no users yet; empty when users exist. */
  public Optional<IssuedSecret> bootstrapAdmin() {
    if (!store.table(USERS).isEmpty()) {
      return Optional.empty();
    }
    return insertUser("admin", Role.ADMIN, Set.of(), SYSTEM);
  }

  /** Admin only. Name must be a DNS label and unused. */
  public IssuedSecret createUser(Principal actor, String name, Role role, Set<String> teams) {
    requireAdmin(actor, "create users");
    requireDnsLabel(name, "user name");
    if (role == null) {
      throw WardenException.invalid("role is required: one of viewer, author, approver, admin");
    }
    Set<String> teamSet = new TreeSet<>();
    for (String team : teams == null ? Set.<String>of() : teams) {
      requireDnsLabel(team, "team");
      teamSet.add(team);
    }
    return insertUser(name, role, teamSet, actor.subject())
        .orElseThrow(() -> WardenException.conflict("user '" + name + "' already exists"));
  }

  /** All users, sorted by name. */
  public List<UserPrincipal> users() {
    return store.table(USERS).values().stream().map(json -> StoredUser.fromJson(json).principal()).toList();
  }

  private Optional<IssuedSecret> insertUser(String name, Role role, Set<String> teams, String actorSubject) {
    String tokenId = Secrets.newId();
    String secret = Secrets.newSecret();
    StoredUser user = new StoredUser(name, role.wireName(), List.copyOf(teams), tokenId, Secrets.hash(secret),
        clock.instant().toString(), actorSubject);
    boolean[] inserted = {false};
    store.update(tx -> {
      if (tx.get(USERS, name).isPresent()) {
        return;
      }
      tx.put(USERS, name, user.toJson());
      tx.put(USER_TOKENS, tokenId, name);
      inserted[0] = true;
    });
    if (!inserted[0]) {
      return Optional.empty();
    }
    audit.append(actorSubject, "user.create", "user/" + name,
        Map.of("role", role.wireName(), "teams", List.copyOf(teams), "tokenId", tokenId));
    return Optional.of(new IssuedSecret(tokenId, Secrets.USER_PREFIX + tokenId + "_" + secret));
  }

  // ---------------------------------------------------------------- credentials

  /** Admin only. The agent must be in the inventory. */
  public IssuedSecret issueCredential(Principal actor, String agent) {
    requireAdmin(actor, "issue agent credentials");
    Objects.requireNonNull(agent, "agent");
    requireAgent(agent);
    String id = Secrets.newId();
    String secret = Secrets.newSecret();
    StoredCredential credential = new StoredCredential(
        id, agent, Secrets.hash(secret), clock.instant().toString(), actor.subject(), null, null);
    store.put(CREDENTIALS, id, credential.toJson());
    audit.append(actor.subject(), "credential.issue", "agent/" + agent, Map.of("credential", id));
    return new IssuedSecret(id, Secrets.AGENT_PREFIX + id + "_" + secret);
  }

  /** Admin only. Later calls with the credential, and tokens minted from it, fail. Idempotent. */
  public void revokeCredential(Principal actor, String agent, String credentialId) {
    requireAdmin(actor, "revoke agent credentials");
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(credentialId, "credentialId");
    boolean[] revoked = {false};
    store.update(tx -> {
      StoredCredential credential = tx.get(CREDENTIALS, credentialId)
          .map(StoredCredential::fromJson)
          .filter(c -> c.agent().equals(agent))
          .orElseThrow(() -> WardenException.notFound(
              "agent '" + agent + "' has no credential '" + credentialId + "'"));
      if (!credential.revoked()) {
        tx.put(CREDENTIALS, credentialId, credential.revoke(clock.instant(), actor.subject()).toJson());
        revoked[0] = true;
      }
    });
    if (revoked[0]) {
      audit.append(actor.subject(), "credential.revoke", "agent/" + agent, Map.of("credential", credentialId));
    }
  }

  /** The agent's credentials, revoked ones included, oldest first. */
  public List<CredentialInfo> credentials(String agent) {
    Objects.requireNonNull(agent, "agent");
    return store.table(CREDENTIALS).values().stream()
        .map(StoredCredential::fromJson)
        .filter(c -> c.agent().equals(agent))
        .map(c -> new CredentialInfo(c.id(), c.agent(), c.createdInstant(), c.revokedInstant()))
        .sorted(Comparator.comparing(CredentialInfo::createdAt).thenComparing(CredentialInfo::id))
        .toList();
  }

  // ---------------------------------------------------------------- authentication

  /**
   * Resolves a bearer secret (user token, agent credential or scoped token) to a principal. A
   * leading {@code Bearer } is ignored. The principal comes only from the verified secret or the
   * verified token claims, so an agent can never authenticate as a user or as another agent.
   * Failures are recorded (and audited, aggregated) under an unknown source and never throttled:
   * servers that know the client address use {@link #authenticate(String, String)}.
   *
   * @throws io.warden.core.WardenException with code {@code unauthorized} when the secret is
   *     missing, unknown, revoked, expired or badly signed
   */
  public Principal authenticate(String bearer) {
    return authenticate(bearer, FailedAuthentications.UNKNOWN_SOURCE, false);
  }

  /**
   * As {@link #authenticate(String)}, for a request from {@code source} (the client address). A
   * valid secret always authenticates, whatever the source's failures. A failure is recorded in
   * {@link FailedAuthentications}: audited at most twice per source and minute, and, once the
   * source is over its budget, refused with {@link TooManyFailedAuthentications} (429) instead of
   * {@code unauthorized} (401).
   */
  public Principal authenticate(String bearer, String source) {
    return authenticate(bearer, source, true);
  }

  /**
   * The principal {@code bearer} names when it is valid, or empty — without recording a failure
   * (nothing is audited or throttled, nothing waits on a write). For a caller that must not block:
   * it tries this first and, when it is empty, calls {@link #authenticate(String, String)} where it
   * may wait, so that failures are still recorded and throttled.
   */
  public Optional<Principal> resolveQuietly(String bearer) {
    try {
      return Optional.of(resolve(bearer));
    } catch (Refusal r) {
      return Optional.empty();
    }
  }

  private Principal authenticate(String bearer, String source, boolean throttle) {
    try {
      return resolve(bearer);
    } catch (Refusal r) {
      FailedAuthentications.Verdict verdict = failures.record(source, r.getMessage(), r.target, r.details);
      if (throttle && verdict.throttled()) {
        TooManyFailedAuthentications t = new TooManyFailedAuthentications("too many failed authentications from "
            + source + "; retry in " + verdict.retryAfter().toSeconds() + " s with a valid token", verdict.retryAfter());
        throw t;
      }
      throw new WardenException("unauthorized", r.getMessage());
    }
  }

  /** Stops the background writer of failed-authentication summaries and writes what it holds. */
  @Override
  public void close() {
    failures.close();
  }

  private Principal resolve(String bearer) {
    String token = bearer == null ? "" : bearer.strip();
    if (token.regionMatches(true, 0, "Bearer", 0, 6) && (token.length() == 6 || Character.isWhitespace(token.charAt(6)))) {
      token = token.substring(6).strip();
    }
    if (token.isEmpty()) {
      throw failure("missing bearer token", "", Map.of());
    }
    if (token.startsWith("wdn_")) {
      Optional<Secrets.Bearer> parsed = Secrets.parse(token);
      if (parsed.isEmpty()) {
        Map<String, Object> details = new LinkedHashMap<>();
        Secrets.publicId(token).ifPresent(id -> details.put("tokenId", id));
        throw failure("malformed token: expected wdn_u_<id>_<secret> or wdn_a_<id>_<secret>", "", details);
      }
      return parsed.get().kind() == 'u' ? authenticateUser(parsed.get()) : authenticateCredential(parsed.get());
    }
    if (token.chars().filter(c -> c == '.').count() == 2) {
      return authenticateAgentToken(token);
    }
    throw failure("unrecognized token format", "", Map.of());
  }

  private UserPrincipal authenticateUser(Secrets.Bearer bearer) {
    String target = "user-token/" + bearer.id();
    Map<String, Object> details = Map.of("tokenId", bearer.id());
    StoredUser user = store.get(USER_TOKENS, bearer.id())
        .flatMap(name -> store.get(USERS, name))
        .map(StoredUser::fromJson)
        .filter(u -> u.tokenId().equals(bearer.id()))
        .orElse(null);
    // Unknown id and wrong secret get the same answer.
    if (user == null || !Secrets.matches(bearer.secret(), user.tokenHash())) {
      throw failure("unknown user token " + bearer.id(), target, details);
    }
    return user.principal();
  }

  private AgentPrincipal authenticateCredential(Secrets.Bearer bearer) {
    StoredCredential credential = store.get(CREDENTIALS, bearer.id()).map(StoredCredential::fromJson).orElse(null);
    if (credential == null || !Secrets.matches(bearer.secret(), credential.hash())) {
      throw failure("unknown agent credential " + bearer.id(), "credential/" + bearer.id(),
          Map.of("credential", bearer.id()));
    }
    checkCredentialUsable(credential, credential.agent());
    return new AgentPrincipal(credential.agent(), credential.id(), null);
  }

  private AgentPrincipal authenticateAgentToken(String token) {
    AgentTokens.Claims claims;
    try {
      claims = tokens.verify(token, clock.instant());
    } catch (AgentTokens.InvalidTokenException e) {
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("tokenKind", "agent-token");
      if (e.claimedCredential() != null) {
        details.put("claimedCredential", e.claimedCredential());
      }
      throw failure(e.getMessage(), "", details);
    }
    TokenScope scope = claims.scope();
    StoredCredential credential = store.get(CREDENTIALS, claims.credentialId()).map(StoredCredential::fromJson)
        .orElseThrow(() -> failure("agent token refers to unknown credential " + claims.credentialId(),
            "credential/" + claims.credentialId(), Map.of("credential", claims.credentialId(), "jti", jti(claims))));
    checkCredentialUsable(credential, scope.delegationChain().getFirst());
    if (!inventory.get(claims.agent()).isPresent()) {
      throw failure("agent '" + claims.agent() + "' is not in the inventory", "agent/" + claims.agent(),
          Map.of("credential", credential.id(), "jti", jti(claims)));
    }
    // The delegations that produced the token must still be allowed by the applied descriptors.
    List<String> chain = scope.delegationChain();
    for (int i = 1; i < chain.size(); i++) {
      String from = chain.get(i - 1);
      String to = chain.get(i);
      boolean allowed = from.equals(to)
          || inventory.get(from).map(s -> s.descriptor().spec().delegates().contains(to)).orElse(false);
      if (!allowed) {
        throw failure("delegation " + from + " -> " + to + " is no longer allowed by " + from + "'s spec.delegates",
            "agent/" + claims.agent(), Map.of("credential", credential.id(), "jti", jti(claims)));
      }
    }
    return new AgentPrincipal(claims.agent(), credential.id(), scope);
  }

  private static String jti(AgentTokens.Claims claims) {
    return claims.jti() == null ? "" : claims.jti();
  }

  /** The credential must be live and belong to {@code agent}, which must be in the inventory. */
  private void checkCredentialUsable(StoredCredential credential, String agent) {
    String target = "credential/" + credential.id();
    Map<String, Object> details = Map.of("credential", credential.id(), "agent", credential.agent());
    if (credential.revoked()) {
      throw failure("agent credential " + credential.id() + " was revoked at " + credential.revokedAt()
          + "; ask an admin for a new one", target, details);
    }
    if (!credential.agent().equals(agent)) {
      throw failure("agent token chain starts with '" + agent + "' but credential " + credential.id()
          + " belongs to '" + credential.agent() + "'", target, details);
    }
    if (inventory.get(agent).isEmpty()) {
      throw failure("agent '" + agent + "' is not in the inventory", target, details);
    }
  }

  /** A failed authentication, before {@link FailedAuthentications} decides its answer and audit. */
  private static WardenException failure(String reason, String target, Map<String, Object> details) {
    return new Refusal(reason, target, details);
  }

  /** Why a secret was refused, with the public facts to audit (never the secret). */
  private static final class Refusal extends WardenException {
    private static final long serialVersionUID = 1L;
    final transient String target;
    final transient Map<String, Object> details;

    Refusal(String reason, String target, Map<String, Object> details) {
      super("unauthorized", reason);
      this.target = target;
      this.details = details;
    }
  }

  // ---------------------------------------------------------------- scoped tokens

  /**
   * Mints a scoped token for {@code holder} itself (narrower than or equal to what it holds now), or
   * for a sub-agent it delegates to ({@code forAgent} must be in the holder's {@code spec.delegates};
   * the chain grows by one). A request wider than the holder's scope is refused with
   * {@code forbidden}; the rules are {@link ScopeNarrowing}'s.
   *
   * <p>The holder's scope is its token's scope, or, when it used its credential directly, every
   * tool in its descriptor's {@code spec.tools}, no budget cap and an expiry of {@link #MAX_TOKEN_TTL}
   * from now. Tools must also still be in the holder's current descriptor, and for a sub-agent in the
   * sub-agent's {@code spec.tools}. The expiry is capped at the holder's, and the usd budget at the
   * daily budget of the agents involved (silently here: {@link #mintScopedToken} says so). The
   * delegation chain is computed here; {@code requested.delegationChain()} is ignored. A holder with
   * a token may only mint for its own session.
   */
  public String mintToken(AgentPrincipal holder, String forAgent, TokenScope requested) {
    return mintScopedToken(holder, forAgent, requested).token();
  }

  /** A minted token and the scope it carries (with whether its usd budget was capped, and why). */
  public record MintedToken(String token, ScopeNarrowing.Narrowed granted) {
    public MintedToken {
      Objects.requireNonNull(token, "token");
      Objects.requireNonNull(granted, "granted");
    }
  }

  /**
   * Mints, on the system's behalf, a token for an agent Warden runs (an executor hands it to the
   * runtime): bound to {@code session}, with the agent's {@code spec.tools}, no budget cap below the
   * agent's own, valid for {@code ttl} (at most {@link #MAX_TOKEN_TTL}). It traces back to the agent's
   * newest live credential. An agent that never had a credential gets one issued by {@code system}
   * (audited {@code credential.issue}; its secret is discarded, only tokens are ever handed out); an
   * agent whose credentials were all revoked gets nothing — revocation cuts it off. Audited
   * {@code token.mint} with actor {@code system}; the token is never logged.
   *
   * @throws WardenException {@code not_found} when the agent is not in the inventory,
   *     {@code forbidden} when every credential it had is revoked
   */
  public String mintForExecutor(String agent, String session, Duration ttl) {
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(ttl, "ttl");
    requireAgent(agent);
    StoredCredential credential;
    synchronized (this) {
      List<StoredCredential> all = store.table(CREDENTIALS).values().stream()
          .map(StoredCredential::fromJson)
          .filter(c -> c.agent().equals(agent))
          .sorted(Comparator.comparing(StoredCredential::createdInstant).reversed())
          .toList();
      credential = all.stream().filter(c -> !c.revoked()).findFirst().orElse(null);
      if (credential == null && !all.isEmpty()) {
        throw WardenException.forbidden("every credential of agent '" + agent + "' is revoked, so Warden hands its"
            + " runtime no token: an admin issues a new one with POST /api/v1/agents/" + agent + "/credentials");
      }
      if (credential == null) {
        credential = new StoredCredential(Secrets.newId(), agent, Secrets.hash(Secrets.newSecret()),
            clock.instant().toString(), SYSTEM, null, null);
        store.put(CREDENTIALS, credential.id(), credential.toJson());
        audit.append(SYSTEM, "credential.issue", "agent/" + agent,
            Map.of("credential", credential.id(), "reason", "executor: the agent had no credential"));
      }
    }
    Duration capped = ttl.compareTo(MAX_TOKEN_TTL) > 0 ? MAX_TOKEN_TTL : ttl;
    Set<String> tools = Set.copyOf(inventory.get(agent).map(a -> a.descriptor().spec().tools()).orElse(List.of()));
    TokenScope requested = new TokenScope(session, tools, null, clock.instant().plus(capped), null);
    return mintScopedToken(new AgentPrincipal(agent, credential.id(), null), agent, requested, SYSTEM).token();
  }

  /** As {@link #mintToken}, returning the scope granted too, for telling the caller what it got. */
  public MintedToken mintScopedToken(AgentPrincipal holder, String forAgent, TokenScope requested) {
    return mintScopedToken(holder, forAgent, requested, holder.subject());
  }

  private MintedToken mintScopedToken(AgentPrincipal holder, String forAgent, TokenScope requested, String actor) {
    Objects.requireNonNull(holder, "holder");
    Objects.requireNonNull(forAgent, "forAgent");
    Objects.requireNonNull(requested, "requested");
    Instant now = clock.instant();
    if (requested.session().isBlank() || requested.session().length() > MAX_SESSION_LENGTH) {
      throw WardenException.invalid("session must be 1-" + MAX_SESSION_LENGTH + " characters: '" + requested.session() + "'");
    }
    if (requested.usdBudget() != null && requested.usdBudget().signum() < 0) {
      throw WardenException.invalid("usdBudget must not be negative: " + requested.usdBudget().toPlainString());
    }
    AgentDescriptor holderDescriptor = inventory.get(holder.name()).map(AgentState::descriptor)
        .orElseThrow(() -> WardenException.forbidden("agent '" + holder.name() + "' is not in the inventory"));
    List<String> heldChain = ScopeNarrowing.chainOf(holder);
    StoredCredential credential = store.get(CREDENTIALS, holder.credentialId()).map(StoredCredential::fromJson)
        .filter(c -> !c.revoked() && c.agent().equals(heldChain.getFirst()))
        .orElseThrow(() -> new WardenException("unauthorized",
            "credential " + holder.credentialId() + " of " + holder.subject() + " is unknown or revoked"));

    ScopeNarrowing.Narrowed narrowed = ScopeNarrowing.narrow(holder, holderDescriptor, forAgent,
        name -> inventory.get(name).map(AgentState::descriptor), requested, now);
    TokenScope granted = narrowed.scope();
    String jti = Secrets.newId();
    String token = tokens.mint(jti, forAgent, credential.id(), granted, now);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("jti", jti);
    details.put("credential", credential.id());
    details.put("session", granted.session());
    details.put("tools", List.copyOf(new TreeSet<>(granted.tools())));
    if (granted.usdBudget() != null) {
      details.put("usdBudget", granted.usdBudget().toPlainString());
    }
    if (narrowed.usdBudgetCapped()) {
      details.put("usdBudgetRequested", narrowed.requestedUsdBudget().toPlainString());
      details.put("usdBudgetCappedBy", narrowed.usdCap());
    }
    details.put("expiresAt", granted.expiresAt().toString());
    details.put("chain", granted.delegationChain());
    audit.append(actor, "token.mint", "agent/" + forAgent, details);
    return new MintedToken(token, narrowed);
  }

  // ---------------------------------------------------------------- checks

  private static void requireAdmin(Principal actor, String what) {
    Objects.requireNonNull(actor, "actor");
    if (!(actor instanceof UserPrincipal user && user.has(Role.ADMIN))) {
      throw WardenException.forbidden(actor.subject() + " may not " + what + ": that needs the admin role");
    }
  }

  private static void requireDnsLabel(String value, String what) {
    if (value == null || !DNS_LABEL.matcher(value).matches()) {
      throw WardenException.invalid(what + " '" + value + "' is not a dns label: " + DNS_LABEL_RULE);
    }
  }

  private void requireAgent(String agent) {
    if (inventory.get(agent).isEmpty()) {
      throw WardenException.notFound("agent '" + agent + "' is not in the inventory: merge its descriptor to main first");
    }
  }

  /** A credential's public facts; the secret is never kept. */
  public record CredentialInfo(String id, String agent, java.time.Instant createdAt, java.time.Instant revokedAt) {}
}
