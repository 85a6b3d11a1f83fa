package io.warden.tracestore.lucene;

import org.apache.lucene.util.BytesRef;

/**
 * The 64-bit hashes of span keys ({@code traceId:spanId}): which spans may have text attached to
 * them, in 11 to 21 bytes per span whatever the key's length, so that writing a span asks the
 * index only when its key is here. Two keys with one hash cost an index lookup that finds nothing,
 * never a wrong answer. An open-addressing table of hashes, linear probing, at most 3/4 full.
 *
 * <p>One thread changes a set (under the store's text lock); a new set is published whole.
 */
final class SpanKeyHashes {
  private static final int MIN_CAPACITY = 16;

  /** Hashes; 0 is an empty slot (a hash of 0 is stored as 1). */
  private long[] slots;
  private int size;

  SpanKeyHashes() {
    this.slots = new long[MIN_CAPACITY];
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  boolean contains(long hash) {
    long h = nonZero(hash);
    long[] table = slots;
    return table[probe(table, h)] == h;
  }

  /** Adds every hash of {@code other}. */
  void addAll(SpanKeyHashes other) {
    for (long v : other.slots) {
      if (v != 0) {
        add(v);
      }
    }
  }

  /** Adds {@code hash}; false when it was here already. */
  boolean add(long hash) {
    long h = nonZero(hash);
    if ((size + 1) * 4L > slots.length * 3L) {
      grow();
    }
    if (insert(slots, h)) {
      size++;
      return true;
    }
    return false;
  }

  private void grow() {
    long[] bigger = new long[slots.length * 2];
    for (long v : slots) {
      if (v != 0) {
        insert(bigger, v);
      }
    }
    slots = bigger;
  }

  private static boolean insert(long[] table, long h) {
    int i = probe(table, h);
    if (table[i] == h) {
      return false;
    }
    table[i] = h;
    return true;
  }

  /** The slot holding {@code h}, or the empty slot where the probe for it ends. */
  private static int probe(long[] table, long h) {
    int mask = table.length - 1;
    int i = slot(h, mask);
    while (table[i] != h && table[i] != 0) {
      i = (i + 1) & mask;
    }
    return i;
  }

  private static long nonZero(long h) {
    return h == 0 ? 1 : h;
  }

  private static int slot(long h, int mask) {
    return (int) (h ^ (h >>> 32)) & mask;
  }

  /** The hash of the span key {@code traceId:spanId}, without building the key. */
  static long hash(String traceId, String spanId) {
    return finish(add(add(add(FNV_OFFSET, traceId), ':'), spanId));
  }

  /** The hash of a span key ({@code traceId:spanId}): {@link #hash(String, String)} of its parts. */
  static long hash(String spanKey) {
    return finish(add(FNV_OFFSET, spanKey));
  }

  /**
   * The hash of the span whose {@code id} term ({@code spanId:traceId}) is {@code idTerm}: the same
   * as {@link #hash(String, String)} of its trace and span ids, without making strings of them.
   */
  static long hashOfIdTerm(BytesRef idTerm) {
    int colon = -1;
    for (int i = 0; i < idTerm.length; i++) {
      byte b = idTerm.bytes[idTerm.offset + i];
      if (b < 0) { // not ASCII: hash the characters as the String form does
        String id = idTerm.utf8ToString();
        int c = id.indexOf(':');
        return c < 0 ? hash(id) : hash(id.substring(c + 1), id.substring(0, c));
      }
      if (b == ':' && colon < 0) {
        colon = i;
      }
    }
    if (colon < 0) {
      return finish(add(FNV_OFFSET, idTerm, 0, idTerm.length));
    }
    long h = add(FNV_OFFSET, idTerm, colon + 1, idTerm.length);
    return finish(add(add(h, ':'), idTerm, 0, colon));
  }

  private static long add(long h, BytesRef ascii, int from, int to) {
    for (int i = from; i < to; i++) {
      h = add(h, (char) ascii.bytes[ascii.offset + i]);
    }
    return h;
  }

  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private static long add(long h, String s) {
    for (int i = 0; i < s.length(); i++) {
      h = add(h, s.charAt(i));
    }
    return h;
  }

  private static long add(long h, char c) {
    return (h ^ c) * FNV_PRIME;
  }

  /** FNV-1a spreads the low bits poorly; the table's slot is taken from all 64 (murmur3's finaliser). */
  private static long finish(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    return h ^ (h >>> 33);
  }
}
