package io.warden.core.audit.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.core.audit.AuditEvent;
import io.warden.core.audit.AuditLog;
import io.warden.core.internal.Durability;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AuditLog} on one JSON-lines file (format: {@link AuditCodec}).
 *
 * <p>Group commit: appends are chained in order under one short lock (each entry needs the previous
 * hash) and only queued in memory; then one appender at a time becomes the writer, takes every
 * queued entry (its own and those queued while the previous batch was being forced), writes them
 * with one positional write and one {@code force}, and marks them durable. An appender whose entry
 * a batch already covered returns without writing; none returns before its entry is forced. Batches
 * are written in queue order, so the file holds the entries in exactly the chain order.
 * {@link #list} only returns entries that are already durable.
 *
 * <p>The file is locked while open. At open, a last line without {@code \n} (a write cut short by a
 * crash, never acknowledged) is cut off with a warning. The chain itself is not re-verified at open;
 * {@link io.warden.core.audit.AuditVerifier} does that. If a write or fsync fails the log refuses
 * further appends until restart, because what reached the disk is then unknown.
 *
 * <p>Internal: not public API.
 */
public final class FileAuditLog implements AuditLog {

  private static final Logger LOG = LoggerFactory.getLogger(FileAuditLog.class);
  /** Every this many lines the byte offset is remembered, so {@link #list} can seek. */
  static final int INDEX_EVERY = 256;

  private final Path file;
  private final Clock clock;
  private final FileChannel channel;
  private final FileLock fileLock;

  private final ReentrantLock appendLock = new ReentrantLock();
  private long lastSeq; // guarded by appendLock
  private String lastHash; // guarded by appendLock
  private long writtenSize; // end of the chained entries, queued ones included; guarded by appendLock
  private List<byte[]> queued = new ArrayList<>(); // chained but not yet written; guarded by appendLock
  private long queuedBytes; // guarded by appendLock

  private final Object syncLock = new Object();
  private volatile long durableSeq;
  private volatile long durableSize;

  private final Object indexLock = new Object();
  private long[] index = new long[16]; // index[k] = offset of line k * INDEX_EVERY + 1
  private int indexCount;

  private volatile boolean closed;
  private volatile IllegalStateException failure;

  private FileAuditLog(Path file, Clock clock, FileChannel channel, FileLock fileLock) {
    this.file = file;
    this.clock = clock;
    this.channel = channel;
    this.fileLock = fileLock;
  }

  /** Opens (creating if needed) the log; see the class comment for what happens to a torn line. */
  public static FileAuditLog open(Path file, Clock clock) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(clock, "clock");
    Path absolute = file.toAbsolutePath().normalize();
    FileChannel channel = null;
    try {
      Files.createDirectories(absolute.getParent());
      boolean created = !Files.exists(absolute);
      channel = FileChannel.open(absolute, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      if (created) {
        Durability.syncDirectory(absolute.getParent());
      }
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new IllegalStateException("audit log " + absolute
            + " is already open (by another Warden process or another log instance): stop that one first");
      }
      FileAuditLog log = new FileAuditLog(absolute, clock, channel, lock);
      log.load();
      return log;
    } catch (IOException e) {
      closeQuietly(channel);
      throw new UncheckedIOException("cannot open audit log " + absolute + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  /** Scans the file: builds the seek index, cuts a torn tail, and finds where the chain continues. */
  private void load() throws IOException {
    long size = channel.size();
    long[] lines = {0};
    byte[][] last = {null};
    long[] lastOffset = {0};
    long[] tornAt = {-1};
    LineReader.forEachLine(channel, 0, size, (offset, line, terminated) -> {
      if (!terminated) {
        tornAt[0] = offset;
        return false;
      }
      lines[0]++;
      if ((lines[0] - 1) % INDEX_EVERY == 0) {
        addIndex(offset);
      }
      last[0] = line;
      lastOffset[0] = offset;
      return true;
    });
    if (tornAt[0] >= 0) {
      long cut = size - tornAt[0];
      LOG.warn("audit log {}: cut off an incomplete last line ({} bytes at offset {}) left by a crash during"
          + " a write; that entry was never acknowledged", file, cut, tornAt[0]);
      channel.truncate(tornAt[0]);
      channel.force(true);
      size = tornAt[0];
    }
    lastSeq = 0;
    lastHash = "";
    if (last[0] != null) {
      try {
        AuditCodec.Decoded decoded = AuditCodec.decode(last[0]);
        lastSeq = decoded.event().seq();
        lastHash = decoded.event().hash();
      } catch (AuditCodec.MalformedEntryException e) {
        throw new IllegalStateException("audit log " + file + ": the last entry (line " + lines[0]
            + ", offset " + lastOffset[0] + ") is not a valid entry (" + e.getMessage() + "), so the chain"
            + " cannot be continued; run 'warden audit verify', keep the file as evidence and move it aside"
            + " to start a new log");
      }
      if (lastSeq != lines[0]) {
        LOG.warn("audit log {}: the last entry has seq {} but is line {}; the file was edited."
            + " Run 'warden audit verify' to find the first broken link", file, lastSeq, lines[0]);
      }
    }
    writtenSize = size;
    durableSize = size;
    durableSeq = lastSeq;
  }

  @Override
  public AuditEvent append(String actor, String action, String target, Map<String, ?> details) {
    requireText(actor, "actor");
    requireText(action, "action");
    Objects.requireNonNull(target, "target");
    ObjectNode detailsNode = AuditCodec.normalizeDetails(details);
    AuditEvent event;
    appendLock.lock();
    try {
      checkUsable();
      long seq = lastSeq + 1;
      AuditCodec.Encoded encoded =
          AuditCodec.encode(seq, clock.instant(), actor, action, target, detailsNode, lastHash);
      queued.add(encoded.line());
      queuedBytes += encoded.line().length;
      if ((seq - 1) % INDEX_EVERY == 0) {
        addIndex(writtenSize);
      }
      writtenSize += encoded.line().length;
      lastSeq = seq;
      lastHash = encoded.event().hash();
      event = encoded.event();
    } finally {
      appendLock.unlock();
    }
    syncThrough(event.seq());
    return event;
  }

  /** Group commit: one write and one {@code force} cover every entry queued before it started. */
  private void syncThrough(long seq) {
    synchronized (syncLock) {
      if (durableSeq >= seq) {
        return;
      }
      checkUsable();
      writeQueuedAndForce();
    }
  }

  /** Writes the queued batch at the end of the file and forces it; caller holds {@code syncLock}. */
  private void writeQueuedAndForce() {
    List<byte[]> batch;
    long batchBytes;
    long targetSeq;
    long targetSize;
    appendLock.lock();
    try {
      batch = queued;
      batchBytes = queuedBytes;
      queued = new ArrayList<>();
      queuedBytes = 0;
      targetSeq = lastSeq;
      targetSize = writtenSize;
    } finally {
      appendLock.unlock();
    }
    long start = targetSize - batchBytes;
    // The file ends at durableSize == start: batches are written one at a time under syncLock.
    ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(batchBytes));
    batch.forEach(buffer::put);
    buffer.flip();
    try {
      long position = start;
      while (buffer.hasRemaining()) {
        position += channel.write(buffer, position);
      }
      channel.force(true);
    } catch (IOException e) {
      // Later entries are already chained to this batch, so the log cannot go on without it.
      // Take the batch back off (best effort) so the file ends at a whole, acknowledged entry;
      // if that fails too, open() cuts a torn last line and verify checks the rest.
      try {
        channel.truncate(start);
      } catch (IOException truncateFailure) {
        e.addSuppressed(truncateFailure);
      }
      throw fail(e);
    }
    durableSize = targetSize;
    durableSeq = targetSeq;
  }

  @Override
  public List<AuditEvent> list(long afterSeq, int limit, String actionPrefix) {
    if (afterSeq < 0) {
      throw new IllegalArgumentException("afterSeq must not be negative: " + afterSeq);
    }
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
    String prefix = actionPrefix == null ? "" : actionPrefix;
    if (closed) {
      throw new IllegalStateException("audit log " + file + " is closed");
    }
    long end = durableSize;
    long start = offsetAtOrBefore(afterSeq + 1);
    List<AuditEvent> result = new ArrayList<>(Math.min(limit, 1024));
    try {
      LineReader.forEachLine(channel, start, end, (offset, line, terminated) -> {
        AuditEvent event;
        try {
          event = AuditCodec.decode(line).event();
        } catch (AuditCodec.MalformedEntryException e) {
          LOG.warn("audit log {}: skipping the malformed entry at offset {} ({}); run 'warden audit verify'",
              file, offset, e.getMessage());
          return true;
        }
        if (event.seq() > afterSeq && event.action().startsWith(prefix)) {
          result.add(event);
        }
        return result.size() < limit;
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read audit log " + file + ": " + e.getMessage(), e);
    }
    return List.copyOf(result);
  }

  /** Seq of the last durable entry (0 when empty). */
  public long lastSeq() {
    return durableSeq;
  }

  @Override
  public void close() {
    // syncLock before appendLock, the order syncThrough takes them in.
    synchronized (syncLock) {
      appendLock.lock();
      try {
        if (closed) {
          return;
        }
        closed = true;
      } finally {
        appendLock.unlock();
      }
      try {
        if (failure == null) {
          // Entries queued by appenders still waiting for their batch: written, so not lost.
          writeQueuedAndForce();
        }
        fileLock.release();
      } catch (IOException | RuntimeException e) {
        LOG.warn("audit log {}: error while closing", file, e);
      } finally {
        closeQuietly(channel);
      }
    }
  }

  private void addIndex(long offset) {
    synchronized (indexLock) {
      if (indexCount == index.length) {
        index = Arrays.copyOf(index, index.length * 2);
      }
      index[indexCount++] = offset;
    }
  }

  /** Offset of a line at or before the line that holds {@code seq} in an unedited file. */
  private long offsetAtOrBefore(long seq) {
    synchronized (indexLock) {
      if (indexCount == 0) {
        return 0;
      }
      long k = Math.min((seq - 1) / INDEX_EVERY, indexCount - 1);
      return index[(int) k];
    }
  }

  private IllegalStateException fail(IOException cause) {
    IllegalStateException failed = new IllegalStateException("audit log " + file
        + " failed to write or sync and refuses further appends; restart Warden (it keeps every"
        + " acknowledged entry): " + cause.getMessage(), cause);
    failure = failed;
    LOG.error("audit log {} failed to write or sync; refusing further appends until restart", file, cause);
    return failed;
  }

  private void checkUsable() {
    IllegalStateException failed = failure;
    if (failed != null) {
      throw new IllegalStateException(failed.getMessage(), failed);
    }
    if (closed) {
      throw new IllegalStateException("audit log " + file + " is closed");
    }
  }

  private static void requireText(String value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing more to do while already failing or closing
      }
    }
  }
}
