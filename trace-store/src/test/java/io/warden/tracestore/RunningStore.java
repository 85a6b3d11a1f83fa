package io.warden.tracestore;

import io.warden.core.trace.SpanQuery;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the integration tests that need a started trace store with real identities: one per
 * test, in a temporary directory, receivers on free ports. Subclasses may adjust the builder.
 */
abstract class RunningStore {
  @TempDir
  Path dir;

  Identities ids;
  TraceStore store;

  /** Options on top of the defaults; none unless overridden. */
  TraceStoreBuilder configure(TraceStoreBuilder builder) {
    return builder;
  }

  @BeforeEach
  void startStore() {
    ids = new Identities(dir.resolve("identity"));
    store = configure(ids.storeBuilder(dir.resolve("data"))).build();
    store.start().await();
  }

  @AfterEach
  void stopStore() {
    store.close();
    ids.close();
  }

  static SpanQuery query(String text, String agent) {
    return new SpanQuery(text, agent, null, null, null, null, null, null, null, null, 100);
  }
}
