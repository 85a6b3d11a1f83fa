package io.warden.tracestore.lucene;

import io.warden.core.trace.SpanStore;
import io.warden.tracestore.SpanStoreContractTest;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Lucene store against the {@link SpanStore} contract with every write of two spans or more
 * indexed on two threads (in production only writes of {@link LuceneSpanStore#MIN_PARALLEL_SPANS}).
 */
class LuceneParallelSpanStoreContractTest extends SpanStoreContractTest {
  @TempDir
  Path dir;

  private int stores;

  @Override
  protected SpanStore newStore() {
    return LuceneSpanStore.open(dir.resolve("index-" + stores++), 2, 2);
  }

  @Override
  protected void settle(SpanStore store) throws Exception {
    ((LuceneSpanStore) store).refreshNow();
  }
}
