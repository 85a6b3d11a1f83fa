package io.warden.tracestore.internal.wal;

import io.warden.tracestore.internal.ingest.Backpressure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteAheadLogTest {
  @TempDir
  Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> readAll(WriteAheadLog wal, long after) throws IOException {
    List<String> out = new ArrayList<>();
    try (WriteAheadLog.Cursor c = wal.cursor(after)) {
      WriteAheadLog.Entry e;
      while ((e = c.next()) != null) {
        out.add(e.seq() + ":" + new String(e.payload(), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  @Test
  void append_concurrently_numbersInOrderAndTellsTheListenerInOrder() throws Exception {
    List<Long> told = new CopyOnWriteArrayList<>();
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 1 << 20, 1 << 30, (seq, a) -> told.add(seq))) {
      List<CompletableFuture<Long>> futures = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        futures.add(wal.append(bytes("e" + i), null));
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
      assertThat(futures).extracting(CompletableFuture::join).doesNotHaveDuplicates();
      assertThat(told).hasSize(200).isSorted();
      assertThat(wal.durableSeq()).isEqualTo(200);
      assertThat(readAll(wal, 198)).containsExactly("199:e198", "200:e199");
    }
  }

  @Test
  void open_afterTornWrite_cutsTheTailAndContinuesNumbering() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 1 << 20, 1 << 30, (s, a) -> { })) {
      wal.append(bytes("one"), null).join();
      wal.append(bytes("two"), null).join();
    }
    Path segment;
    try (Stream<Path> files = Files.list(dir)) {
      segment = files.filter(p -> p.toString().endsWith(".wal")).findFirst().orElseThrow();
    }
    try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ch.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 50, 1, 2, 3})); // half an entry header
    }
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 1 << 20, 1 << 30, (s, a) -> { })) {
      assertThat(wal.durableSeq()).isEqualTo(2);
      assertThat(wal.append(bytes("three"), null).join()).isEqualTo(3);
      assertThat(readAll(wal, 0)).containsExactly("1:one", "2:two", "3:three");
    }
  }

  @Test
  void releaseUpTo_deletesOnlyFullyCommittedClosedSegments() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 64, 1 << 20, 1 << 30, (s, a) -> { })) {
      for (int i = 1; i <= 6; i++) {
        wal.append(bytes("entry-number-" + i + "-padding-padding"), null).join();
      }
      int before = wal.segmentCount();
      assertThat(before).isGreaterThan(2);
      wal.releaseUpTo(3);
      assertThat(wal.segmentCount()).isLessThan(before);
      assertThat(readAll(wal, 3)).extracting(s -> s.substring(0, 1)).containsExactly("4", "5", "6");
      assertThatThrownBy(() -> readAll(wal, 0)).hasMessageContaining("already deleted");
      wal.releaseUpTo(6);
      assertThat(wal.segmentCount()).isEqualTo(1);
      assertThat(wal.append(bytes("after"), null).join()).isEqualTo(7);
    }
  }

  @Test
  void append_overTheDiskBound_isBackpressure() {
    try (WriteAheadLog wal = WriteAheadLog.open(dir, 1 << 20, 1 << 20, 100, (s, a) -> { })) {
      wal.append(new byte[200], null).join();
      assertThatThrownBy(() -> wal.append(new byte[10], null))
          .isInstanceOf(Backpressure.class).hasMessageContaining("write-ahead log holds");
    }
  }
}
