package io.warden.policy;

import io.warden.core.audit.AuditLog;
import io.warden.core.shadow.ModelShadowEvidence;
import io.warden.core.shadow.ShadowEvidence;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Configures a {@link PolicyEngine}. Required: {@link #setDataDir(Path)} and {@link #setOpaBinary(Path)}
 * (also used with an external OPA, for {@code opa check} and {@code opa test} of proposed
 * policies). Either a sidecar ({@link #setSidecarPort(int)}, the default on {@value #DEFAULT_SIDECAR_PORT})
 * or {@link #setExternalOpa(URI)}, not both.
 */
public final class PolicyEngineBuilder {

  public static final int DEFAULT_SIDECAR_PORT = 8181;
  /** Longest wait for a runtime decision from OPA: {@value} ms; past it the decision is a deny. */
  public static final long DEFAULT_DECISION_DEADLINE_MS = 250;
  /** Longest wait for OPA's admission evaluation and policy pushes: {@value} ms. */
  public static final long DEFAULT_CALL_TIMEOUT_MS = 5_000;
  /** Longest {@code opa check} / {@code opa test} run on proposed policies: {@value} ms. */
  public static final long DEFAULT_CLI_TIMEOUT_MS = 60_000;
  /** Longest wait for the sidecar to come up in {@link PolicyEngine#start()}: {@value} ms. */
  public static final long DEFAULT_START_TIMEOUT_MS = 20_000;
  /** How long the breaker refuses calls once open, before one trial call: {@value} ms. */
  public static final long DEFAULT_BREAKER_OPEN_MS = 1_000;
  /** How often OPA's health and state are probed: {@value} ms. */
  public static final long DEFAULT_PROBE_INTERVAL_MS = 1_000;
  /** First delay before restarting a dead sidecar, doubled up to the maximum: {@value} ms. */
  public static final long DEFAULT_RESTART_BACKOFF_MS = 100;
  public static final long DEFAULT_RESTART_BACKOFF_MAX_MS = 5_000;
  /** Decision inputs' time is rounded down to this for caching: {@value} ms (one minute). */
  public static final long DEFAULT_TIME_BUCKET_MS = 60_000;
  public static final long DEFAULT_CACHE_SIZE = 100_000;
  /** The decision log writer wakes at least this often: {@value} ms. */
  public static final long DEFAULT_LOG_SYNC_INTERVAL_MS = 100;
  /** Decisions older than this many days are removed from the log: {@value}. */
  public static final long DEFAULT_DECISION_RETENTION_DAYS = 30;

  Path opaBinary;
  Integer sidecarPort;
  URI externalOpa;
  Path dataDir;
  AuditLog audit;
  Clock clock = Clock.systemUTC();
  Duration decisionDeadline = Duration.ofMillis(DEFAULT_DECISION_DEADLINE_MS);
  Duration callTimeout = Duration.ofMillis(DEFAULT_CALL_TIMEOUT_MS);
  Duration cliTimeout = Duration.ofMillis(DEFAULT_CLI_TIMEOUT_MS);
  Duration startTimeout = Duration.ofMillis(DEFAULT_START_TIMEOUT_MS);
  Duration breakerOpenFor = Duration.ofMillis(DEFAULT_BREAKER_OPEN_MS);
  Duration probeInterval = Duration.ofMillis(DEFAULT_PROBE_INTERVAL_MS);
  Duration restartBackoff = Duration.ofMillis(DEFAULT_RESTART_BACKOFF_MS);
  Duration restartBackoffMax = Duration.ofMillis(DEFAULT_RESTART_BACKOFF_MAX_MS);
  Duration timeBucket = Duration.ofMillis(DEFAULT_TIME_BUCKET_MS);
  long cacheSize = DEFAULT_CACHE_SIZE;
  Duration logSyncInterval = Duration.ofMillis(DEFAULT_LOG_SYNC_INTERVAL_MS);
  Duration decisionRetention = Duration.ofDays(DEFAULT_DECISION_RETENTION_DAYS);
  ShadowEvidence shadowEvidence = ShadowEvidence.NONE;
  ModelShadowEvidence modelShadowEvidence = ModelShadowEvidence.NONE;

  PolicyEngineBuilder() {}

  /** The {@code opa} binary ({@code .tools/bin/opa} after {@code scripts/install.sh}). */
  public PolicyEngineBuilder setOpaBinary(Path binary) {
    this.opaBinary = Objects.requireNonNull(binary, "opaBinary");
    return this;
  }

  /** Run OPA as a supervised sidecar on {@code 127.0.0.1:<port>}; 0 picks a free port at build. */
  public PolicyEngineBuilder setSidecarPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("sidecarPort must be 0-65535, got " + port);
    }
    if (externalOpa != null) {
      throw new IllegalStateException("sidecarPort cannot be combined with externalOpa (" + externalOpa + ")");
    }
    this.sidecarPort = port;
    return this;
  }

  /** Use an OPA server run by someone else ({@code http://opa.internal:8181}); no sidecar. */
  public PolicyEngineBuilder setExternalOpa(URI url) {
    Objects.requireNonNull(url, "externalOpa");
    if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
      throw new IllegalArgumentException("externalOpa must be an http(s) URL, got '" + url + "'");
    }
    if (sidecarPort != null) {
      throw new IllegalStateException("externalOpa cannot be combined with sidecarPort (" + sidecarPort + ")");
    }
    this.externalOpa = url;
    return this;
  }

  /** Directory for {@code opa.log}, {@code opa.pid} and {@code decisions.mv.db} (e.g. {@code <data>/policy}). */
  public PolicyEngineBuilder setDataDir(Path dir) {
    this.dataDir = Objects.requireNonNull(dir, "dataDir");
    return this;
  }

  /** Where {@code policy.engine.down} / {@code policy.engine.up} go; none when not set. */
  public PolicyEngineBuilder setAudit(AuditLog audit) {
    this.audit = Objects.requireNonNull(audit, "audit");
    return this;
  }

  public PolicyEngineBuilder setClock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  public PolicyEngineBuilder setDecisionDeadline(Duration d) {
    this.decisionDeadline = positive("decisionDeadline", d);
    return this;
  }

  /**
   * Where admission reads the shadow-mode evidence of an agent leaving {@code spec.autonomy: shadow}
   * ({@code input.shadow_evidence}); defaults to {@link ShadowEvidence#NONE} (no evidence, so the
   * seeded autonomy rule refuses such a change).
   */
  public PolicyEngineBuilder setShadowEvidence(ShadowEvidence evidence) {
    this.shadowEvidence = Objects.requireNonNull(evidence, "evidence");
    return this;
  }

  /**
   * Where admission reads the model gateway's shadow evidence for an agent whose {@code spec.model}
   * a change moves ({@code input.model_shadow_evidence}); defaults to {@link ModelShadowEvidence#NONE}
   * (no samples, so the seeded model-pinning rule refuses such a change).
   */
  public PolicyEngineBuilder setModelShadowEvidence(ModelShadowEvidence evidence) {
    this.modelShadowEvidence = Objects.requireNonNull(evidence, "evidence");
    return this;
  }

  public PolicyEngineBuilder setCallTimeout(Duration d) {
    this.callTimeout = positive("callTimeout", d);
    return this;
  }

  public PolicyEngineBuilder setCliTimeout(Duration d) {
    this.cliTimeout = positive("cliTimeout", d);
    return this;
  }

  public PolicyEngineBuilder setStartTimeout(Duration d) {
    this.startTimeout = positive("startTimeout", d);
    return this;
  }

  public PolicyEngineBuilder setBreakerOpenFor(Duration d) {
    this.breakerOpenFor = positive("breakerOpenFor", d);
    return this;
  }

  public PolicyEngineBuilder setProbeInterval(Duration d) {
    this.probeInterval = positive("probeInterval", d);
    return this;
  }

  public PolicyEngineBuilder setRestartBackoff(Duration initial, Duration max) {
    this.restartBackoff = positive("restartBackoff", initial);
    this.restartBackoffMax = positive("restartBackoffMax", max);
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("restartBackoffMax (" + max + ") must not be below restartBackoff (" + initial + ")");
    }
    return this;
  }

  public PolicyEngineBuilder setTimeBucket(Duration d) {
    this.timeBucket = positive("timeBucket", d);
    return this;
  }

  public PolicyEngineBuilder setCacheSize(long entries) {
    if (entries < 0) {
      throw new IllegalArgumentException("cacheSize must not be negative, got " + entries);
    }
    this.cacheSize = entries;
    return this;
  }

  public PolicyEngineBuilder setLogSyncInterval(Duration d) {
    this.logSyncInterval = positive("logSyncInterval", d);
    return this;
  }

  public PolicyEngineBuilder setDecisionRetention(Duration d) {
    this.decisionRetention = positive("decisionRetention", d);
    return this;
  }

  /** Checks the options and opens the decision log; {@link PolicyEngine#start()} starts OPA. */
  public PolicyEngine build() {
    if (dataDir == null) {
      throw new IllegalStateException("dataDir is required");
    }
    if (opaBinary == null) {
      throw new IllegalStateException("opaBinary is required (also with externalOpa: it runs opa check and opa test)");
    }
    return new PolicyEngine(this);
  }

  private static Duration positive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
    return d;
  }
}
