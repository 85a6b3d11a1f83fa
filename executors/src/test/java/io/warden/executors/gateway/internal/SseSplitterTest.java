package io.warden.executors.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Server-sent events cut out of reads however the bytes fall, as text ({@link SseSplitter}'s
 * consumer of strings) and as byte ranges with their {@code data:} read where they are
 * ({@link SseSplitter.Data}), the way the gateway relays a stream.
 */
class SseSplitterTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Events as text, the stream fed in reads of {@code sizes} bytes (the last size repeats). */
  private static List<String> texts(byte[] stream, int... sizes) {
    List<String> out = new ArrayList<>();
    SseSplitter s = new SseSplitter(out::add);
    feed(s, stream, sizes);
    s.finish();
    return out;
  }

  /** The data of each event, read from its bytes. */
  private static List<String> datas(byte[] stream, int... sizes) {
    List<String> out = new ArrayList<>();
    SseSplitter.Data data = new SseSplitter.Data();
    SseSplitter s = new SseSplitter((b, from, to) -> out.add(data.read(b, from, to).toString()));
    feed(s, stream, sizes);
    s.finish();
    return out;
  }

  private static void feed(SseSplitter s, byte[] stream, int... sizes) {
    int at = 0;
    for (int i = 0; at < stream.length; i++) {
      int n = Math.min(stream.length - at, sizes[Math.min(i, sizes.length - 1)]);
      byte[] read = new byte[n + 4];
      System.arraycopy(stream, at, read, 2, n); // not at the array's start: ranges must be honoured
      s.feed(read, 2, 2 + n);
      at += n;
    }
  }

  @Test
  void eventsSplitAcrossReads_comeOutWhole_inOrder() {
    byte[] stream = utf8("data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n");
    for (int size = 1; size <= stream.length; size++) {
      assertThat(texts(stream, size)).as("reads of %d bytes", size)
          .containsExactly("data: {\"a\":1}", "data: {\"b\":2}", "data: [DONE]");
      assertThat(datas(stream, size)).containsExactly("{\"a\":1}", "{\"b\":2}", "[DONE]");
    }
  }

  @Test
  void crlfLines_areSplitAndReadWithoutTheirCarriageReturns() {
    byte[] stream = utf8("event: x\r\ndata: one\r\n\r\ndata: two\r\n\r\n");
    for (int size = 1; size <= stream.length; size++) {
      assertThat(texts(stream, size)).containsExactly("event: x\ndata: one", "data: two");
    }
    assertThat(SseSplitter.plain(utf8("data: one\r"), 0, 10)).isFalse();
  }

  @Test
  void dataWithoutSpace_multiLineData_commentsAndOtherFields() {
    byte[] stream = utf8(": keep-alive\n\nid: 7\nevent: message_delta\ndata:{\"x\":\ndata: 1}\n\ndata:\n\n");
    assertThat(texts(stream, 3)).containsExactly(": keep-alive", "id: 7\nevent: message_delta\ndata:{\"x\":\ndata: 1}",
        "data:");
    assertThat(datas(stream, 3)).containsExactly("", "{\"x\":\n1}", "");
    for (String event : texts(stream, 1000)) {
      byte[] b = utf8(event);
      assertThat(new SseSplitter.Data().read(b, 0, b.length).toString()).isEqualTo(SseSplitter.data(event));
    }
  }

  @Test
  void utf8CharactersCutBetweenReads_areDecodedWhole() {
    byte[] stream = utf8("data: {\"t\":\"héllo ✓ 😀\"}\n\n");
    for (int size = 1; size <= 8; size++) {
      assertThat(texts(stream, size)).containsExactly("data: {\"t\":\"héllo ✓ 😀\"}");
      assertThat(datas(stream, size)).containsExactly("{\"t\":\"héllo ✓ 😀\"}");
    }
  }

  @Test
  void blankEventsAreSkipped_andTheRestIsHandedOnAtTheEnd() {
    assertThat(texts(utf8("\n\n \t\n\ndata: a\n\n  data: tail \n"), 4)).containsExactly("data: a", "data: tail");
    assertThat(texts(utf8("\n\n\r\n"), 1)).isEmpty();
    SseSplitter s = new SseSplitter(e -> { });
    s.feed(utf8("data: a\n\ndata: b"));
    assertThat(s.pendingBytes()).isEqualTo(7);
  }

  @Test
  void plain_meansWellFormedUtf8WithoutCarriageReturns() {
    assertThat(SseSplitter.plain(utf8("data: héllo ✓ 😀"), 0, utf8("data: héllo ✓ 😀").length)).isTrue();
    assertThat(plain(0x61, 0xc3)).isFalse(); // cut short
    assertThat(plain(0xc0, 0x80)).isFalse(); // overlong
    assertThat(plain(0xe0, 0x80, 0x80)).isFalse(); // overlong
    assertThat(plain(0xed, 0xa0, 0x80)).isFalse(); // a surrogate
    assertThat(plain(0xf4, 0x90, 0x80, 0x80)).isFalse(); // beyond U+10FFFF
    assertThat(plain(0x80)).isFalse(); // a continuation byte first
    assertThat(plain(0xe2, 0x9c, 0x93)).isTrue();
  }

  private static boolean plain(int... bytes) {
    byte[] b = new byte[bytes.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) bytes[i];
    }
    return SseSplitter.plain(b, 0, b.length);
  }

  /**
   * Random streams (CRLF and LF, data with and without space, several data lines, comments,
   * characters of 1 to 4 bytes, malformed bytes) cut into random reads: the events and their data
   * are those of reading the whole stream as text, split on blank lines.
   */
  @Test
  void randomStreams_inRandomReads_agreeWithReadingTheWholeTextAtOnce() {
    Random random = new Random(42);
    String[] pieces = {"data: ", "data:", ": c", "event: e", "id: 1", "x", "é", "✓", "😀", " ", "\t", "{\"k\":\"v\"}",
        "[DONE]"};
    for (int round = 0; round < 500; round++) {
      ByteArrayOutputStream stream = new ByteArrayOutputStream();
      int lines = 1 + random.nextInt(12);
      for (int l = 0; l < lines; l++) {
        for (int p = random.nextInt(4); p >= 0; p--) {
          stream.writeBytes(utf8(pieces[random.nextInt(pieces.length)]));
        }
        if (random.nextInt(20) == 0) {
          stream.write(0xff); // malformed: decoded as U+FFFD
        }
        stream.writeBytes(utf8(random.nextBoolean() ? "\n" : "\r\n"));
        if (random.nextInt(3) == 0) {
          stream.writeBytes(utf8(random.nextBoolean() ? "\n" : "\r\n"));
        }
      }
      byte[] bytes = stream.toByteArray();
      List<String> expected = reference(bytes);
      int size = 1 + random.nextInt(bytes.length);
      List<String> events = texts(bytes, size, 1 + random.nextInt(bytes.length));
      assertThat(events).as("round %d", round).isEqualTo(expected);
      List<String> relayedData = new ArrayList<>();
      SseSplitter.Data data = new SseSplitter.Data();
      SseSplitter s = new SseSplitter((b, from, to) -> {
        if (!SseSplitter.plain(b, from, to)) {
          b = utf8(SseSplitter.text(b, from, to));
          from = 0;
          to = b.length;
        }
        relayedData.add(data.read(b, from, to).toString());
      });
      feed(s, bytes, size);
      s.finish();
      assertThat(relayedData).isEqualTo(expected.stream().map(SseSplitter::data).toList());
    }
  }

  /** The events of the whole stream read as text at once. */
  private static List<String> reference(byte[] stream) {
    String text = new String(stream, StandardCharsets.UTF_8);
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) != '\n') {
        continue;
      }
      boolean blank = i + 1 < text.length() && text.charAt(i + 1) == '\n';
      boolean blankCr = i + 2 < text.length() && text.charAt(i + 1) == '\r' && text.charAt(i + 2) == '\n';
      if (blank || blankCr) {
        String event = text.substring(start, i).replace("\r", "");
        if (!event.isBlank()) {
          out.add(event);
        }
        start = i + (blank ? 2 : 3);
        i = start - 1;
      }
    }
    String rest = text.substring(start).replace("\r", "").strip();
    if (!rest.isEmpty()) {
      out.add(rest);
    }
    return out;
  }
}
