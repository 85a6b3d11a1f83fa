package io.warden.api;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.warden.tracestore.IngestRejections;

/**
 * {@code warden_ingest_rejected_spans_total{agent,reason}}: one counter per agent and reason that
 * ingest rejected spans for, registered when the first such span comes. Label cardinality stays
 * bounded: the reasons are a fixed enum and {@link IngestRejections} keeps a bounded number of agents.
 */
public final class IngestRejectionMetrics {
  public static final String NAME = "warden_ingest_rejected_spans";

  private IngestRejectionMetrics() {}

  /** Registers the counters of {@code rejections} in {@code registry}, now and as new ones appear. */
  public static void register(MeterRegistry registry, IngestRejections rejections) {
    rejections.onNewSeries((agent, reason) -> FunctionCounter
        .builder(NAME, rejections, r -> r.count(agent, reason))
        .description("spans ingest rejected in partial_success, by the credential's agent and reason")
        .tags("agent", agent, "reason", reason.label())
        .register(registry));
  }
}
