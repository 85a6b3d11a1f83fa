package io.warden.testing;

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
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A second JVM on the test class path, for crash tests. The child writes durably in a loop and
 * prints {@code ack <n>} after each write it was told is durable (or any other line the test
 * waits for); the test kills it with SIGKILL ({@link #killHard()}) while it is still writing, then
 * reopens what the child wrote.
 */
public final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final AtomicLong lastAck = new AtomicLong();
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Thread reader;

  private ChildJvm(Process process) {
    this.process = process;
    this.reader = Thread.ofPlatform().daemon().name("ChildJvm_Reader").start(this::readOutput);
  }

  /** Starts {@code mainClass} with a 64 MiB heap. */
  public static ChildJvm start(Class<?> mainClass, String... args) throws IOException {
    return start(mainClass, List.of("-Xmx64m"), args);
  }

  /** Starts {@code mainClass} with these JVM options (heap size, system properties). */
  public static ChildJvm start(Class<?> mainClass, List<String> jvmOptions, String... args) throws IOException {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
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
      throw new AssertionError("child exited after " + lastAck.get() + " acks; output: " + lines);
    }
    return lastAck.get();
  }

  /** Waits for the first output line (other than acks) that matches, failing if the child exits first. */
  public String awaitLine(Predicate<String> matching, Duration timeout) {
    await().atMost(timeout).until(() -> firstLine(matching).isPresent() || !process.isAlive());
    return firstLine(matching).orElseThrow(() ->
        new AssertionError("child exited before printing the expected line; output: " + lines));
  }

  /** Waits until the lines printed so far (other than acks) satisfy {@code condition}. */
  public List<String> awaitLines(Predicate<List<String>> condition, Duration timeout) {
    await().atMost(timeout).until(() -> condition.test(lines) || !process.isAlive());
    if (!condition.test(lines)) {
      throw new AssertionError("child exited early; output: " + lines);
    }
    return List.copyOf(lines);
  }

  /** Writes {@code line} to the child's standard input (for children that take commands). */
  public void send(String line) {
    try {
      process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Closes the child's standard input and waits for it to exit by itself; false if it did not in time. */
  public boolean closeInputAndAwaitExit(Duration timeout) throws InterruptedException {
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Every line printed so far other than {@code ack} lines. */
  public List<String> lines() {
    return List.copyOf(lines);
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The child's process id (to pin it to CPUs, or read its threads from {@code /proc}). */
  public long pid() {
    return process.pid();
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

  private Optional<String> firstLine(Predicate<String> matching) {
    return lines.stream().filter(matching).findFirst();
  }

  private void readOutput() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("ack ")) {
          lastAck.set(Long.parseLong(line.substring(4).trim()));
        } else {
          lines.add(line);
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
