package io.warden.tracestore.internal.ingest;

import io.warden.core.trace.SpanCodec;
import io.warden.core.trace.SpanText;
import io.warden.core.trace.SpanRecord;
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

  public byte[] encode() {
    int estimate = 64;
    for (SpanRecord s : spans) {
      estimate += 512 + s.text().length();
    }
    for (SpanText a : attachments) {
      estimate += 96 + a.text().length();
    }
    SpanCodec.Out out = new SpanCodec.Out(estimate);
    out.b(VERSION);
    SpanCodec.writeList(out, spans);
    out.varint(attachments.size());
    for (SpanText a : attachments) {
      out.str(a.traceId());
      out.str(a.spanId());
      out.str(a.agent());
      out.i64(a.timeEpochNanos());
      out.str(a.text());
    }
    return out.toByteArray();
  }

  public static IngestBatch decode(byte[] bytes) {
    SpanCodec.In in = new SpanCodec.In(bytes, 0, bytes.length);
    byte version = in.b();
    if (version != VERSION) {
      throw new IllegalStateException("unknown ingest batch version " + version);
    }
    List<SpanRecord> spans = SpanCodec.readList(in);
    int n = in.varint();
    List<SpanText> atts = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      atts.add(new SpanText(in.str(), in.str(), in.str(), in.i64(), in.str()));
    }
    return new IngestBatch(spans, atts);
  }
}
