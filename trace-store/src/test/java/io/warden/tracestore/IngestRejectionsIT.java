package io.warden.tracestore;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.warden.tracestore.IngestRejections.Reason;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A span the SDK exporter reports as sent but Warden rejects in {@code partial_success} is not lost
 * without a sign: it is counted against the credential's agent, with its span id.
 */
@Timeout(120)
class IngestRejectionsIT extends RunningStore {

  @Test
  void export_spanClaimingAnotherAgent_isCountedAgainstTheCredentialsAgent() {
    String impostorSpanId;
    String impostorTraceId;
    try (OtelSdk sdk = new OtelSdk(OtelSdk.Protocol.HTTP, "127.0.0.1", store.httpPort(),
        ids.secret(Identities.RESEARCHER), Identities.RESEARCHER)) {
      sdk.tracer().spanBuilder("honest").startSpan().end();
      Span impostor = sdk.tracer().spanBuilder("impostor").setAttribute("warden.agent", Identities.PLANNER)
          .startSpan();
      impostorSpanId = impostor.getSpanContext().getSpanId();
      impostorTraceId = impostor.getSpanContext().getTraceId();
      impostor.end();
      // The exporter reports success: the rejection is visible only here.
      assertThat(sdk.flush()).isTrue();
    }

    IngestRejections.Summary summary = store.ingestRejections().summary(Identities.RESEARCHER);
    assertThat(summary.counts()).isEqualTo(Map.of(Reason.OTHER_AGENT_CLAIMED, 1L));
    assertThat(summary.recent()).singleElement().satisfies(r -> {
      assertThat(r.spanId()).isEqualTo(impostorSpanId);
      assertThat(r.traceId()).isEqualTo(impostorTraceId);
      assertThat(r.message()).contains("claims agent '" + Identities.PLANNER + "'");
    });
    assertThat(store.ingestRejections().summary(Identities.PLANNER).counts()).isEmpty();
  }
}
