package io.warden.tracestore.lucene;

/**
 * A Bloom filter of span key hashes ({@link SpanKeyHashes#hash}): "this span was never stored"
 * from one hash and {@value #PROBES} bit reads, whatever the number of segments. About 1% of keys
 * never added answer "maybe" at {@value #BITS_PER_KEY} bits per key up to its capacity; past it
 * the answers stay right but "maybe" grows, and its owner builds a larger one.
 *
 * <p>Not thread-safe: its owner's lock guards it.
 */
final class SpanKeyFilter {
  static final int BITS_PER_KEY = 10;
  static final int PROBES = 7;
  /** Smallest capacity: 80 KiB of bits. */
  static final long MIN_CAPACITY = 1 << 16;

  private final long[] words;
  private final long bits;
  private final long capacity;
  private long added;

  SpanKeyFilter(long capacity) {
    this.capacity = Math.max(MIN_CAPACITY, capacity);
    long words = (this.capacity * BITS_PER_KEY + 63) / 64;
    if (words > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("a span key filter for " + capacity + " keys is larger than an array");
    }
    this.words = new long[(int) words];
    this.bits = words * 64;
  }

  void add(long hash) {
    for (int i = 0; i < PROBES; i++) {
      long bit = bit(hash, i);
      words[(int) (bit >>> 6)] |= 1L << bit;
    }
    added++;
  }

  boolean mightContain(long hash) {
    for (int i = 0; i < PROBES; i++) {
      long bit = bit(hash, i);
      if ((words[(int) (bit >>> 6)] & (1L << bit)) == 0) {
        return false;
      }
    }
    return true;
  }

  /** More keys added than it was made for: "maybe" answers grow from here on. */
  boolean full() {
    return added > capacity;
  }

  long added() {
    return added;
  }

  long capacity() {
    return capacity;
  }

  /** The {@code i}th probe: double hashing of the key hash's two halves (Kirsch and Mitzenmacher). */
  private long bit(long hash, int i) {
    long combined = (int) hash + (long) i * (int) (hash >>> 32);
    return (combined < 0 ? ~combined : combined) % bits;
  }
}
