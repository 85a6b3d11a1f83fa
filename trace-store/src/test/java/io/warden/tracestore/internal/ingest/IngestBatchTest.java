package io.warden.tracestore.internal.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.trace.SpanCodec;
import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanText;
import io.warden.tracestore.SpanFixtures;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A log entry's payload keeps its format, and knows where each span's encoding is in it, whether
 * the batch was just encoded or read back from the log: the bytes the Lucene store keeps as each
 * span's source instead of encoding it again.
 */
class IngestBatchTest {
  private static final List<SpanRecord> SPANS = List.of(
      SpanFixtures.span("b1", 1, "agent-a", "chat", 0).text("prompt é 😀").build(),
      SpanFixtures.span("b1", 2, "agent-b", "execute_tool", 1).toolName("ledger-read").build(),
      SpanFixtures.span("b2", 3, "agent-a", "chat", 2).build());
  private static final List<SpanText> TEXTS = List.of(new SpanText("t", "s", "agent-a", 5, "late text"));

  private static byte[] bytes(ByteBuffer b) {
    return Arrays.copyOfRange(b.array(), b.arrayOffset() + b.position(), b.arrayOffset() + b.limit());
  }

  @Test
  void eachSpansEncoding_isItsSpanCodecBytes_encodedAndReadBack() {
    IngestBatch batch = new IngestBatch(SPANS, TEXTS);
    IngestBatch.Encoded written = batch.encoded();
    IngestBatch.Encoded read = IngestBatch.decodeEncoded(written.payload());
    assertThat(read.batch()).isEqualTo(batch);
    for (IngestBatch.Encoded e : List.of(written, read)) {
      List<ByteBuffer> encodings = e.spanEncodings();
      assertThat(encodings).hasSize(SPANS.size());
      for (int i = 0; i < SPANS.size(); i++) {
        assertThat(bytes(encodings.get(i))).as("span %d", i).isEqualTo(SpanCodec.encode(SPANS.get(i)));
      }
    }
  }

  @Test
  void thePayload_keepsTheLogFormat() {
    IngestBatch batch = new IngestBatch(SPANS, TEXTS);
    byte[] payload = batch.encode();
    // Version byte, then SpanCodec's list: what entries already in a log hold.
    SpanCodec.In in = new SpanCodec.In(payload, 1, payload.length - 1);
    assertThat(SpanCodec.readList(in)).isEqualTo(SPANS);
    assertThat(IngestBatch.decode(payload)).isEqualTo(batch);
    assertThat(new IngestBatch(List.of(), TEXTS).encoded().spanEncodings()).isEmpty();
  }
}
