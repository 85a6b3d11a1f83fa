package io.warden.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.change.CheckResult;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.testing.ChildJvm;
import io.warden.testing.GitCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability under {@code kill -9}: a child JVM opens, approves and merges change requests in a loop
 * and prints each one once the call returned; the test kills it mid-flight, reopens the data
 * directory and finds every acknowledged change request intact and the repository consistent.
 */
@Timeout(120)
class CrashIT {

  @TempDir Path dir;

  /** The child: writes until killed, acknowledging each finished operation on stdout. */
  public static void main(String[] args) {
    Path data = Path.of(args[0]);
    try (Fixture f = Fixture.open(data)) {
      UserPrincipal alice = new UserPrincipal("alice", Role.AUTHOR, Set.of());
      UserPrincipal bob = new UserPrincipal("bob", Role.APPROVER, Set.of());
      for (int i = 0; ; i++) {
        ChangeRequest cr = f.changes.openFromFiles(alice, "agent " + i,
            Map.of("agents/agent-" + i + ".yaml", Fixture.utf8(Fixture.agentYaml("agent-" + i, ""))), Set.of());
        System.out.println("opened " + cr.id());
        f.changes.approve(bob, cr.id());
        if (i % 2 == 0) {
          f.changes.merge(bob, cr.id());
          System.out.println("merged " + cr.id());
        }
        System.out.flush();
      }
    }
  }

  @Test
  void killDashNine_acknowledgedChangesSurvive() throws Exception {
    Path data = dir.resolve("data");
    List<String> acknowledged;
    try (ChildJvm child = ChildJvm.start(CrashIT.class, List.of(), data.toString())) {
      child.awaitLines(lines -> lines.stream().filter(l -> l.startsWith("merged")).count() >= 4, Duration.ofSeconds(90));
      child.killHard(); // SIGKILL, mid-way through the next operation
      acknowledged = child.lines().stream().filter(l -> l.startsWith("opened ") || l.startsWith("merged ")).toList();
    }
    assertThat(acknowledged).as("child output").isNotEmpty();

    try (Fixture f = Fixture.open(data)) {
      for (String ack : acknowledged) {
        String id = ack.substring(ack.indexOf(' ') + 1);
        ChangeRequest cr = f.changes.get(id);
        assertThat(f.repo.refId("refs/changes/" + id + "/head")).hasValue(ObjectId.fromString(cr.headCommit()));
        assertThat(cr.checks()).allMatch(CheckResult::passed);
        if (ack.startsWith("merged")) {
          assertThat(cr.status()).isEqualTo(ChangeRequest.Status.MERGED);
          assertThat(f.repo.isAncestor(ObjectId.fromString(cr.mergeCommit()), f.repo.mainId())).isTrue();
        }
      }
      // Whatever was half-done is consistent now: every open change's branch matches its record.
      for (ChangeRequest cr : f.changes.list(ChangeRequest.Status.OPEN)) {
        assertThat(f.repo.refId("refs/heads/" + cr.branch())).hasValue(ObjectId.fromString(cr.headCommit()));
        assertThat(cr.checkedHead()).isEqualTo(cr.headCommit());
      }
      // The store and Git agree on main: every merged change's agent is on main.
      for (ChangeRequest cr : f.changes.list(ChangeRequest.Status.MERGED)) {
        String agent = "agents/agent-" + cr.title().substring("agent ".length()) + ".yaml";
        assertThat(f.repo.snapshot("main").files()).containsKey(agent);
      }
      assertThat(Files.exists(data.resolve("git/warden.git/objects"))).isTrue();
    }
    GitCli.Result fsck = new GitCli(Files.createDirectories(dir.resolve("home")))
        .run(data.resolve("git/warden.git"), "test", "fsck", "--no-dangling");
    assertThat(fsck.exit()).as(fsck.stderr()).isZero();
  }
}
