package io.warden.tracestore.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.apache.lucene.util.BytesRef;
import org.junit.jupiter.api.Test;

class SpanKeyHashesTest {

  @Test
  void hash_ofTheParts_isTheHashOfTheKey() {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String spanId = "00f067aa0ba902b7";
    assertThat(SpanKeyHashes.hash(traceId, spanId)).isEqualTo(SpanKeyHashes.hash(traceId + ":" + spanId));
    assertThat(SpanKeyHashes.hash(traceId, spanId)).isNotEqualTo(SpanKeyHashes.hash(spanId, traceId));
  }

  @Test
  void hashOfIdTerm_isTheHashOfTheSpansKey() {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String spanId = "00f067aa0ba902b7";
    // The id term is spanId:traceId; the key traceId:spanId.
    assertThat(SpanKeyHashes.hashOfIdTerm(new BytesRef(SpanIdQueries.idOfKey(traceId + ":" + spanId))))
        .isEqualTo(SpanKeyHashes.hash(traceId, spanId));
    assertThat(SpanKeyHashes.hashOfIdTerm(new BytesRef("spän:tröce"))).isEqualTo(SpanKeyHashes.hash("tröce", "spän"));
    assertThat(SpanKeyHashes.hashOfIdTerm(new BytesRef("x:y:z"))).isEqualTo(SpanKeyHashes.hash("y:z", "x"));
    BytesRef inside = new BytesRef("..b:a..".getBytes(java.nio.charset.StandardCharsets.UTF_8), 2, 3);
    assertThat(SpanKeyHashes.hashOfIdTerm(inside)).isEqualTo(SpanKeyHashes.hash("a", "b"));
  }

  @Test
  void add_manyHashes_eachFoundAndOthersNot() {
    SpanKeyHashes set = new SpanKeyHashes();
    assertThat(set.isEmpty()).isTrue();
    Random random = new Random(42);
    long[] added = new long[100_000];
    for (int i = 0; i < added.length; i++) {
      added[i] = random.nextLong();
      assertThat(set.add(added[i])).isTrue();
    }
    assertThat(set.add(added[7])).isFalse();
    assertThat(set.size()).isEqualTo(added.length);
    for (long h : added) {
      assertThat(set.contains(h)).isTrue();
    }
    int found = 0;
    for (int i = 0; i < 100_000; i++) {
      found += set.contains(random.nextLong()) ? 1 : 0;
    }
    assertThat(found).isZero();
  }

  @Test
  void add_zero_isAHashLikeAnyOther() {
    SpanKeyHashes set = new SpanKeyHashes();
    assertThat(set.contains(0)).isFalse();
    set.add(0);
    assertThat(set.contains(0)).isTrue();
    assertThat(set.size()).isEqualTo(1);
  }
}
