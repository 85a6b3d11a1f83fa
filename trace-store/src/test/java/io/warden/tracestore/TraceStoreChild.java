package io.warden.tracestore;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A trace store alone in a child JVM, for the crash test: prints
 * {@code ready <httpPort> <grpcPort> <agent secret>} once it listens, then waits to be killed. The
 * Lucene index never commits on its own here, so only the write-ahead log can keep what was acked.
 */
public final class TraceStoreChild {
  private TraceStoreChild() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Identities ids = new Identities(dir.resolve("identity"));
    TraceStore store = ids.storeBuilder(dir.resolve("data"))
        .setLuceneCommitEvery(Duration.ofHours(1))
        .build();
    store.start().await();
    System.out.println("ready " + store.httpPort() + " " + store.grpcPort() + " " + ids.secret(Identities.PLANNER));
    System.out.flush();
    Thread.currentThread().join();
  }
}
