package io.warden.core.trace;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SpanCodecTest {
  @Test
  void str_asciiAndNonAscii_roundTrip() {
    SpanCodec.Out out = new SpanCodec.Out(16);
    String long200 = "x".repeat(200); // length needs a two-byte varint
    out.str("plain ascii");
    out.str("");
    out.str("Grüße, 請求書 4711 🧾");
    out.str(long200);
    out.str("ascii then é at the end");

    byte[] bytes = out.toByteArray();
    SpanCodec.In in = new SpanCodec.In(bytes, 0, bytes.length);

    assertThat(in.str()).isEqualTo("plain ascii");
    assertThat(in.str()).isEmpty();
    assertThat(in.str()).isEqualTo("Grüße, 請求書 4711 🧾");
    assertThat(in.str()).isEqualTo(long200);
    assertThat(in.str()).isEqualTo("ascii then é at the end");
    assertThat(in.hasMore()).isFalse();
  }
}
