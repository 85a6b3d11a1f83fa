package io.warden.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.warden.core.WardenException;
import io.warden.core.audit.AuditEvent;
import io.warden.core.audit.AuditLog;
import io.warden.core.audit.AuditVerifier;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.core.inventory.SyncStatus;
import io.warden.core.store.StateStore;
import io.warden.testing.MutableClock;
import io.warden.testing.LogCapture;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityServiceTest {

  private static final String READ = "mcp://gateway/ledger-read";
  private static final String WRITE = "mcp://gateway/ledger-write";
  private static final String EMAIL = "mcp://gateway/email-draft";
  private static final String OTHER = "mcp://gateway/other";

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
  private StateStore store;
  private AuditLog audit;
  private Inventory inventory;
  private IdentityService identity;
  private UserPrincipal admin;

  @BeforeEach
  void setUp() {
    store = StateStore.open(dir.resolve("state.mv.db"));
    audit = AuditLog.open(dir.resolve("audit.jsonl"), clock);
    inventory = Inventory.create();
    inventory.replace("c1", List.of(
        agent("orchestrator", List.of(READ, WRITE, EMAIL), List.of("worker", "ghost")),
        agent("worker", List.of(READ, EMAIL, OTHER), List.of("helper")),
        agent("helper", List.of(READ), List.of()),
        agent("loner", List.of(READ), List.of())));
    identity = newService();
    admin = (UserPrincipal) identity.authenticate(identity.bootstrapAdmin().orElseThrow().secret());
  }

  @AfterEach
  void tearDown() {
    identity.close();
    audit.close();
    store.close();
  }

  private IdentityService newService() {
    return IdentityService.create(store, audit, inventory, dir.resolve("keys/signing.key"), clock);
  }

  private AgentState agent(String name, List<String> tools, List<String> delegates) {
    AgentDescriptor descriptor = new AgentDescriptor(AgentDescriptor.API_VERSION, AgentDescriptor.KIND,
        new AgentDescriptor.Metadata(name, "platform", null),
        new AgentDescriptor.Spec(null, null, tools, null, null, null, null, null, null, delegates));
    return new AgentState(descriptor, "rev1", SyncStatus.SYNCED, "", clock.instant());
  }

  private List<AuditEvent> auditOf(String actionPrefix) {
    return audit.list(0, 1000, actionPrefix);
  }

  private static void assertRefused(ThrowingCallable call, String code, String messagePart) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(WardenException.class, e -> assertThat(e.code()).isEqualTo(code))
        .hasMessageContaining(messagePart);
  }

  private AgentPrincipal credentialPrincipal(String agent) {
    return (AgentPrincipal) identity.authenticate(identity.issueCredential(admin, agent).secret());
  }

  private TokenScope scope(String session, Set<String> tools, String usd, Duration ttl) {
    return new TokenScope(session, tools, usd == null ? null : new BigDecimal(usd), clock.instant().plus(ttl), null);
  }

  // ---------------------------------------------------------------- users

  @Test
  void bootstrapAdmin_noUsers_createsAdminOnce() {
    assertThat(admin).isEqualTo(new UserPrincipal("admin", Role.ADMIN, Set.of()));
    assertThat(identity.bootstrapAdmin()).isEmpty();
    assertThat(auditOf("user.create")).singleElement()
        .satisfies(e -> assertThat(e.actor()).isEqualTo("system"))
        .satisfies(e -> assertThat(e.target()).isEqualTo("user/admin"));
  }

  @Test
  void createUser_byAdmin_returnsWorkingTokenShownOnce() {
    IssuedSecret secret = identity.createUser(admin, "alice", Role.APPROVER, Set.of("finance", "platform"));

    assertThat(secret.secret()).matches("wdn_u_[0-9a-f]{16}_[A-Za-z0-9_-]{43}").startsWith("wdn_u_" + secret.id() + "_");
    assertThat(secret.toString()).doesNotContain(secret.secret());
    assertThat(identity.authenticate("Bearer " + secret.secret()))
        .isEqualTo(new UserPrincipal("alice", Role.APPROVER, Set.of("finance", "platform")));
    assertThat(identity.users()).extracting(UserPrincipal::name).containsExactly("admin", "alice");
    // Only the hash is stored.
    assertThat(store.table("users").toString()).doesNotContain(secret.secret().substring(23));
    AuditEvent event = auditOf("user.create").getLast();
    assertThat(event.actor()).isEqualTo("user:admin");
    assertThat(event.details()).containsEntry("role", "approver").containsEntry("tokenId", secret.id());
    assertThat(event.toString()).doesNotContain(secret.secret().substring(23));
  }

  @Test
  void createUser_byNonAdmin_isForbidden() {
    UserPrincipal approver = (UserPrincipal) identity.authenticate(
        identity.createUser(admin, "bob", Role.APPROVER, Set.of()).secret());
    AgentPrincipal agent = credentialPrincipal("loner");

    assertRefused(() -> identity.createUser(approver, "eve", Role.ADMIN, Set.of()), "forbidden", "user:bob may not create users");
    assertRefused(() -> identity.createUser(agent, "eve", Role.ADMIN, Set.of()), "forbidden", "agent:loner may not");
    assertThat(identity.users()).extracting(UserPrincipal::name).containsExactly("admin", "bob");
  }

  @Test
  void createUser_badOrTakenName_isRefused() {
    identity.createUser(admin, "carol", Role.VIEWER, Set.of());

    assertRefused(() -> identity.createUser(admin, "Carol", Role.VIEWER, Set.of()), "invalid_input",
        "user name 'Carol' is not a dns label");
    assertRefused(() -> identity.createUser(admin, "-x", Role.VIEWER, Set.of()), "invalid_input", "'-x'");
    assertRefused(() -> identity.createUser(admin, "a".repeat(64), Role.VIEWER, Set.of()), "invalid_input", "dns label");
    assertRefused(() -> identity.createUser(admin, "dave", Role.VIEWER, Set.of("Bad Team")), "invalid_input",
        "team 'Bad Team'");
    assertRefused(() -> identity.createUser(admin, "dave", null, Set.of()), "invalid_input", "role is required");
    assertRefused(() -> identity.createUser(admin, "carol", Role.ADMIN, Set.of()), "conflict", "user 'carol' already exists");
    assertThat(identity.users()).extracting(UserPrincipal::name).containsExactly("admin", "carol");
  }

  @Test
  void users_surviveRestart() {
    IssuedSecret secret = identity.createUser(admin, "alice", Role.AUTHOR, Set.of("ops"));
    store.close();
    store = StateStore.open(dir.resolve("state.mv.db"));
    identity = newService();

    assertThat(identity.authenticate(secret.secret())).isEqualTo(new UserPrincipal("alice", Role.AUTHOR, Set.of("ops")));
    assertThat(identity.bootstrapAdmin()).isEmpty();
  }

  // ---------------------------------------------------------------- credentials

  @Test
  void resolveQuietly_validSecret_isThePrincipal_refusedOnes_areEmptyAndNotRecorded() {
    IssuedSecret credential = identity.issueCredential(admin, "worker");

    assertThat(identity.resolveQuietly(credential.secret())).contains(new AgentPrincipal("worker", credential.id(), null));
    assertThat(identity.resolveQuietly("wdn_a_nope_nope")).isEmpty();
    assertThat(identity.resolveQuietly("")).isEmpty();
    identity.revokeCredential(admin, "worker", credential.id());
    assertThat(identity.resolveQuietly(credential.secret())).isEmpty();
    // Recording (and auditing) a failure is left to authenticate, which a caller may wait for.
    identity.close();
    assertThat(auditOf(FailedAuthentications.ACTION)).isEmpty();
  }

  @Test
  void issueCredential_forInventoryAgent_authenticatesAsThatAgentOnly() {
    IssuedSecret credential = identity.issueCredential(admin, "worker");

    assertThat(credential.secret()).startsWith("wdn_a_" + credential.id() + "_");
    assertThat(identity.authenticate(credential.secret())).isEqualTo(new AgentPrincipal("worker", credential.id(), null));
    assertThat(identity.credentials("worker")).singleElement()
        .isEqualTo(new IdentityService.CredentialInfo(credential.id(), "worker", clock.instant(), null));
    assertThat(identity.credentials("loner")).isEmpty();
    assertThat(auditOf("credential.issue")).singleElement()
        .satisfies(e -> assertThat(e.details()).isEqualTo(java.util.Map.of("credential", credential.id())))
        .satisfies(e -> assertThat(e.target()).isEqualTo("agent/worker"));
  }

  @Test
  void issueCredential_unknownAgentOrNonAdmin_isRefused() {
    assertRefused(() -> identity.issueCredential(admin, "nobody"), "not_found", "agent 'nobody' is not in the inventory");
    UserPrincipal viewer = (UserPrincipal) identity.authenticate(identity.createUser(admin, "v", Role.VIEWER, Set.of()).secret());
    assertRefused(() -> identity.issueCredential(viewer, "worker"), "forbidden", "needs the admin role");
    assertThat(store.table("credentials")).isEmpty();
  }

  @Test
  void revokeCredential_thenCredentialAndItsTokensFail() {
    AgentPrincipal worker = credentialPrincipal("worker");
    String token = identity.mintToken(worker, "worker", scope("s1", Set.of(READ), null, Duration.ofMinutes(5)));
    assertThat(identity.authenticate(token)).isInstanceOf(AgentPrincipal.class);
    clock.advance(Duration.ofSeconds(1));
    IssuedSecret other = identity.issueCredential(admin, "worker");

    identity.revokeCredential(admin, "worker", worker.credentialId());
    identity.revokeCredential(admin, "worker", worker.credentialId()); // idempotent

    assertThat(identity.credentials("worker")).extracting(IdentityService.CredentialInfo::revokedAt)
        .containsExactly(clock.instant(), null);
    assertRefused(() -> identity.authenticate(token), "unauthorized", "was revoked");
    assertRefused(() -> identity.mintToken(worker, "worker", scope("s1", Set.of(), null, Duration.ofMinutes(1))),
        "unauthorized", "unknown or revoked");
    assertThat(identity.authenticate(other.secret())).isEqualTo(new AgentPrincipal("worker", other.id(), null));
    assertThat(auditOf("credential.revoke")).singleElement()
        .satisfies(e -> assertThat(e.details()).containsEntry("credential", worker.credentialId()));
    assertRefused(() -> identity.revokeCredential(admin, "loner", other.id()), "not_found", "agent 'loner' has no credential");
  }

  // ---------------------------------------------------------------- authentication failures

  @Test
  void authenticate_badSecrets_areUnauthorizedAndAuditedWithoutSecret() {
    IssuedSecret user = identity.createUser(admin, "alice", Role.VIEWER, Set.of());
    IssuedSecret credential = identity.issueCredential(admin, "worker");
    String wrongUserSecret = user.secret().substring(0, user.secret().length() - 4) + "AAAA";
    String wrongAgentSecret = credential.secret().substring(0, credential.secret().length() - 4) + "AAAA";
    String unknownId = "wdn_a_0123456789abcdef_" + "B".repeat(43);

    try (LogCapture logs = LogCapture.of("io.warden")) {
      assertRefused(() -> identity.authenticate(null, "10.0.0.1"), "unauthorized", "missing bearer token");
      assertRefused(() -> identity.authenticate("Bearer  ", "10.0.0.2"), "unauthorized", "missing bearer token");
      assertRefused(() -> identity.authenticate(wrongUserSecret, "10.0.0.3"), "unauthorized", "unknown user token " + user.id());
      assertRefused(() -> identity.authenticate(wrongAgentSecret, "10.0.0.4"), "unauthorized", "unknown agent credential " + credential.id());
      assertRefused(() -> identity.authenticate(unknownId, "10.0.0.5"), "unauthorized", "unknown agent credential 0123456789abcdef");
      assertRefused(() -> identity.authenticate("wdn_u_" + user.id() + "_short", "10.0.0.6"), "unauthorized", "malformed token");
      assertRefused(() -> identity.authenticate("hunter2", "10.0.0.7"), "unauthorized", "unrecognized token format");
      assertRefused(() -> identity.authenticate("a.b.c", "10.0.0.8"), "unauthorized", "malformed token");
      assertThat(String.join("\n", logs.lines())).doesNotContain("AAAA", "hunter2");
    }

    List<AuditEvent> failures = auditOf("auth.failure");
    assertThat(failures).hasSize(8).allSatisfy(e -> assertThat(e.actor()).isEqualTo("anonymous"));
    assertThat(failures.get(2).details()).containsEntry("source", "10.0.0.3").containsEntry("count", 1);
    assertThat(failures.get(2).details()).containsEntry("tokenId", user.id());
    assertThat(failures.get(3).details()).containsEntry("credential", credential.id());
    assertThat(failures.get(5).details()).containsEntry("tokenId", user.id());
    assertThat(failures.toString()).doesNotContain("AAAA", "hunter2", "B".repeat(43));
    assertThat(AuditVerifier.verify(dir.resolve("audit.jsonl")).ok()).isTrue();
  }

  @Test
  void authenticate_fromSourceOverItsBudget_refusesBadSecretsWith429_neverAValidOne() {
    for (int i = 0; i < FailedAuthentications.DEFAULT_BUDGET; i++) {
      assertRefused(() -> identity.authenticate("hunter2", "10.0.0.9"), "unauthorized", "unrecognized token format");
    }
    assertThatThrownBy(() -> identity.authenticate("hunter2", "10.0.0.9"))
        .isInstanceOfSatisfying(TooManyFailedAuthentications.class, e -> {
          assertThat(e.code()).isEqualTo("too_many_requests");
          assertThat(e.retryAfterSeconds()).isBetween(1L, 60L);
        })
        .hasMessageContaining("10.0.0.9");

    // A credential issued now, never seen before, works from the same address.
    IssuedSecret fresh = identity.createUser(admin, "newcomer", Role.VIEWER, Set.of());
    assertThat(identity.authenticate(fresh.secret(), "10.0.0.9").subject()).isEqualTo("user:newcomer");
    AgentPrincipal agent = (AgentPrincipal) identity.authenticate(identity.issueCredential(admin, "worker").secret(),
        "10.0.0.9");
    assertThat(agent.name()).isEqualTo("worker");
    // Callers that give no address are never throttled.
    assertRefused(() -> identity.authenticate("hunter2"), "unauthorized", "unrecognized token format");
  }

  @Test
  void authenticate_agentRemovedFromInventory_isUnauthorized() {
    IssuedSecret credential = identity.issueCredential(admin, "loner");
    inventory.replace("c2", List.of(agent("worker", List.of(READ), List.of())));

    assertRefused(() -> identity.authenticate(credential.secret()), "unauthorized", "agent 'loner' is not in the inventory");
  }

  // ---------------------------------------------------------------- tokens: self

  @Test
  void mintToken_selfFromCredential_narrowsToolsAndCarriesClaims() {
    AgentPrincipal worker = credentialPrincipal("worker");

    String token = identity.mintToken(worker, "worker", scope("task-7", Set.of(READ, EMAIL), "2.50", Duration.ofMinutes(10)));

    AgentPrincipal fromToken = (AgentPrincipal) identity.authenticate(token);
    assertThat(fromToken.name()).isEqualTo("worker");
    assertThat(fromToken.credentialId()).isEqualTo(worker.credentialId());
    assertThat(fromToken.scope()).isEqualTo(new TokenScope("task-7", Set.of(READ, EMAIL), new BigDecimal("2.50"),
        clock.instant().plus(Duration.ofMinutes(10)), List.of("worker")));
    AuditEvent minted = auditOf("token.mint").getLast();
    assertThat(minted.actor()).isEqualTo("agent:worker");
    assertThat(minted.details()).containsEntry("session", "task-7").containsEntry("usdBudget", "2.50")
        .containsEntry("chain", List.of("worker")).containsKey("jti");
    assertThat(minted.toString()).doesNotContain(token);
  }

  @Test
  void mintToken_selfFromCredential_capsExpiryAtOneHour() {
    AgentPrincipal worker = credentialPrincipal("worker");

    String token = identity.mintToken(worker, "worker", scope("s", Set.of(READ), null, Duration.ofDays(30)));

    assertThat(((AgentPrincipal) identity.authenticate(token)).scope().expiresAt())
        .isEqualTo(clock.instant().plus(IdentityService.MAX_TOKEN_TTL));
  }

  @Test
  void mintToken_toolNotInDescriptor_isForbiddenNamingTheTool() {
    AgentPrincipal worker = credentialPrincipal("worker");

    assertRefused(() -> identity.mintToken(worker, "worker", scope("s", Set.of(READ, WRITE), null, Duration.ofMinutes(5))),
        "forbidden", "requested tools [" + WRITE + "] are wider than the scope of agent:worker");
    assertThat(auditOf("token.mint")).isEmpty();
  }

  @Test
  void mintToken_fromToken_canOnlyNarrow() {
    AgentPrincipal worker = credentialPrincipal("worker");
    AgentPrincipal scoped = (AgentPrincipal) identity.authenticate(
        identity.mintToken(worker, "worker", scope("s1", Set.of(READ, EMAIL), "10", Duration.ofMinutes(30))));

    // Narrower in every way: fine, and the expiry is capped at the holder's.
    AgentPrincipal narrower = (AgentPrincipal) identity.authenticate(
        identity.mintToken(scoped, "worker", scope("s1", Set.of(READ), "4", Duration.ofHours(5))));
    assertThat(narrower.scope().tools()).containsExactly(READ);
    assertThat(narrower.scope().expiresAt()).isEqualTo(scoped.scope().expiresAt());
    assertThat(narrower.scope().isWithin(scoped.scope())).isTrue();

    assertRefused(() -> identity.mintToken(scoped, "worker", scope("s1", Set.of(READ, OTHER), "1", Duration.ofMinutes(1))),
        "forbidden", "requested tools [" + OTHER + "] are wider");
    assertRefused(() -> identity.mintToken(scoped, "worker", scope("s1", Set.of(READ), "10.01", Duration.ofMinutes(1))),
        "forbidden", "requested usd budget 10.01 is wider than the 10 usd of agent:worker");
    assertRefused(() -> identity.mintToken(scoped, "worker", scope("s1", Set.of(READ), null, Duration.ofMinutes(1))),
        "forbidden", "requested an unlimited usd budget");
    assertRefused(() -> identity.mintToken(scoped, "worker", scope("s2", Set.of(READ), "1", Duration.ofMinutes(1))),
        "forbidden", "bound to session 's1'");
    assertRefused(() -> identity.mintToken(scoped, "worker", scope("s1", Set.of(READ), "-1", Duration.ofMinutes(1))),
        "invalid_input", "usdBudget must not be negative: -1");
  }

  @Test
  void mintScopedToken_usdBudgetAboveTheAgentsDailyBudget_isCappedAndSaysSo() {
    AgentDescriptor budgeted = new AgentDescriptor(AgentDescriptor.API_VERSION, AgentDescriptor.KIND,
        new AgentDescriptor.Metadata("worker", "platform", null),
        new AgentDescriptor.Spec(null, null, List.of(READ), new AgentDescriptor.Budgets(200, new BigDecimal("40")),
            null, null, null, null, null, List.of()));
    inventory.replace("c2", List.of(new AgentState(budgeted, "rev2", SyncStatus.SYNCED, "", clock.instant())));
    AgentPrincipal worker = credentialPrincipal("worker");

    IdentityService.MintedToken minted = identity.mintScopedToken(worker, "worker",
        scope("s", Set.of(READ), "99999", Duration.ofMinutes(5)));

    assertThat(((AgentPrincipal) identity.authenticate(minted.token())).scope().usdBudget()).isEqualByComparingTo("40");
    assertThat(minted.granted().usdBudgetCapped()).isTrue();
    assertThat(minted.granted().requestedUsdBudget()).isEqualByComparingTo("99999");
    assertThat(minted.granted().usdCap()).isEqualTo("budgets.usd_per_day of agent 'worker'");
    assertThat(auditOf("token.mint").getLast().details()).containsEntry("usdBudget", "40")
        .containsEntry("usdBudgetRequested", "99999")
        .containsEntry("usdBudgetCappedBy", "budgets.usd_per_day of agent 'worker'");
  }

  @Test
  void mintToken_expiryInThePast_isInvalid() {
    AgentPrincipal worker = credentialPrincipal("worker");
    assertRefused(() -> identity.mintToken(worker, "worker", scope("s", Set.of(READ), null, Duration.ofSeconds(-5))),
        "invalid_input", "expiresAt must be in the future");
  }

  @Test
  void mintToken_holderTokenExpired_isUnauthorized() {
    AgentPrincipal worker = credentialPrincipal("worker");
    String token = identity.mintToken(worker, "worker", scope("s", Set.of(READ), null, Duration.ofMinutes(2)));
    AgentPrincipal scoped = (AgentPrincipal) identity.authenticate(token);
    clock.advance(Duration.ofMinutes(3));

    assertRefused(() -> identity.authenticate(token), "unauthorized", "token expired at");
    assertRefused(() -> identity.mintToken(scoped, "worker", scope("s", Set.of(READ), null, Duration.ofMinutes(1))),
        "unauthorized", "expired");
  }

  // ---------------------------------------------------------------- tokens: delegation

  @Test
  void mintToken_forDelegate_growsChainAndStaysWithinBoth() {
    AgentPrincipal orchestrator = credentialPrincipal("orchestrator");
    AgentPrincipal scoped = (AgentPrincipal) identity.authenticate(
        identity.mintToken(orchestrator, "orchestrator", scope("job-1", Set.of(READ, EMAIL, WRITE), "20", Duration.ofMinutes(20))));

    String workerToken = identity.mintToken(scoped, "worker", scope("job-1", Set.of(READ, EMAIL), "5", Duration.ofMinutes(10)));
    AgentPrincipal worker = (AgentPrincipal) identity.authenticate(workerToken);

    assertThat(worker.name()).isEqualTo("worker");
    assertThat(worker.credentialId()).isEqualTo(orchestrator.credentialId());
    assertThat(worker.scope().delegationChain()).containsExactly("orchestrator", "worker");
    assertThat(worker.scope().isWithin(scoped.scope())).isTrue();

    // The worker can delegate further (narrower again), the chain grows once more.
    AgentPrincipal helper = (AgentPrincipal) identity.authenticate(
        identity.mintToken(worker, "helper", scope("job-1", Set.of(READ), "1", Duration.ofMinutes(5))));
    assertThat(helper.scope().delegationChain()).containsExactly("orchestrator", "worker", "helper");
    assertThat(auditOf("token.mint").getLast().target()).isEqualTo("agent/helper");
  }

  @Test
  void mintToken_namingTheDelegatingSpan_carriesTheHopsOfEveryMinter() {
    String t1 = "4bf92f3577b34da6a3ce929d0e0e4736";
    String t2 = "7c1e5a1b2c3d4e5f60718293a4b5c6d7";
    AgentPrincipal orchestrator = credentialPrincipal("orchestrator");
    TokenScope asked = scope("job-2", Set.of(READ, EMAIL), null, Duration.ofMinutes(10));
    AgentPrincipal worker = (AgentPrincipal) identity.authenticate(identity.mintToken(orchestrator, "worker",
        new TokenScope(asked.session(), asked.tools(), null, asked.expiresAt(), List.of(),
            // The hop's agent is always the minter, whatever the request says.
            List.of(new io.warden.core.trace.Delegation.Hop("someone-else", t1, "00f067aa0ba902b7")))));
    assertThat(worker.scope().delegationHops()).extracting(Object::toString)
        .containsExactly("orchestrator@" + t1 + ":00f067aa0ba902b7");

    // The worker delegates on from its own span: the hops grow like the chain.
    AgentPrincipal helper = (AgentPrincipal) identity.authenticate(identity.mintToken(worker, "helper",
        new TokenScope("job-2", Set.of(READ), null, asked.expiresAt(), List.of(),
            List.of(new io.warden.core.trace.Delegation.Hop("worker", t2, "b7ad6b7169203331")))));
    assertThat(helper.scope().delegationChain()).containsExactly("orchestrator", "worker", "helper");
    assertThat(helper.scope().delegationHops()).extracting(Object::toString)
        .containsExactly("orchestrator@" + t1 + ":00f067aa0ba902b7", "worker@" + t2 + ":b7ad6b7169203331");
    // Without a parent, a token names no span.
    assertThat(((AgentPrincipal) identity.authenticate(identity.mintToken(orchestrator, "worker", asked)))
        .scope().delegationHops()).isEmpty();
  }

  @Test
  void mintToken_forDelegate_fromCredentialStartsChainWithHolder() {
    AgentPrincipal orchestrator = credentialPrincipal("orchestrator");

    AgentPrincipal worker = (AgentPrincipal) identity.authenticate(
        identity.mintToken(orchestrator, "worker", scope("s", Set.of(READ), null, Duration.ofMinutes(5))));

    assertThat(worker.scope().delegationChain()).containsExactly("orchestrator", "worker");
  }

  @Test
  void mintToken_forDelegate_widerThanEitherScopeIsForbidden() {
    AgentPrincipal orchestrator = credentialPrincipal("orchestrator");
    AgentPrincipal scoped = (AgentPrincipal) identity.authenticate(
        identity.mintToken(orchestrator, "orchestrator", scope("s", Set.of(READ), null, Duration.ofMinutes(5))));

    // EMAIL is a worker tool and an orchestrator tool, but not in the holder's narrowed token.
    assertRefused(() -> identity.mintToken(scoped, "worker", scope("s", Set.of(READ, EMAIL), null, Duration.ofMinutes(1))),
        "forbidden", "requested tools [" + EMAIL + "] are wider than the scope of agent:orchestrator");
    // WRITE is the orchestrator's, not the worker's.
    assertRefused(() -> identity.mintToken(orchestrator, "worker", scope("s", Set.of(READ, WRITE), null, Duration.ofMinutes(1))),
        "forbidden", "requested tools [" + WRITE + "] are wider than sub-agent 'worker' may use");
  }

  @Test
  void mintToken_forNonDelegate_isForbidden() {
    AgentPrincipal orchestrator = credentialPrincipal("orchestrator");
    AgentPrincipal loner = credentialPrincipal("loner");

    assertRefused(() -> identity.mintToken(orchestrator, "loner", scope("s", Set.of(READ), null, Duration.ofMinutes(1))),
        "forbidden", "agent 'orchestrator' may not delegate to 'loner': it is not in spec.delegates [worker, ghost]");
    assertRefused(() -> identity.mintToken(loner, "orchestrator", scope("s", Set.of(), null, Duration.ofMinutes(1))),
        "forbidden", "may not delegate");
    assertRefused(() -> identity.mintToken(orchestrator, "ghost", scope("s", Set.of(), null, Duration.ofMinutes(1))),
        "not_found", "sub-agent 'ghost' is not in the inventory");
  }

  @Test
  void authenticate_delegationRemovedFromDescriptor_failsForExistingTokens() {
    AgentPrincipal orchestrator = credentialPrincipal("orchestrator");
    String workerToken = identity.mintToken(orchestrator, "worker", scope("s", Set.of(READ), null, Duration.ofMinutes(5)));
    inventory.replace("c2", List.of(
        agent("orchestrator", List.of(READ, WRITE, EMAIL), List.of()),
        agent("worker", List.of(READ, EMAIL, OTHER), List.of())));

    assertRefused(() -> identity.authenticate(workerToken), "unauthorized",
        "delegation orchestrator -> worker is no longer allowed");
  }

  // ---------------------------------------------------------------- tokens: forgery

  @Test
  void authenticate_forgedOrTamperedTokens_areUnauthorized() throws Exception {
    AgentPrincipal worker = credentialPrincipal("worker");
    String token = identity.mintToken(worker, "worker", scope("s", Set.of(READ), null, Duration.ofMinutes(5)));
    String[] parts = token.split("\\.");
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();

    // Payload swapped for one naming another agent: the signature no longer matches.
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
        .replace("\"sub\":\"worker\"", "\"sub\":\"orchestrator\"");
    String tampered = parts[0] + "." + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    assertRefused(() -> identity.authenticate(tampered), "unauthorized", "bad token signature");

    // alg "none".
    String none = b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + ".";
    assertRefused(() -> identity.authenticate(none), "unauthorized", "malformed token");

    // Correct shape, signed with another key.
    SignedJWT foreign = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
        .issuer("warden").subject("worker").claim("cred", worker.credentialId()).claim("sid", "s")
        .claim("tools", List.of(READ)).claim("chain", List.of("worker"))
        .expirationTime(Date.from(clock.instant().plusSeconds(60))).build());
    foreign.sign(new MACSigner(new byte[32]));
    assertRefused(() -> identity.authenticate(foreign.serialize()), "unauthorized", "bad token signature");

    // One source: its first failure is audited at once, the others in one summary.
    List<AuditEvent> failures = auditOf("auth.failure");
    assertThat(failures).hasSize(1);
    assertThat(failures.getFirst().details()).containsEntry("claimedCredential", worker.credentialId());
    identity.close();
    assertThat(auditOf("auth.failure")).hasSize(2).last()
        .satisfies(e -> assertThat(e.details()).containsEntry("count", 2).containsEntry("summary", true));
  }

  @Test
  void signingKey_isCreated0600AndReusedAcrossRestarts() throws Exception {
    Path key = dir.resolve("keys/signing.key");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
    byte[] before = Files.readAllBytes(key);
    AgentPrincipal worker = credentialPrincipal("worker");
    String token = identity.mintToken(worker, "worker", scope("s", Set.of(READ), null, Duration.ofMinutes(5)));

    identity = newService();

    assertThat(Files.readAllBytes(key)).isEqualTo(before);
    assertThat(Base64.getUrlDecoder().decode(new String(before, StandardCharsets.US_ASCII).strip())).hasSize(32);
    assertThat(identity.authenticate(token)).isInstanceOf(AgentPrincipal.class);
    try (var files = Files.list(key.getParent())) {
      assertThat(files).containsExactly(key); // no temp files left behind
    }
  }

  @Test
  void everyMutation_isAuditedInOneValidChain() {
    identity.createUser(admin, "alice", Role.AUTHOR, Set.of());
    AgentPrincipal worker = credentialPrincipal("worker");
    identity.mintToken(worker, "worker", scope("s", Set.of(READ), null, Duration.ofMinutes(5)));
    identity.revokeCredential(admin, "worker", worker.credentialId());

    assertThat(auditOf("")).extracting(AuditEvent::action)
        .containsExactly("user.create", "user.create", "credential.issue", "token.mint", "credential.revoke");
    assertThat(AuditVerifier.verify(dir.resolve("audit.jsonl")).ok()).isTrue();
  }

  // ---------------------------------------------------------------- tokens for executors

  @Test
  void mintForExecutor_agentWithoutCredential_issuesOneAsSystemAndMintsASessionToken() {
    String token = identity.mintForExecutor("worker", "s-7", Duration.ofMinutes(15));

    AgentPrincipal principal = (AgentPrincipal) identity.authenticate(token);
    assertThat(principal.name()).isEqualTo("worker");
    assertThat(principal.scope().session()).isEqualTo("s-7");
    assertThat(principal.scope().tools()).containsExactlyInAnyOrder(READ, EMAIL, OTHER);
    assertThat(principal.scope().expiresAt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(15)));
    assertThat(identity.credentials("worker")).singleElement()
        .satisfies(c -> assertThat(c.id()).isEqualTo(principal.credentialId()));
    assertThat(auditOf("credential.issue")).singleElement().satisfies(e -> assertThat(e.actor()).isEqualTo("system"));
    assertThat(auditOf("token.mint")).singleElement().satisfies(e -> {
      assertThat(e.actor()).isEqualTo("system");
      assertThat(e.details()).containsEntry("session", "s-7");
      assertThat(e.details().toString()).doesNotContain(token);
    });

    // A second mint reuses the credential and is capped at the longest token lifetime.
    String later = identity.mintForExecutor("worker", "runtime", Duration.ofDays(2));
    assertThat(identity.credentials("worker")).hasSize(1);
    assertThat(((AgentPrincipal) identity.authenticate(later)).scope().expiresAt())
        .isEqualTo(clock.instant().plus(IdentityService.MAX_TOKEN_TTL));
  }

  @Test
  void mintForExecutor_usesTheNewestLiveCredential_andRevocationCutsTheAgentOff() {
    AgentPrincipal first = credentialPrincipal("worker");
    clock.advance(Duration.ofSeconds(1));
    AgentPrincipal second = credentialPrincipal("worker");
    assertThat(((AgentPrincipal) identity.authenticate(identity.mintForExecutor("worker", "s", Duration.ofMinutes(1))))
        .credentialId()).isEqualTo(second.credentialId());

    identity.revokeCredential(admin, "worker", first.credentialId());
    identity.revokeCredential(admin, "worker", second.credentialId());

    assertRefused(() -> identity.mintForExecutor("worker", "s", Duration.ofMinutes(1)), "forbidden",
        "every credential of agent 'worker' is revoked");
    assertThat(identity.credentials("worker")).hasSize(2);
    assertRefused(() -> identity.mintForExecutor("nobody", "s", Duration.ofMinutes(1)), "not_found",
        "agent 'nobody' is not in the inventory");
  }
}
