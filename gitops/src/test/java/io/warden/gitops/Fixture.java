package io.warden.gitops;

import io.warden.core.audit.AuditEvent;
import io.warden.core.audit.AuditLog;
import io.warden.core.change.ChangeCheck;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.store.StateStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A Warden data directory with the real repository, state store and audit log, for tests. */
final class Fixture implements AutoCloseable {

  static final UserPrincipal ALICE = new UserPrincipal("alice", Role.AUTHOR, Set.of());
  static final UserPrincipal BOB = new UserPrincipal("bob", Role.APPROVER, Set.of("platform"));
  static final UserPrincipal CAROL = new UserPrincipal("carol", Role.APPROVER, Set.of());
  static final UserPrincipal VIEWER = new UserPrincipal("vera", Role.VIEWER, Set.of());

  final Path dir;
  final AuditLog audit;
  final StateStore store;
  final WardenRepository repo;
  final ChangeRequests changes;

  private Fixture(Path dir, List<ChangeCheck> checks) {
    this.dir = dir;
    this.audit = AuditLog.open(dir.resolve("audit.log"));
    this.store = StateStore.open(dir.resolve("state.mv"));
    this.repo = WardenRepository.open(dir.resolve("git/warden.git"), WardenRepository.defaultSeed(), audit);
    this.changes = ChangeRequests.create(repo, store, audit, checks, Clock.systemUTC());
  }

  static Fixture open(Path dir, List<ChangeCheck> checks) {
    return new Fixture(dir, checks);
  }

  static Fixture open(Path dir) {
    return new Fixture(dir, ChangeRequests.defaultChecks());
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String agentYaml(String name, String extraSpec) {
    return io.warden.gitops.check.Changes.agent(name, extraSpec);
  }

  List<String> auditActions() {
    return audit.list(0, 10_000, "").stream().map(AuditEvent::action).toList();
  }

  ChangeRequest open(UserPrincipal who, String title, Map<String, String> files) {
    Map<String, byte[]> upserts = new java.util.TreeMap<>();
    files.forEach((k, v) -> upserts.put(k, utf8(v)));
    return changes.openFromFiles(who, title, upserts, Set.of());
  }

  @Override
  public void close() {
    repo.close();
    store.close();
    audit.close();
  }
}
