package io.warden.tracestore.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SpanKeyFilterTest {

  @Test
  void mightContain_everyKeyAdded_andFewOthers_upToItsCapacity() {
    SpanKeyFilter filter = new SpanKeyFilter(200_000);
    Random random = new Random(11);
    long[] added = new long[200_000];
    for (int i = 0; i < added.length; i++) {
      added[i] = random.nextLong();
      filter.add(added[i]);
    }
    for (long h : added) {
      assertThat(filter.mightContain(h)).isTrue();
    }
    int maybe = 0;
    for (int i = 0; i < 200_000; i++) {
      maybe += filter.mightContain(random.nextLong()) ? 1 : 0;
    }
    assertThat(maybe).as("false maybes of 200,000 (10 bits per key, 7 probes in one block: ~1%%)").isLessThan(3_000);
    assertThat(filter.full()).isFalse();
    filter.add(random.nextLong());
    assertThat(filter.full()).isTrue();
  }

  @Test
  void mightContain_halfFull_asAfterARebuild_saysMaybeForFewKeysNeverAdded() {
    SpanKeyFilter filter = new SpanKeyFilter(200_000);
    Random random = new Random(12);
    for (int i = 0; i < 100_000; i++) {
      filter.add(random.nextLong());
    }
    int maybe = 0;
    for (int i = 0; i < 200_000; i++) {
      maybe += filter.mightContain(random.nextLong()) ? 1 : 0;
    }
    // Blocks that fill unevenly would show here: ~0.04% expected, 0.02% unblocked.
    assertThat(maybe).as("false maybes of 200,000 at 20 bits per key").isLessThan(200);
  }

  @Test
  void capacity_hasAFloor() {
    assertThat(new SpanKeyFilter(0).capacity()).isEqualTo(SpanKeyFilter.MIN_CAPACITY);
    assertThat(new SpanKeyFilter(0).mightContain(42)).isFalse();
  }
}
