package io.warden.core;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A second JVM on the test class path, for crash tests: the child prints {@code ack <n>} after each
 * write it was told is durable, and the test kills it with SIGKILL ({@code destroyForcibly}) while
 * it is still writing.
 */
public final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final AtomicLong lastAck = new AtomicLong();
  private final ConcurrentLinkedQueue<String> otherOutput = new ConcurrentLinkedQueue<>();
  private final Thread reader;

  private ChildJvm(Process process) {
    this.process = process;
    this.reader = Thread.ofPlatform().daemon().name("ChildJvm_Reader").start(this::readAcks);
  }

  public static ChildJvm start(Class<?> mainClass, String... args) throws IOException {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx64m");
    command.add("-cp");
    command.add(classPath);
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    return new ChildJvm(new ProcessBuilder(command).redirectErrorStream(true).start());
  }

  /**
   * Runs {@code mainClass} in a child JVM until it acknowledged at least {@code acks} writes, then
   * kills it with SIGKILL mid-write; returns the last acknowledged number.
   */
  public static long killAfterAcks(Class<?> mainClass, long acks, String... args) throws IOException, InterruptedException {
    try (ChildJvm child = start(mainClass, args)) {
      child.awaitAcks(acks, Duration.ofSeconds(60));
      return child.killHard();
    }
  }

  /** Waits until the child acknowledged at least {@code count} writes, then returns the last ack. */
  public long awaitAcks(long count, Duration timeout) {
    await().atMost(timeout).until(() -> lastAck.get() >= count || !process.isAlive());
    if (lastAck.get() < count) {
      throw new AssertionError("child exited with " + process.exitValue() + " after " + lastAck.get()
          + " acks; output: " + otherOutput);
    }
    return lastAck.get();
  }

  /** SIGKILL: no shutdown hooks, no finally blocks, no flushing. Returns the last ack read. */
  public long killHard() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("child did not die");
    }
    reader.join(TimeUnit.SECONDS.toMillis(30));
    return lastAck.get();
  }

  private void readAcks() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("ack ")) {
          lastAck.set(Long.parseLong(line.substring(4).trim()));
        } else {
          otherOutput.add(line);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
