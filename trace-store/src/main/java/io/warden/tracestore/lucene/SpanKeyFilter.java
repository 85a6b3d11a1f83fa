package io.warden.tracestore.lucene;

/**
 * A Bloom filter of span key hashes ({@link SpanKeyHashes#hash}): "this span was never stored"
 * from one hash and {@value #PROBES} bit reads, whatever the number of segments. Blocked: a key's
 * bits all lie in one 512-bit block (one cache line), chosen by the hash, so an add or a lookup
 * touches one line of memory instead of up to {@value #PROBES} lines scattered over tens of
 * megabytes; at a span per lookup and per add that was most of the filter's cost. About 1% of keys
 * never added answer "maybe" at {@value #BITS_PER_KEY} bits per key up to its capacity (a little
 * more than an unblocked filter's 0.8%); past it the answers stay right but "maybe" grows, and its
 * owner builds a larger one.
 *
 * <p>Not thread-safe: its owner's lock guards it.
 */
final class SpanKeyFilter {
  static final int BITS_PER_KEY = 10;
  static final int PROBES = 7;
  /** Smallest capacity: 80 KiB of bits. */
  static final long MIN_CAPACITY = 1 << 16;

  /** Longs per block: 512 bits, a cache line. */
  private static final int BLOCK_WORDS = 8;

  private final long[] words;
  private final long blocks;
  private final long capacity;
  private long added;

  SpanKeyFilter(long capacity) {
    this.capacity = Math.max(MIN_CAPACITY, capacity);
    long blocks = (this.capacity * BITS_PER_KEY + 511) / 512;
    if (blocks * BLOCK_WORDS > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("a span key filter for " + capacity + " keys is larger than an array");
    }
    this.words = new long[(int) (blocks * BLOCK_WORDS)];
    this.blocks = blocks;
  }

  void add(long hash) {
    int base = block(hash);
    for (int i = 0; i < PROBES; i++) {
      int bit = bit(hash, i);
      words[base + (bit >>> 6)] |= 1L << bit;
    }
    added++;
  }

  boolean mightContain(long hash) {
    int base = block(hash);
    for (int i = 0; i < PROBES; i++) {
      int bit = bit(hash, i);
      if ((words[base + (bit >>> 6)] & (1L << bit)) == 0) {
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

  /**
   * The first word of the key's block: the high half of the remixed hash times the number of blocks
   * (a multiply, not a division), so the block does not follow the bits the probes are taken from.
   */
  private int block(long hash) {
    return (int) Math.unsignedMultiplyHigh(hash * 0x9E3779B97F4A7C15L, blocks) * BLOCK_WORDS;
  }

  /** The {@code i}th probe's bit in the block: nine bits of the hash each (7 x 9 = 63 bits). */
  private static int bit(long hash, int i) {
    return (int) (hash >>> (9 * i)) & 511;
  }
}
