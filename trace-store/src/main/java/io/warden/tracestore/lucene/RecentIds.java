package io.warden.tracestore.lucene;

/**
 * The span ids written lately, as 64-bit fingerprints in two generations of a primitive
 * open-addressing set: remembers at least the last {@code generation} ids and at most twice that, in
 * fixed memory (16 bytes per slot). A fingerprint collision makes a fresh span take the slower
 * replace path, never lose data. Not thread-safe: used by the single writer.
 */
final class RecentIds {
  private final int generation;
  private long[] current;
  private long[] previous;
  private int size;

  RecentIds(int generation) {
    this.generation = generation;
    this.current = new long[Integer.highestOneBit(generation) * 4];
    this.previous = new long[current.length];
  }

  static long fingerprint(String traceId, String spanId) {
    long h = 0x9E3779B97F4A7C15L;
    for (int i = 0; i < traceId.length(); i++) {
      h = (h ^ traceId.charAt(i)) * 0x100000001B3L;
    }
    for (int i = 0; i < spanId.length(); i++) {
      h = (h ^ spanId.charAt(i)) * 0x100000001B3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return h == 0 ? 1 : h;
  }

  /** Records the id; true when it was already there. */
  boolean addAndCheck(String traceId, String spanId) {
    long f = fingerprint(traceId, spanId);
    if (contains(previous, f)) {
      return true;
    }
    int mask = current.length - 1;
    int i = (int) f & mask;
    while (current[i] != 0) {
      if (current[i] == f) {
        return true;
      }
      i = (i + 1) & mask;
    }
    current[i] = f;
    if (++size >= generation) {
      long[] recycled = previous;
      java.util.Arrays.fill(recycled, 0);
      previous = current;
      current = recycled;
      size = 0;
    }
    return false;
  }

  private static boolean contains(long[] table, long f) {
    int mask = table.length - 1;
    int i = (int) f & mask;
    while (table[i] != 0) {
      if (table[i] == f) {
        return true;
      }
      i = (i + 1) & mask;
    }
    return false;
  }
}
