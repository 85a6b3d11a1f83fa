package io.warden.policy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.warden.core.WardenException;
import io.warden.core.change.ChangeCheck;
import io.warden.core.inventory.MainBranchListener;
import io.warden.core.policy.PolicyDecider;
import io.warden.policy.internal.EngineStatus;
import io.warden.policy.internal.MvDecisionLog;
import io.warden.policy.internal.OpaAdmissionCheck;
import io.warden.policy.internal.OpaCli;
import io.warden.policy.internal.OpaClient;
import io.warden.policy.internal.OpaException;
import io.warden.policy.internal.OpaPolicyDecider;
import io.warden.policy.internal.OpaSidecar;
import io.warden.policy.internal.PolicyBundle;
import io.warden.policy.internal.PolicySync;
import io.warden.policy.internal.RepoDocuments;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warden's policy engine: a real OPA server and everything Warden does with it. Packaging builds one,
 * {@link #start()}s it, and wires its parts:
 * <ul>
 *   <li>{@link #mainListener()} into reconcile: each new main's {@code policies/*.rego} (tests
 *       excluded) and data ({@code data.warden.main}: descriptors, tool allow-list, pricing) are
 *       checked locally with {@code opa check}, then pushed to OPA all or nothing;</li>
 *   <li>{@link #admissionCheck()} into the change-request checks ({@code opa-admission});</li>
 *   <li>{@link #decider()} into the gateways: cached, fail-closed runtime decisions;</li>
 *   <li>{@link #decisions()} behind {@code GET /api/v1/decisions}, and {@link #health()} on the
 *       status page.</li>
 * </ul>
 * The sidecar ({@code opa run --server --addr 127.0.0.1:<port>}) logs to {@code <dataDir>/opa.log}
 * and is restarted with backoff when it dies; main's policies are pushed again before decisions
 * reach it. Thread-safe.
 */
public final class PolicyEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyEngine.class);

  /** The name of the admission check on change requests. */
  public static final String CHECK_NAME = OpaAdmissionCheck.NAME;

  /** The reason of a deny made because OPA could not be asked. */
  public static final String UNAVAILABLE = OpaPolicyDecider.UNAVAILABLE;

  /** Resource directory of the seed files, and the files in it. */
  private static final String SEED_ROOT = "/io/warden/policy/seed/";
  private static final List<String> SEED_FILES = List.of(
      "policies/budget.rego", "policies/budget_test.rego",
      "policies/model_pinning.rego", "policies/model_pinning_test.rego",
      "policies/tools.rego", "policies/tools_test.rego",
      "policies/payments.rego", "policies/payments_test.rego",
      "policies/governance.rego", "policies/governance_test.rego",
      "policies/runtime.rego", "policies/runtime_test.rego",
      "policies/autonomy.rego", "policies/autonomy_test.rego",
      "tools/allowed.yaml");

  private final ObjectMapper json = JsonMapper.builder().build();
  private final URI opaUrl;
  private final Duration probeTimeout;
  private final Duration startTimeout;
  private final Duration probeInterval;
  private final ScheduledExecutorService worker;
  private final OpaClient client;
  private final EngineStatus status;
  private final PolicySync sync;
  private final MvDecisionLog log;
  private final OpaPolicyDecider decider;
  private final OpaAdmissionCheck admission;
  private final RepoDocuments docs;
  private final OpaSidecar sidecar;
  private final MainBranchListener mainListener;
  private volatile boolean started;
  private volatile boolean closed;
  private int probeFailures;

  PolicyEngine(PolicyEngineBuilder b) {
    this.startTimeout = b.startTimeout;
    this.probeInterval = b.probeInterval;
    this.probeTimeout = b.callTimeout.compareTo(Duration.ofSeconds(1)) < 0 ? b.callTimeout : Duration.ofSeconds(1);
    int port = b.externalOpa != null ? -1
        : b.sidecarPort == null ? PolicyEngineBuilder.DEFAULT_SIDECAR_PORT
        : b.sidecarPort == 0 ? freePort() : b.sidecarPort;
    this.opaUrl = b.externalOpa != null ? b.externalOpa : URI.create("http://127.0.0.1:" + port);
    this.worker = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform()
        .name("PolicyEngine_Worker").daemon().unstarted(r));
    this.client = new OpaClient(opaUrl, b.decisionDeadline, json);
    this.status = new EngineStatus(b.breakerOpenFor, b.clock, b.audit, worker);
    OpaCli cli = new OpaCli(b.opaBinary, b.cliTimeout, json);
    this.docs = new RepoDocuments(json);
    this.log = MvDecisionLog.open(b.dataDir.resolve("decisions.mv.db"), b.logSyncInterval, b.decisionRetention, b.clock);
    // The decider does not exist yet when sync is built; the revision callback reaches it through this.
    this.sync = new PolicySync(client, cli, json, b.callTimeout, revision -> invalidateCache());
    this.decider = new OpaPolicyDecider(client, sync, status, log, json, b.clock, b.decisionDeadline, b.timeBucket, b.cacheSize);
    this.admission = new OpaAdmissionCheck(client, sync, status, cli, docs, json, b.callTimeout, b.shadowEvidence,
        b.modelShadowEvidence);
    this.sidecar = b.externalOpa != null ? null : new OpaSidecar(b.opaBinary, port, b.dataDir, client,
        new SidecarListener(), b.restartBackoff, b.restartBackoffMax);
    this.mainListener = main -> sync.setMain(PolicyBundle.fromMain(main, docs, json), PolicyBundle.sources(main));
  }

  public static PolicyEngineBuilder builder() {
    return new PolicyEngineBuilder();
  }

  /**
   * Starts the sidecar and waits until it answers (throws if the binary is missing or OPA does not
   * come up in time), or, with an external OPA, probes it once (an external OPA that is down
   * leaves the engine in {@link EngineState#ERROR}, denying, until it answers). Then probes OPA
   * periodically: a hung sidecar is killed and restarted; an OPA that lost main's policies gets
   * them again.
   */
  public synchronized void start() {
    if (started) {
      return;
    }
    if (closed) {
      throw new IllegalStateException("policy engine is closed");
    }
    if (sidecar != null) {
      sidecar.start(startTimeout);
    } else {
      probe();
    }
    started = true;
    worker.scheduleWithFixedDelay(this::probe, probeInterval.toMillis(), probeInterval.toMillis(), TimeUnit.MILLISECONDS);
    LOG.info("policy engine started: opa at {} ({})", opaUrl, sidecar != null ? "sidecar, log " + sidecar.logFile() : "external");
  }

  /**
   * Stops the probe and the sidecar, then writes out and closes the decision log. Quietly: OPA
   * stopping because of this is not reported as the engine going down (no log, no audit event).
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    status.stopping();
    if (sidecar != null) {
      sidecar.close();
    }
    worker.shutdown();
    try {
      worker.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.close();
  }

  /** Runtime decisions for the gateways; fail closed. */
  public PolicyDecider decider() {
    return decider;
  }

  /** The {@value #CHECK_NAME} check for change requests. */
  public ChangeCheck admissionCheck() {
    return admission;
  }

  /**
   * Pushes each new main to OPA. Throws {@link WardenException} {@code invalid_input} (with
   * file:line problems) when main's policies do not compile or OPA refuses them; the previous
   * revision stays enforced. Throws {@code unavailable} when OPA is down; the bundle is pushed as
   * soon as it is back.
   */
  public MainBranchListener mainListener() {
    return mainListener;
  }

  /**
   * Runs {@code listener} each time OPA becomes available again (after an outage, and when first up),
   * on the engine's worker thread: hand long work to another thread. E.g. re-run change-request
   * checks that errored while it was down.
   */
  public void onAvailable(Runnable listener) {
    status.onUp(listener);
  }

  public DecisionLog decisions() {
    return log;
  }

  /** The main commit whose policies OPA enforces, "" before the first. */
  public String policyRevision() {
    return sync.revision();
  }

  public URI opaUrl() {
    return opaUrl;
  }

  /** The sidecar's pid, or -1 (external OPA, or not running). */
  public long sidecarPid() {
    return sidecar == null ? -1 : sidecar.pid();
  }

  public EngineState state() {
    return assess().state();
  }

  private record Assessment(EngineState state, String message) {}

  private Assessment assess() {
    String rev = PolicyBundle.shortRev(sync.revision());
    if (!started) {
      return new Assessment(EngineState.NOT_READY, closed ? "policy engine closed" : "policy engine not started");
    }
    if (!status.available()) {
      String why = String.valueOf(status.describe().get("reason"));
      return new Assessment(EngineState.ERROR, UNAVAILABLE + ": " + why + "; every runtime decision is denied");
    }
    if (sync.desired() == null) {
      return new Assessment(EngineState.NOT_READY, "opa at " + opaUrl + " is up; waiting for main's policies");
    }
    if (!sync.lastError().isEmpty()) {
      return new Assessment(EngineState.WARN, sync.lastError() + "; enforcing " + rev);
    }
    if (!sync.inSync()) {
      return new Assessment(EngineState.WARN, "pushing main's policies at "
          + PolicyBundle.shortRev(sync.desired().revision()) + "; enforcing " + rev);
    }
    return new Assessment(EngineState.OK, "opa at " + opaUrl + " enforces main's policies at " + rev);
  }

  /**
   * For the status page and {@code /healthz}: {@code state} (NOT_READY, OK, WARN, ERROR),
   * {@code message}, {@code policy_revision}, and details (OPA URL and mode, sidecar pid and
   * starts, breaker, cache and decision-log figures).
   */
  public Map<String, Object> health() {
    Assessment a = assess();
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("state", a.state().name());
    h.put("message", a.message());
    h.put("policy_revision", sync.revision());
    h.put("opa_url", opaUrl.toString());
    h.put("mode", sidecar != null ? "sidecar" : "external");
    if (sidecar != null) {
      h.put("sidecar_pid", sidecar.pid());
      h.put("sidecar_starts", sidecar.starts());
    }
    h.putAll(status.describe());
    long[] cache = decider.cacheStats();
    h.put("cache_size", cache[0]);
    h.put("cache_hits", cache[1]);
    h.put("cache_misses", cache[2]);
    h.put("decisions_pending", log.pending());
    if (!log.failure().isEmpty()) {
      h.put("decision_log_failure", log.failure());
    }
    return h;
  }

  /**
   * The example policies, their tests and the tool allow-list, by repository path, for seeding the
   * Warden repository: {@code policies/*.rego}, {@code policies/*_test.rego}, {@code tools/allowed.yaml}.
   * They admit the example agent {@code agents/reconciliation-finance.yaml}.
   */
  public static Map<String, byte[]> seedFiles() {
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (String path : SEED_FILES) {
      try (InputStream in = PolicyEngine.class.getResourceAsStream(SEED_ROOT + path)) {
        if (in == null) {
          throw new IllegalStateException("seed file " + path + " missing from the warden-policy jar");
        }
        out.put(path, in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  private void invalidateCache() {
    // Called from sync's constructor callback only after construction completed.
    if (decider != null) {
      decider.invalidate();
    }
  }

  /** Health probe on the worker: marks OPA down or up, re-pushes lost policies, kills a hung sidecar. */
  private void probe() {
    if (closed || status.isStopping()) {
      return;
    }
    try {
      client.health(probeTimeout);
      if (sidecar == null && sync.desired() != null && !sync.opaHoldsApplied()) {
        sync.forgetApplied(); // an external OPA restarted empty
      }
      if (sidecar == null || sidecar.pid() > 0) {
        sync.reconcile();
      }
      probeFailures = 0;
      if ("FORCED_OPEN".equals(status.breakerState()) && sync.inSync() && (sidecar == null || sidecar.pid() > 0)) {
        status.opaUp();
      }
    } catch (OpaException.Unavailable e) {
      probeFailures++;
      if (probeFailures >= 2 || sidecar == null) {
        status.opaDown("opa health probe failed: " + e.getMessage());
      }
      if (sidecar != null && probeFailures >= 3 && sidecar.pid() > 0) {
        sidecar.kill();
        probeFailures = 0;
      }
    } catch (WardenException | OpaException e) {
      if (!status.isStopping()) { // a probe in flight when shutdown began fails by design
        LOG.warn("policy engine probe: {}", e.getMessage());
      }
    } catch (RuntimeException e) {
      if (!status.isStopping()) {
        LOG.warn("policy engine probe failed", e);
      }
    }
  }

  private final class SidecarListener implements OpaSidecar.Listener {
    @Override
    public void onUp(long pid, int start) {
      sync.forgetApplied();
      try {
        sync.reconcile();
        status.opaUp();
      } catch (WardenException e) {
        // main's policies could not be pushed: stay down; the probe retries.
        status.opaDown("opa restarted but main's policies could not be pushed: " + e.getMessage());
      }
    }

    @Override
    public void onStopping() {
      // A JVM shutdown hook or close(): OPA is stopped on purpose, not lost.
      status.stopping();
    }

    @Override
    public void onDown(String reason) {
      // The next process starts empty: nothing counts as applied until it is pushed again.
      sync.forgetApplied();
      status.opaDown(reason);
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port for the opa sidecar", e);
    }
  }
}
