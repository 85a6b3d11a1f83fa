package io.warden.policy.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.core.Problem;
import io.warden.core.WardenException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps OPA holding main's policies and data, and makes a switch of revision look atomic.
 *
 * <p>OPA's REST API replaces one policy module per {@code PUT}, so a bundle of several files cannot
 * be swapped in one request. Instead: (1) the bundle is verified locally with {@code opa check}
 * before OPA sees any of it; (2) the swap holds a write lock that every query takes for reading,
 * so no decision or admission sees half a bundle; (3) modules are put and deleted until all are
 * applied, retrying those OPA refused while others were missing (one file may use a rule another
 * file adds); (4) if OPA still refuses, or stops answering midway, the modules and data that were
 * there before are put back. Only ids under {@value PolicyBundle#ID_PREFIX} are managed.
 *
 * <p>The last bundle main asked for is kept ({@link #desired()}), so a restarted or emptied OPA is
 * filled again by {@link #reconcile()}.
 *
 * <p>Internal: not public API.
 */
public final class PolicySync {
  private static final Logger LOG = LoggerFactory.getLogger(PolicySync.class);

  /** Where {@link io.warden.policy.api.MainDataV1} lives in OPA's data tree. */
  public static final String MAIN_DATA_PATH = "warden/main";

  private final OpaClient client;
  private final OpaCli cli;
  private final ObjectMapper json;
  private final Duration callTimeout;
  private final Consumer<String> onRevision;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Object applying = new Object();
  private volatile PolicyBundle desired;
  private volatile PolicyBundle applied;
  private volatile String rejectedRevision = "";
  private volatile String lastError = "";

  /**
   * @param onRevision told the new revision after each swap that changed it (cache invalidation)
   */
  public PolicySync(OpaClient client, OpaCli cli, ObjectMapper json, Duration callTimeout, Consumer<String> onRevision) {
    this.client = Objects.requireNonNull(client, "client");
    this.cli = Objects.requireNonNull(cli, "cli");
    this.json = Objects.requireNonNull(json, "json");
    this.callTimeout = Objects.requireNonNull(callTimeout, "callTimeout");
    this.onRevision = Objects.requireNonNull(onRevision, "onRevision");
  }

  /** What a query reads from OPA under the read lock. */
  @FunctionalInterface
  public interface Query<T> {
    T run(String revision);
  }

  /**
   * Runs {@code query} with the revision OPA holds, never during a swap. Waits at most {@code wait}
   * for a swap to end, then gives up as unavailable.
   */
  public <T> T read(Duration wait, Query<T> query) {
    boolean locked;
    try {
      locked = lock.readLock().tryLock(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OpaException.Unavailable("interrupted waiting for a policy swap to finish", e);
    }
    if (!locked) {
      throw new OpaException.Unavailable("policies are being swapped and the swap took longer than "
          + wait.toMillis() + " ms", null);
    }
    try {
      return query.run(revision());
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The revision OPA enforces, "" before the first bundle was applied. */
  public String revision() {
    PolicyBundle a = applied;
    return a == null ? "" : a.revision();
  }

  public PolicyBundle desired() {
    return desired;
  }

  /** True when OPA holds the last bundle main asked for (or main never asked). */
  public boolean inSync() {
    PolicyBundle d = desired;
    return d == null || d == applied;
  }

  /** Why the last bundle was not applied, "" when it was. */
  public String lastError() {
    return lastError;
  }

  /**
   * Verifies and applies main's bundle. Throws {@code invalid_input} with located problems when its
   * policies do not compile or OPA refuses them (the previous revision stays in force), and
   * {@code unavailable} when OPA cannot be reached (the bundle is applied when OPA is back).
   *
   * @param sources repository path to source of every non-test policy, for {@code opa check}
   */
  public void setMain(PolicyBundle bundle, Map<String, String> sources) {
    List<Problem> problems = cli.verify(sources, false);
    if (!problems.isEmpty()) {
      lastError = "policies on main at " + PolicyBundle.shortRev(bundle.revision()) + " do not compile: " + problems.get(0);
      throw new WardenException("invalid_input", lastError + "; still enforcing " + PolicyBundle.shortRev(revision()), problems);
    }
    desired = bundle;
    rejectedRevision = "";
    apply(bundle);
  }

  /** Pushes the desired bundle if OPA does not hold it (after a restart, or after OPA was down). */
  public void reconcile() {
    PolicyBundle d = desired;
    if (d != null && d != applied && !d.revision().equals(rejectedRevision)) {
      apply(d);
    }
  }

  /** OPA lost its state (a new process): everything must be pushed again. */
  public void forgetApplied() {
    applied = null;
  }

  /** Checks that OPA still holds what we pushed (an external OPA may have restarted). */
  public boolean opaHoldsApplied() {
    PolicyBundle a = applied;
    if (a == null) {
      return false;
    }
    JsonNode rev = client.getData(MAIN_DATA_PATH + "/revision", callTimeout);
    return a.revision().equals(rev.asText(null));
  }

  private void apply(PolicyBundle bundle) {
    String before;
    synchronized (applying) {
      before = revision();
      lock.writeLock().lock();
      try {
        Map<String, String> oldPolicies;
        JsonNode oldData;
        try {
          oldPolicies = managed(client.listPolicies(callTimeout));
          oldData = client.getData(MAIN_DATA_PATH, callTimeout);
        } catch (OpaException e) {
          lastError = "cannot push main's policies at " + PolicyBundle.shortRev(bundle.revision()) + ": " + e.getMessage();
          throw new WardenException("unavailable", lastError + "; they are pushed when opa answers again");
        }
        try {
          client.putData(MAIN_DATA_PATH, bundle.data(), callTimeout);
          converge(oldPolicies, bundle.policies());
        } catch (OpaException e) {
          restore(bundle.policies(), oldPolicies, oldData);
          if (e instanceof OpaException.Rejected r) {
            rejectedRevision = bundle.revision();
            lastError = "opa refused main's policies at " + PolicyBundle.shortRev(bundle.revision()) + ": " + r.describe();
            throw new WardenException("invalid_input", lastError + "; still enforcing "
                + PolicyBundle.shortRev(revision()), problems(r));
          }
          lastError = "cannot push main's policies at " + PolicyBundle.shortRev(bundle.revision()) + ": " + e.getMessage();
          throw new WardenException("unavailable", lastError + "; they are pushed when opa answers again");
        }
        applied = bundle;
        lastError = "";
      } finally {
        lock.writeLock().unlock();
      }
    }
    if (!before.equals(bundle.revision())) {
      LOG.info("opa enforces main's policies at {} ({} modules)", PolicyBundle.shortRev(bundle.revision()),
          bundle.policies().size());
      onRevision.accept(bundle.revision());
    }
  }

  private void restore(Map<String, String> attempted, Map<String, String> oldPolicies, JsonNode oldData) {
    try {
      Map<String, String> now = managed(client.listPolicies(callTimeout));
      converge(now, oldPolicies);
      if (oldData.isMissingNode()) {
        client.deleteData(MAIN_DATA_PATH, callTimeout);
      } else {
        client.putData(MAIN_DATA_PATH, json.writeValueAsBytes(oldData), callTimeout);
      }
    } catch (OpaException | IOException e) {
      // OPA's state is unknown now: mark nothing applied so the next reconcile pushes everything.
      applied = null;
      LOG.warn("could not restore opa's previous policies after a failed swap ({} modules attempted); "
          + "they are pushed again when opa answers", attempted.size(), e);
    }
  }

  /**
   * Puts and deletes modules until OPA holds exactly {@code target}. A module OPA refuses is tried
   * again after the others; when a whole round makes no progress, the first refusal is thrown.
   */
  private void converge(Map<String, String> current, Map<String, String> target) {
    Map<String, String> pending = new LinkedHashMap<>(); // id -> source, or null to delete
    target.forEach((id, src) -> {
      if (!src.equals(current.get(id))) {
        pending.put(id, src);
      }
    });
    current.keySet().stream().filter(id -> !target.containsKey(id)).forEach(id -> pending.put(id, null));
    while (!pending.isEmpty()) {
      OpaException.Rejected firstRefusal = null;
      boolean progress = false;
      for (Iterator<Map.Entry<String, String>> it = pending.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<String, String> op = it.next();
        try {
          if (op.getValue() == null) {
            client.deletePolicy(op.getKey(), callTimeout);
          } else {
            client.putPolicy(op.getKey(), op.getValue(), callTimeout);
          }
          it.remove();
          progress = true;
        } catch (OpaException.Rejected e) {
          if (firstRefusal == null) {
            firstRefusal = e;
          }
        }
      }
      if (!progress) {
        throw firstRefusal;
      }
    }
  }

  private static Map<String, String> managed(Map<String, String> all) {
    Map<String, String> out = new TreeMap<>();
    all.forEach((id, raw) -> {
      if (id.startsWith(PolicyBundle.ID_PREFIX)) {
        out.put(id, raw);
      }
    });
    return out;
  }

  private static List<Problem> problems(OpaException.Rejected r) {
    List<Problem> out = new ArrayList<>();
    for (OpaException.OpaError e : r.errors()) {
      out.add(new Problem(PolicyBundle.pathOf(e.file().isEmpty() ? "policies" : e.file()),
          Math.max(0, e.row()), Math.max(0, e.col()), "", e.code() + ": " + e.message()));
    }
    if (out.isEmpty()) {
      out.add(Problem.ofFile("policies", r.code() + ": " + r.getMessage()));
    }
    return out;
  }
}
