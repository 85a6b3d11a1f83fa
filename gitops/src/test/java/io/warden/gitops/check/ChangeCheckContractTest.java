package io.warden.gitops.check;

import static io.warden.gitops.check.Changes.agent;
import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.change.ChangeCheck;
import io.warden.core.change.CheckResult;
import io.warden.core.change.FileChange;
import io.warden.core.change.ProposedChange;
import io.warden.core.change.RepoSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link ChangeCheck} keeps, tested once here and run against each check by
 * subclassing (Lucene's {@code Base*TestCase} pattern): a stable, well-formed name that every result
 * carries; a result, never null and never a thrown exception, for any change, well-formed or not;
 * no side effects (the change's snapshots are left as they were, and no state carries from one run
 * to the next); the same results when called concurrently, as {@code ChangeRequests} may.
 *
 * <p>A subclass gives {@link #newCheck()} and {@link #expectedName()}, and may add
 * {@link #samples()} of its own to the shared ones.
 */
public abstract class ChangeCheckContractTest {

  /** A fresh instance of the check under test. */
  protected abstract ChangeCheck newCheck();

  /** The name the check must report, forever (it is stored on change requests). */
  protected abstract String expectedName();

  /** Changes every check must handle: valid, invalid, malformed, empty, deleting, outside the layout. */
  protected List<ProposedChange> samples() {
    Map<String, String> main = Map.of(
        "agents/a.yaml", agent("a", ""),
        "agents/b.yaml", agent("b", "delegates: [a]"),
        "policies/budget.rego", "package budget\n",
        "README.md", "# repo\n");
    List<ProposedChange> out = new ArrayList<>();
    out.add(Changes.onMain(main).build());
    out.add(Changes.onMain(main).write("agents/c.yaml", agent("c", "delegates: [a, b]")).build());
    out.add(Changes.onMain(main).write("agents/c.yaml", agent("c", "budgets:\n  usd_per_day: -5\n")).build());
    out.add(Changes.onMain(main).write("agents/c.yaml", "apiVersion: [\n").build());
    out.add(Changes.onMain(main).write("agents/c.yaml", new byte[] {(byte) 0xff, 0, (byte) 0xfe, 10}).build());
    out.add(Changes.onMain(main).write("agents/d.yaml", agent("e", "delegates: [ghost]")).build());
    out.add(Changes.onMain(main).delete("agents/a.yaml").build());
    out.add(Changes.onMain(main).write("src/run.sh", "rm -rf /").write("tools/x.md", "x").build());
    out.add(Changes.onMain(Map.of()).write("agents/a.yaml", agent("a", "")).build());
    out.add(Changes.onMain(main).write("agents/a.yaml", "").build());
    return out;
  }

  @Test
  void name_stableWellFormedAndOnEveryResult() throws Exception {
    ChangeCheck check = newCheck();
    assertThat(check.name()).isEqualTo(expectedName()).isEqualTo(check.name()).isEqualTo(newCheck().name());
    assertThat(check.name()).matches("[a-z][a-z0-9-]{0,62}");
    for (ProposedChange change : samples()) {
      assertThat(check.run(change).check()).as("result name for %s", change.changes()).isEqualTo(expectedName());
    }
  }

  @Test
  void run_anyChange_resultNeverNullNorThrown() throws Exception {
    ChangeCheck check = newCheck();
    for (ProposedChange change : samples()) {
      CheckResult result = check.run(change);
      assertThat(result).as("result for %s", change.changes()).isNotNull();
      assertThat(result.summary()).as("summary for %s", change.changes()).isNotBlank();
      assertThat(result.status()).as("a valid check runs on any input: %s", change.changes())
          .isNotEqualTo(CheckResult.Status.ERROR);
      if (result.status() == CheckResult.Status.FAILED) {
        assertThat(result.problems()).as("a failure says where, for %s", change.changes()).isNotEmpty();
      }
    }
  }

  @Test
  void run_leavesTheChangeAsItWas() throws Exception {
    ChangeCheck check = newCheck();
    for (ProposedChange change : samples()) {
      Map<String, byte[]> base = copy(change.base());
      Map<String, byte[]> head = copy(change.head());
      List<FileChange> files = List.copyOf(change.changes());
      check.run(change);
      assertThat(change.base().files()).as("base files").containsOnlyKeys(base.keySet());
      assertThat(change.head().files()).as("head files").containsOnlyKeys(head.keySet());
      base.forEach((path, bytes) -> assertThat(change.base().files().get(path)).as("base %s", path).isEqualTo(bytes));
      head.forEach((path, bytes) -> assertThat(change.head().files().get(path)).as("head %s", path).isEqualTo(bytes));
      assertThat(change.changes()).isEqualTo(files);
    }
  }

  @Test
  void run_noStateCarriesBetweenRuns() throws Exception {
    List<ProposedChange> samples = samples();
    List<CheckResult> fresh = new ArrayList<>();
    for (ProposedChange change : samples) {
      fresh.add(newCheck().run(change));
    }
    ChangeCheck reused = newCheck();
    for (int round = 0; round < 2; round++) {
      for (int i = samples.size() - 1; i >= 0; i--) {
        assertThat(reused.run(samples.get(i))).as("sample %d, round %d", i, round).isEqualTo(fresh.get(i));
      }
    }
  }

  @Test
  void run_concurrently_sameResultsAsAlone() throws Exception {
    List<ProposedChange> samples = samples();
    ChangeCheck check = newCheck();
    List<CheckResult> alone = new ArrayList<>();
    for (ProposedChange change : samples) {
      alone.add(check.run(change));
    }
    try (ExecutorService threads = Executors.newFixedThreadPool(4)) {
      List<Future<CheckResult>> results = new ArrayList<>();
      for (int copy = 0; copy < 4; copy++) {
        for (ProposedChange change : samples) {
          results.add(threads.submit(() -> check.run(change)));
        }
      }
      for (int i = 0; i < results.size(); i++) {
        assertThat(results.get(i).get()).isEqualTo(alone.get(i % samples.size()));
      }
    }
  }

  private static Map<String, byte[]> copy(RepoSnapshot snapshot) {
    Map<String, byte[]> out = new TreeMap<>();
    snapshot.files().forEach((path, bytes) -> out.put(path, bytes.clone()));
    return out;
  }
}
