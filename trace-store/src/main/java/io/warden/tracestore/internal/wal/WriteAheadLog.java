package io.warden.tracestore.internal.wal;

import io.warden.tracestore.internal.ingest.Backpressure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest write-ahead log: numbered entries in segment files {@code <firstSeq>.wal} under one
 * directory. {@link #append} returns a future completed once the entry is on disk (fsynced); one
 * writer thread drains every append queued while the previous fsync ran and writes them with a
 * single write and a single {@code force} (group commit), so concurrent requests share the fsync.
 *
 * <p>Entry layout: {@code int length, int crc32c(seq + payload), long seq, payload}. At open, the
 * last segment is scanned and a torn tail (a crash in the middle of a write that was never
 * acknowledged) is cut off with a warning. Segments are deleted by {@link #releaseUpTo} once every
 * store has committed past them.
 *
 * <p>Internal: not public API.
 */
public final class WriteAheadLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WriteAheadLog.class);
  private static final int HEADER = 16;
  private static final String SUFFIX = ".wal";

  /** Told, on the writer thread and in sequence order, about each entry once it is durable. */
  @FunctionalInterface
  public interface Listener {
    void onDurable(long seq, Object attachment);
  }

  public record Entry(long seq, byte[] payload) {}

  private final Path dir;
  private final long segmentBytes;
  private final long maxPendingBytes;
  private final long maxDiskBytes;
  private final Listener listener;

  private final Object segmentsLock = new Object();
  /** first seq to segment path; guarded by segmentsLock. */
  private final TreeMap<Long, Path> segments = new TreeMap<>();
  private long closedSegmentsBytes; // guarded by segmentsLock

  private FileChannel active; // writer thread only after open
  private long activeFirstSeq;
  private long activeSize;
  private long lastSeq; // writer thread only after open
  private volatile long durableSeq;
  private volatile long activeSizeVolatile;

  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final AtomicLong pendingBytes = new AtomicLong();
  private volatile Throwable failure;
  private volatile boolean closing;
  private final Thread writer;

  private record Pending(byte[] payload, Object attachment, CompletableFuture<Long> done) {}

  private WriteAheadLog(Path dir, long segmentBytes, long maxPendingBytes, long maxDiskBytes, Listener listener)
      throws IOException {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.maxPendingBytes = maxPendingBytes;
    this.maxDiskBytes = maxDiskBytes;
    this.listener = listener;
    Files.createDirectories(dir);
    recover();
    this.writer = Thread.ofPlatform().name("TraceStore_WalWriter").daemon(true).unstarted(this::writeLoop);
    writer.start();
  }

  /**
   * Opens (creating if needed) the log in {@code dir}.
   *
   * @param segmentBytes a segment is closed and a new one started past this size
   * @param maxPendingBytes appends waiting for the disk beyond this many bytes are refused
   * @param maxDiskBytes appends are refused while the log holds more than this (a store is behind)
   */
  public static WriteAheadLog open(
      Path dir, long segmentBytes, long maxPendingBytes, long maxDiskBytes, Listener listener) {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(listener, "listener");
    try {
      return new WriteAheadLog(dir, segmentBytes, maxPendingBytes, maxDiskBytes, listener);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open write-ahead log in " + dir + ": " + e.getMessage(), e);
    }
  }

  private void recover() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).forEach(p -> {
        String n = p.getFileName().toString();
        try {
          segments.put(Long.parseLong(n.substring(0, n.length() - SUFFIX.length())), p);
        } catch (NumberFormatException e) {
          LOG.warn("ignoring unexpected file {} in the write-ahead log directory", p);
        }
      });
    }
    if (segments.isEmpty()) {
      lastSeq = 0;
      openNewSegment(1);
    } else {
      for (var e : segments.headMap(segments.lastKey()).entrySet()) {
        closedSegmentsBytes += Files.size(e.getValue());
      }
      long first = segments.lastKey();
      Path last = segments.lastEntry().getValue();
      long validEnd = 0;
      long seq = first - 1;
      try (FileChannel ch = FileChannel.open(last, StandardOpenOption.READ)) {
        long size = ch.size();
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        while (validEnd + HEADER <= size) {
          header.clear();
          readFully(ch, header, validEnd);
          header.flip();
          int len = header.getInt();
          int crc = header.getInt();
          long entrySeq = header.getLong();
          if (len < 0 || validEnd + HEADER + len > size || entrySeq != seq + 1) {
            break;
          }
          ByteBuffer payload = ByteBuffer.allocate(len);
          readFully(ch, payload, validEnd + HEADER);
          if (crc(entrySeq, payload.array()) != crc) {
            break;
          }
          seq = entrySeq;
          validEnd += HEADER + len;
        }
        if (validEnd < size) {
          LOG.warn("write-ahead log segment {}: cutting off {} bytes of a torn write after entry {} "
              + "(never acknowledged)", last, size - validEnd, seq);
        }
      }
      lastSeq = seq;
      active = FileChannel.open(last, StandardOpenOption.WRITE, StandardOpenOption.READ);
      active.truncate(validEnd);
      active.force(true);
      active.position(validEnd);
      activeFirstSeq = first;
      activeSize = validEnd;
      activeSizeVolatile = validEnd;
    }
    durableSeq = lastSeq;
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
      pos += n;
    }
  }

  private static int crc(long seq, byte[] payload) {
    CRC32C c = new CRC32C();
    ByteBuffer s = ByteBuffer.allocate(8).putLong(0, seq);
    c.update(s);
    c.update(payload);
    return (int) c.getValue();
  }

  private void openNewSegment(long firstSeq) throws IOException {
    Path p = dir.resolve(String.format(Locale.ROOT, "%020d%s", firstSeq, SUFFIX));
    FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
        StandardOpenOption.READ);
    syncDirectory();
    synchronized (segmentsLock) {
      if (active != null) {
        closedSegmentsBytes += activeSize;
      }
      segments.put(firstSeq, p);
    }
    if (active != null) {
      active.close();
    }
    active = ch;
    activeFirstSeq = firstSeq;
    activeSize = 0;
    activeSizeVolatile = 0;
  }

  private void syncDirectory() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Some file systems cannot fsync a directory; the segment data itself is still forced.
      LOG.debug("cannot fsync directory {}: {}", dir, e.getMessage());
    }
  }

  /**
   * Queues {@code payload}; the future completes with its sequence number once it is fsynced (and
   * after the listener has been told), or exceptionally if the disk write failed.
   *
   * @throws Backpressure when the queue or the log is over its bound
   */
  public CompletableFuture<Long> append(byte[] payload, Object attachment) {
    Throwable f = failure;
    if (f != null) {
      throw new IllegalStateException("write-ahead log failed earlier and refuses writes until restart: "
          + f.getMessage(), f);
    }
    if (closing) {
      throw new IllegalStateException("write-ahead log is closed");
    }
    long disk = diskBytes();
    if (disk > maxDiskBytes) {
      throw new Backpressure("write-ahead log holds " + (disk >> 20) + " MiB that a store has not committed "
          + "yet (limit " + (maxDiskBytes >> 20) + " MiB); retry later", 5);
    }
    long p = pendingBytes.addAndGet(payload.length);
    if (p > maxPendingBytes && p != payload.length) {
      pendingBytes.addAndGet(-payload.length);
      throw new Backpressure("ingest queue full (" + (p >> 20) + " MiB waiting for the disk); retry later", 1);
    }
    CompletableFuture<Long> done = new CompletableFuture<>();
    queue.add(new Pending(payload, attachment, done));
    return done;
  }

  private void writeLoop() {
    List<Pending> batch = new ArrayList<>();
    while (true) {
      try {
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (closing && queue.isEmpty()) {
            return;
          }
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, 8191);
        if (failure != null) {
          failAll(batch, failure);
          continue;
        }
        writeBatch(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Throwable t) {
        LOG.error("write-ahead log write failed; refusing ingest until restart", t);
        failure = t;
        failAll(batch, t);
      } finally {
        batch.clear();
      }
    }
  }

  private void failAll(List<Pending> batch, Throwable t) {
    for (Pending p : batch) {
      pendingBytes.addAndGet(-p.payload.length);
      p.done.completeExceptionally(t);
    }
  }

  private void writeBatch(List<Pending> batch) throws IOException {
    long total = 0;
    for (Pending p : batch) {
      total += HEADER + p.payload.length;
    }
    if (activeSize > 0 && activeSize + total > segmentBytes) {
      active.force(false);
      openNewSegment(lastSeq + 1);
    }
    ByteBuffer[] buffers = new ByteBuffer[batch.size() * 2];
    long seq = lastSeq;
    for (int i = 0; i < batch.size(); i++) {
      byte[] payload = batch.get(i).payload;
      seq++;
      ByteBuffer h = ByteBuffer.allocate(HEADER);
      h.putInt(payload.length).putInt(crc(seq, payload)).putLong(seq).flip();
      buffers[2 * i] = h;
      buffers[2 * i + 1] = ByteBuffer.wrap(payload);
    }
    long remaining = total;
    while (remaining > 0) {
      remaining -= active.write(buffers);
    }
    active.force(false);
    activeSize += total;
    activeSizeVolatile = activeSize;
    long first = lastSeq + 1;
    lastSeq = seq;
    durableSeq = seq;
    for (int i = 0; i < batch.size(); i++) {
      Pending p = batch.get(i);
      pendingBytes.addAndGet(-p.payload.length);
      try {
        listener.onDurable(first + i, p.attachment);
      } catch (RuntimeException e) {
        LOG.warn("write-ahead log listener failed for entry {}", first + i, e);
      }
      p.done.complete(first + i);
    }
  }

  /** The highest sequence number on disk. */
  public long durableSeq() {
    return durableSeq;
  }

  /** Bytes held in segment files. */
  public long diskBytes() {
    synchronized (segmentsLock) {
      return closedSegmentsBytes + activeSizeVolatile;
    }
  }

  /** Number of segment files. */
  public int segmentCount() {
    synchronized (segmentsLock) {
      return segments.size();
    }
  }

  /**
   * Deletes every closed segment whose entries all have {@code seq <= committed}: every store has
   * committed them.
   */
  public void releaseUpTo(long committed) {
    List<Path> delete = new ArrayList<>();
    synchronized (segmentsLock) {
      while (segments.size() > 1) {
        var first = segments.firstEntry();
        Long nextFirst = segments.higherKey(first.getKey());
        if (nextFirst == null || nextFirst - 1 > committed) {
          break;
        }
        segments.pollFirstEntry();
        delete.add(first.getValue());
      }
    }
    for (Path p : delete) {
      try {
        long size = Files.size(p);
        Files.deleteIfExists(p);
        synchronized (segmentsLock) {
          closedSegmentsBytes -= size;
        }
        LOG.debug("deleted committed write-ahead log segment {}", p);
      } catch (IOException e) {
        LOG.warn("cannot delete write-ahead log segment {}", p, e);
      }
    }
  }

  /** A reader positioned after {@code afterSeq}; it returns only durable entries. */
  public Cursor cursor(long afterSeq) {
    return new Cursor(afterSeq);
  }

  /** Reads entries in order; not thread-safe; close it when done. */
  public final class Cursor implements AutoCloseable {
    private long last;
    private long segmentFirst = -1;
    private FileChannel channel;
    private long position;

    private Cursor(long afterSeq) {
      this.last = afterSeq;
    }

    /** The next durable entry, or null when there is none yet. */
    public Entry next() throws IOException {
      long want = last + 1;
      if (want > durableSeq) {
        return null;
      }
      if (channel == null || !segmentHolds(want)) {
        openFor(want);
      }
      while (true) {
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        if (position + HEADER > channel.size()) {
          // The entry is in the next segment.
          openFor(want);
          if (position + HEADER > channel.size()) {
            throw new IOException("write-ahead log entry " + want + " missing from " + dir);
          }
        }
        readFully(channel, header, position);
        header.flip();
        int len = header.getInt();
        int crc = header.getInt();
        long seq = header.getLong();
        ByteBuffer payload = ByteBuffer.allocate(len);
        readFully(channel, payload, position + HEADER);
        position += HEADER + len;
        if (crc(seq, payload.array()) != crc) {
          throw new IOException("write-ahead log entry " + seq + " is corrupt (checksum mismatch) in " + dir);
        }
        if (seq < want) {
          continue;
        }
        if (seq != want) {
          throw new IOException("write-ahead log entry " + want + " missing (found " + seq + ") in " + dir);
        }
        last = seq;
        return new Entry(seq, payload.array());
      }
    }

    private boolean segmentHolds(long seq) {
      synchronized (segmentsLock) {
        Long floor = segments.floorKey(seq);
        return floor != null && floor == segmentFirst;
      }
    }

    private void openFor(long seq) throws IOException {
      Path p;
      long first;
      synchronized (segmentsLock) {
        var e = segments.floorEntry(seq);
        if (e == null) {
          throw new IOException("write-ahead log entry " + seq + " was already deleted from " + dir);
        }
        first = e.getKey();
        p = e.getValue();
      }
      if (first == segmentFirst && channel != null) {
        return;
      }
      close();
      channel = FileChannel.open(p, StandardOpenOption.READ);
      segmentFirst = first;
      position = 0;
    }

    @Override
    public void close() {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException e) {
          LOG.debug("closing write-ahead log reader", e);
        }
        channel = null;
      }
    }
  }

  /** Writes everything queued, then closes the files. */
  @Override
  public void close() {
    closing = true;
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      if (active != null) {
        active.force(false);
        active.close();
      }
    } catch (IOException e) {
      LOG.warn("closing write-ahead log", e);
    }
  }
}
