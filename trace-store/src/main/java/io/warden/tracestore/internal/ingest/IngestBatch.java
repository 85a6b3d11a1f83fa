package io.warden.tracestore.internal.ingest;

import io.warden.core.trace.SpanCodec;
import io.warden.core.trace.SpanText;
import io.warden.core.trace.SpanRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * What one accepted export request adds: mapped spans and text attachments. This is the payload of
 * one write-ahead log entry.
 *
 * <p>Internal: not public API.
 */
public record IngestBatch(List<SpanRecord> spans, List<SpanText> attachments) {
  private static final byte VERSION = 1;

  public IngestBatch {
    spans = List.copyOf(spans);
    attachments = List.copyOf(attachments);
  }

  public boolean isEmpty() {
    return spans.isEmpty() && attachments.isEmpty();
  }

  /** Spans and attachments: what the store applier counts against its queue bound and batch size. */
  public int items() {
    return spans.size() + attachments.size();
  }

  /** The payload of this batch's log entry. */
  public byte[] encode() {
    return encoded().payload();
  }

  /** The payload of this batch's log entry, with where each span's encoding is in it. */
  public Encoded encoded() {
    int estimate = 64;
    for (SpanRecord s : spans) {
      estimate += 512 + s.text().length();
    }
    for (SpanText a : attachments) {
      estimate += 96 + a.text().length();
    }
    SpanCodec.Out out = new SpanCodec.Out(estimate);
    out.b(VERSION);
    // SpanCodec.writeList's layout, one span at a time to note where each starts.
    out.varint(spans.size());
    int[] starts = new int[spans.size() + 1];
    for (int i = 0; i < spans.size(); i++) {
      starts[i] = out.length();
      SpanCodec.write(out, spans.get(i));
    }
    starts[spans.size()] = out.length();
    out.varint(attachments.size());
    for (SpanText a : attachments) {
      out.str(a.traceId());
      out.str(a.spanId());
      out.str(a.agent());
      out.i64(a.timeEpochNanos());
      out.str(a.text());
    }
    return new Encoded(this, out.toByteArray(), starts);
  }

  public static IngestBatch decode(byte[] bytes) {
    return decodeEncoded(bytes).batch();
  }

  /** The batch of a log entry's payload, with where each span's encoding is in it. */
  public static Encoded decodeEncoded(byte[] bytes) {
    SpanCodec.In in = new SpanCodec.In(bytes, 0, bytes.length);
    byte version = in.b();
    if (version != VERSION) {
      throw new IllegalStateException("unknown ingest batch version " + version);
    }
    int count = in.varint();
    List<SpanRecord> spans = new ArrayList<>(count);
    int[] starts = new int[count + 1];
    for (int i = 0; i < count; i++) {
      starts[i] = in.position();
      spans.add(SpanCodec.read(in));
    }
    starts[count] = in.position();
    int n = in.varint();
    List<SpanText> atts = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      atts.add(new SpanText(in.str(), in.str(), in.str(), in.i64(), in.str()));
    }
    return new Encoded(new IngestBatch(spans, atts), bytes, starts);
  }

  /**
   * A batch with its log entry's payload, and where in the payload each span's {@link SpanCodec}
   * encoding starts ({@code spanStarts[i]}; the last element is where the spans end), so the stores
   * that keep encoded spans take these bytes instead of encoding every span again.
   */
  public record Encoded(IngestBatch batch, byte[] payload, int[] spanStarts) {
    /** Each span's encoding, in the order of the batch's spans: views of the payload, not copies. */
    public List<ByteBuffer> spanEncodings() {
      List<ByteBuffer> out = new ArrayList<>(spanStarts.length - 1);
      for (int i = 0; i + 1 < spanStarts.length; i++) {
        out.add(ByteBuffer.wrap(payload, spanStarts[i], spanStarts[i + 1] - spanStarts[i]));
      }
      return out;
    }
  }
}
