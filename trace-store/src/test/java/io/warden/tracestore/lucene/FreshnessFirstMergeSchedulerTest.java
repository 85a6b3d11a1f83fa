package io.warden.tracestore.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.junit.jupiter.api.Test;

class FreshnessFirstMergeSchedulerTest {

  @Test
  void bigMergesSlowOnlyWhileTheIndexIsBehind() {
    FreshnessFirstMergeScheduler scheduler = new FreshnessFirstMergeScheduler();
    assertThat(scheduler.slowed()).isFalse();
    assertThat(scheduler.getIORateLimitMBPerSec()).isGreaterThan(1_000);

    scheduler.indexBehind(true);
    assertThat(scheduler.slowed()).isTrue();
    assertThat(scheduler.getIORateLimitMBPerSec()).isEqualTo(FreshnessFirstMergeScheduler.BEHIND_MB_PER_SEC);

    scheduler.indexBehind(false);
    assertThat(scheduler.slowed()).isFalse();
    assertThat(scheduler.getIORateLimitMBPerSec()).isGreaterThan(1_000);
  }

  @Test
  void closingWriterRunsMergesAtFullSpeedEvenWhenBehind() throws Exception {
    FreshnessFirstMergeScheduler scheduler = new FreshnessFirstMergeScheduler();
    try (ByteBuffersDirectory directory = new ByteBuffersDirectory()) {
      IndexWriter writer = new IndexWriter(directory,
          new IndexWriterConfig(new StandardAnalyzer()).setMergeScheduler(scheduler).setMaxBufferedDocs(10));
      for (int i = 0; i < 200; i++) {
        Document d = new Document();
        d.add(new StringField("id", Integer.toString(i), Field.Store.NO));
        writer.addDocument(d);
      }
      scheduler.indexBehind(true);
      assertThat(scheduler.slowed()).isTrue();

      writer.close(); // waits for its merges: the scheduler must not hold them back

      assertThat(scheduler.slowed()).isFalse();
      scheduler.indexBehind(true);
      assertThat(scheduler.slowed()).as("a closed writer's merges stay at full speed").isFalse();
    }
  }
}
