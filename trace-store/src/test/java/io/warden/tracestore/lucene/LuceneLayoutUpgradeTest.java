package io.warden.tracestore.lucene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.trace.SpanQuery;
import io.warden.core.trace.SpanRecord;
import io.warden.tracestore.SearchPage;
import io.warden.tracestore.SpanHit;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.lucene.codecs.perfield.PerFieldPostingsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upgrades to the current layout, on indexes written by the older code itself:
 * {@code lucene-v1-index.zip} (main at 08633b5 writing two spans of one trace, one of them replaced,
 * a tool span of a second trace, and text waiting for a span not yet stored) and
 * {@code lucene-v2-index.zip} (main at caa428e opening that index, so upgrading it to
 * {@code lucene-v2}, then writing a span of the second trace and replacing it); and an index of the
 * {@code lucene-v3} layout (the {@code id} terms in the block tree),
 * {@code lucene-v3-index.zip} (main at 887d2ac opening the {@code lucene-v2} index, so upgrading it,
 * then writing a fifth span, {@code a8ad6b7169203336}, mentioning "timbuktu").
 */
class LuceneLayoutUpgradeTest {
  private static final String TRACE_1 = "0af7651916cd43dd8448eb211c80319c";
  private static final String TRACE_2 = "1bf7651916cd43dd8448eb211c80319d";

  @TempDir
  Path dir;

  private Path unzipV1() throws Exception {
    return unzip("lucene-v1-index.zip");
  }

  private Path unzip(String resource) throws Exception {
    Path idx = dir.resolve("lucene");
    Files.createDirectories(idx);
    try (InputStream in = getClass().getResourceAsStream(resource);
        ZipInputStream zip = new ZipInputStream(in)) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        Files.copy(zip, idx.resolve(e.getName()));
      }
    }
    return idx;
  }

  private static String layout(Path idx) throws Exception {
    try (Directory d = FSDirectory.open(idx)) {
      return LuceneSpanStore.layout(d);
    }
  }

  private static SpanQuery q(String text) {
    return new SpanQuery(text, null, null, null, null, null, null, null, null, null, 100);
  }

  private static List<String> ids(LuceneSpanStore store, String query) throws Exception {
    return store.search(q(query), false).hits().stream().map(h -> h.span().spanId()).toList();
  }

  @Test
  void openingAV1Index_rewritesItAsV2_keepingEverySpanFieldAndWaitingText() throws Exception {
    Path idx = unzipV1();
    assertThat(layout(idx)).isEqualTo("lucene-v1");

    try (LuceneSpanStore store = LuceneSpanStore.open(idx)) {
      store.refreshNow();
      assertThat(store.count()).isEqualTo(3);
      SearchPage page = store.search(q("invoice AND 4711"), true);
      assertThat(page.hits()).extracting(h -> h.span().spanId()).containsExactly("b7ad6b7169203331");
      SpanRecord first = page.hits().get(0).span();
      assertThat(first.text()).startsWith("Think: the refund needs approval.");
      assertThat(first.statusMessage()).isEqualTo("invoice 4711 not found in ledger");
      assertThat(first.costUsd()).isEqualByComparingTo(new BigDecimal("0.0125"));
      assertThat(page.hits().get(0).highlights())
          .containsExactly("Reconcile <em>invoice</em> <em>4711</em> for customer ACME against the ledger.");
      // Every full-text field is still searched, phrases included.
      assertThat(ids(store, "reasoning:refund")).containsExactly("b7ad6b7169203331");
      assertThat(ids(store, "reasoning:ledger")).isEmpty();
      assertThat(ids(store, "name:\"invoice.lookup\"")).containsExactly("b7ad6b7169203331");
      assertThat(ids(store, "intent:customer")).containsExactly("b7ad6b7169203331");
      assertThat(ids(store, "status_message:\"not found\"")).containsExactly("b7ad6b7169203331");
      assertThat(ids(store, "\"ACME-991\" AND agent:researcher")).containsExactly("d7ad6b7169203333");
      // The replaced span was copied as it was last written.
      assertThat(ids(store, "\"accounts payable\"")).containsExactly("c7ad6b7169203332");
      assertThat(ids(store, "\"first version\"")).isEmpty();
      assertThat(store.trace(TRACE_1)).hasSize(2);

      // The text that waited for its span in the old index joins the span when it arrives.
      store.write(List.of(new SpanRecord(TRACE_2, "e7ad6b7169203334", "", TRACE_2, "chat gpt-4o", "svc",
          "researcher", "chat", 1_780_000_000_000_004_000L, 1_780_000_001_000_004_000L, "OK", "", "gpt-4o", "", 1, 1,
          0, "", "", "", List.of("researcher"), BigDecimal.ZERO, "the answer", Map.of(), List.of())));
      store.refreshNow();
      assertThat(ids(store, "zanzibar")).containsExactly("e7ad6b7169203334");
      assertThat(store.search(q("zanzibar"), false).hits().get(0).span().text())
          .isEqualTo("the answer\nlate completion mentioning zanzibar");
    }
    assertThat(layout(idx)).isEqualTo(LuceneSpanStore.NAME);

    try (LuceneSpanStore reopened = LuceneSpanStore.open(idx)) {
      reopened.refreshNow();
      assertThat(reopened.count()).isEqualTo(4);
      assertThat(ids(reopened, "zanzibar")).containsExactly("e7ad6b7169203334");
    }
  }

  private static SpanRecord secondTraceSpan(String id, String text) {
    return new SpanRecord(TRACE_2, id, "d7ad6b7169203333", TRACE_2, "chat gpt-4o", "svc", "researcher", "chat",
        1_780_000_000_000_005_000L, 1_780_000_001_000_005_000L, "OK", "", "gpt-4o", "", 1, 1, 0, "", "", "",
        List.of("researcher"), new BigDecimal("0.002"), text, Map.of(), List.of());
  }

  @Test
  void openingAV2Index_rewritesItInTheCurrentLayout_andASpanSentAgainStillReplacesItsCopy() throws Exception {
    Path idx = unzip("lucene-v2-index.zip");
    assertThat(layout(idx)).isEqualTo("lucene-v2");

    try (LuceneSpanStore store = LuceneSpanStore.open(idx)) {
      store.refreshNow();
      assertThat(store.count()).isEqualTo(4);
      assertThat(ids(store, "invoice AND 4711")).containsExactly("b7ad6b7169203331");
      assertThat(ids(store, "kilimanjaro")).containsExactly("f7ad6b7169203335");
      assertThat(ids(store, "\"first draft\"")).isEmpty();
      // span_id is answered from the rewritten id terms.
      assertThat(ids(store, "span_id:f7ad6b7169203335")).containsExactly("f7ad6b7169203335");
      assertThat(ids(store, "span_id:b7ad6b7169203331 AND trace_id:" + TRACE_1)).containsExactly("b7ad6b7169203331");
      assertThat(ids(store, "span_id:b7ad6b7169203331 AND trace_id:" + TRACE_2)).isEmpty();

      // A span the old index holds, sent again: replaced (its id term was rewritten), not stored twice.
      store.write(List.of(secondTraceSpan("f7ad6b7169203335", "third draft mentioning serengeti")));
      store.refreshNow();
      assertThat(store.count()).isEqualTo(4);
      assertThat(ids(store, "serengeti")).containsExactly("f7ad6b7169203335");
      assertThat(ids(store, "kilimanjaro")).isEmpty();

      // The text that waited for its span in the lucene-v1 index, carried through lucene-v2, still joins it.
      store.write(List.of(secondTraceSpan("e7ad6b7169203334", "the answer")));
      store.refreshNow();
      assertThat(store.count()).isEqualTo(5);
      assertThat(store.search(q("zanzibar"), false).hits()).extracting(h -> h.span().text())
          .containsExactly("the answer\nlate completion mentioning zanzibar");
    }
    assertThat(layout(idx)).isEqualTo(LuceneSpanStore.NAME);
  }

  @Test
  void v2Documents_haveNoNormsAndKeepTheTextOnlyInTheSource() throws Exception {
    Path idx = dir.resolve("fresh");
    try (LuceneSpanStore store = LuceneSpanStore.open(idx)) {
      store.write(List.of(LuceneSpanStoreTest.span(1, "planner", "gpt-4o", "", "OK", 1_000, "0.5",
          "refund for invoice 4711")));
      store.commit();
      store.refreshNow();
      List<SpanHit> hits = store.search(q("refund"), true).hits();
      assertThat(hits).hasSize(1);
      assertThat(hits.get(0).span().text()).isEqualTo("refund for invoice 4711");
      assertThat(hits.get(0).highlights()).containsExactly("<em>refund</em> for invoice 4711");
    }
    try (Directory d = FSDirectory.open(idx); DirectoryReader r = DirectoryReader.open(d)) {
      FieldInfos fields = FieldInfos.getMergedFieldInfos(r);
      for (String f : SpanDocuments.DEFAULT_FIELDS) {
        FieldInfo info = fields.fieldInfo(f);
        if (info != null) {
          assertThat(info.omitsNorms()).as(f).isTrue();
          assertThat(info.getIndexOptions()).as(f)
              .isEqualTo(org.apache.lucene.index.IndexOptions.DOCS_AND_FREQS_AND_POSITIONS);
        }
      }
      Document stored = r.storedFields().document(0);
      assertThat(stored.getFields()).extracting(f -> f.name()).containsExactly(SpanDocuments.SOURCE);
      assertThat(r.getIndexCommit().getUserData()).containsEntry(LuceneSpanStore.LAYOUT, LuceneSpanStore.NAME);
    }
  }

  @Test
  void anUpgradeThatFails_leavesTheV1IndexAsItWas() throws Exception {
    Path idx = unzipV1();
    // A span whose source cannot be read: the copy stops there.
    try (Directory d = FSDirectory.open(idx);
        IndexWriter w = new IndexWriter(d, new IndexWriterConfig().setOpenMode(IndexWriterConfig.OpenMode.APPEND))) {
      Document bad = new Document();
      bad.add(new StringField(SpanDocuments.KIND, SpanDocuments.KIND_SPAN, Field.Store.NO));
      bad.add(new StoredField(SpanDocuments.SOURCE, new byte[] {9}));
      w.addDocument(bad);
      w.commit();
    }
    assertThatThrownBy(() -> LuceneSpanStore.open(idx)).hasMessageContaining("unknown span encoding version 9");
    assertThat(layout(idx)).isEqualTo("lucene-v1");
    try (Directory d = FSDirectory.open(idx); DirectoryReader r = DirectoryReader.open(d)) {
      assertThat(r.numDocs()).isEqualTo(5); // three spans, the waiting text, the bad span
    }
  }

  @Test
  void anIndexOfAnUnknownLayout_isRefusedNamingIt() throws Exception {
    Path idx = dir.resolve("future");
    try (Directory d = FSDirectory.open(idx); IndexWriter w = new IndexWriter(d, new IndexWriterConfig())) {
      w.setLiveCommitData(Map.of(LuceneSpanStore.LAYOUT, "lucene-v9").entrySet());
      w.commit();
    }
    assertThatThrownBy(() -> LuceneSpanStore.open(idx)).hasMessageContaining("'lucene-v9'")
        .hasMessageContaining("cannot read");
    assertThat(layout(idx)).isEqualTo("lucene-v9");
  }

  @Test
  void aV3IndexWithBlockTreeIds_opensAsItIs_andFindsAndReplacesItsSpansBesideUniformSplitSegments()
      throws Exception {
    Path idx = unzip("lucene-v3-index.zip");
    assertThat(layout(idx)).isEqualTo("lucene-v3");
    assertThat(idFormats(idx)).containsOnly("Lucene103");

    try (LuceneSpanStore store = LuceneSpanStore.open(idx)) {
      store.refreshNow();
      assertThat(store.count()).isEqualTo(5);
      assertThat(ids(store, "timbuktu")).containsExactly("a8ad6b7169203336");
      assertThat(ids(store, "span_id:a8ad6b71*")).containsExactly("a8ad6b7169203336");

      // Sent again: its copy in a block-tree segment is replaced, and a new span lands beside it.
      store.write(List.of(secondTraceSpan("a8ad6b7169203336", "resent mentioning casablanca"),
          secondTraceSpan("c9ad6b7169203337", "new span mentioning marrakesh")));
      store.refreshNow();
      assertThat(store.count()).isEqualTo(6);
      assertThat(ids(store, "timbuktu")).isEmpty();
      assertThat(ids(store, "casablanca")).containsExactly("a8ad6b7169203336");
      assertThat(ids(store, "span_id:c9ad6b7169203337")).containsExactly("c9ad6b7169203337");
      assertThat(ids(store, "span_id:/[ac][89]ad6b71692033[0-9]+/"))
          .containsExactlyInAnyOrder("a8ad6b7169203336", "c9ad6b7169203337");
      store.commit();
    }
    // Not rewritten: the earlier segments keep the block tree, the new one holds Uniform Split, and
    // the commit names the layout, which an earlier Warden refuses by name.
    assertThat(layout(idx)).isEqualTo("lucene-v4");
    assertThat(idFormats(idx)).containsOnly("Lucene103", "UniformSplit"); // both, and nothing else

    try (LuceneSpanStore store = LuceneSpanStore.open(idx)) {
      store.write(List.of(secondTraceSpan("c9ad6b7169203337", "again mentioning fez")));
      store.refreshNow();
      assertThat(store.count()).isEqualTo(6);
      assertThat(ids(store, "marrakesh")).isEmpty();
      assertThat(ids(store, "fez")).containsExactly("c9ad6b7169203337");
    }
  }

  /** The postings format of the {@code id} field in each segment of the last commit. */
  private static List<String> idFormats(Path idx) throws Exception {
    try (Directory d = FSDirectory.open(idx); DirectoryReader r = DirectoryReader.open(d)) {
      return r.leaves().stream().map(LeafReaderContext::reader)
          .map(leaf -> leaf.getFieldInfos().fieldInfo(SpanDocuments.ID))
          .filter(java.util.Objects::nonNull)
          .map(f -> f.getAttribute(PerFieldPostingsFormat.PER_FIELD_FORMAT_KEY))
          .toList();
    }
  }
}
