package io.warden.tracestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.warden.core.trace.SpanStore;
import io.warden.tracestore.lucene.LuceneSpanStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client may resend spans it already had acknowledged (an exporter retrying after a lost
 * response, a collector replaying its queue), at any time: each span is stored once and priced
 * once, also when the resend arrives after a restart of the store, as fresh ingest.
 */
@Timeout(120)
class SpanResendIT extends RunningStore {
  private static final String BATCH = """
      {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"planner"}}]},
        "scopeSpans":[{"spans":[
          {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"chat",
           "startTimeUnixNano":"1760000000000000000","endTimeUnixNano":"1760000001000000000",
           "attributes":[{"key":"warden.text","value":{"stringValue":"resent refund span"}},
                         {"key":"warden.cost.usd","value":{"stringValue":"0.25"}}]},
          {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b175","name":"chat",
           "startTimeUnixNano":"1760000000000000001","endTimeUnixNano":"1760000001000000000",
           "attributes":[{"key":"warden.text","value":{"stringValue":"resent refund span"}},
                         {"key":"warden.cost.usd","value":{"stringValue":"0.50"}}]}]}]}]}""";

  private final HttpClient http = HttpClient.newHttpClient();

  private void send() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + store.httpPort() + "/v1/traces"))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + ids.secret(Identities.PLANNER))
        .POST(HttpRequest.BodyPublishers.ofString(BATCH)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private void restart() {
    store.close();
    store = ids.storeBuilder(dir.resolve("data")).build();
    store.start().await();
  }

  private void assertStoredOnce() throws Exception {
    assertThat(store.search(query("refund", null)).hits()).hasSize(2);
    List<SpanStore.CostRow> costs = store.costs("agent", null, null);
    assertThat(costs).singleElement().satisfies(row -> {
      assertThat(row.spans()).isEqualTo(2);
      assertThat(row.totalUsd()).isEqualByComparingTo("0.75");
    });
  }

  @Test
  void resend_afterTheStoreRestarted_isStoredAndPricedOnce() throws Exception {
    send();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(this::assertStoredOnce);
    restart();
    send();
    send();
    // The resends are acknowledged entries of the log: wait until the index has applied them all.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(store.lucene().count()).isEqualTo(2);
      @SuppressWarnings("unchecked")
      var stores = (java.util.Map<String, java.util.Map<String, Object>>) store.refreshHealth().details().get("stores");
      assertThat(stores.get(LuceneSpanStore.NAME).get("lag_entries")).isEqualTo(0L);
    });
    store.lucene().refreshNow();
    assertStoredOnce();
  }
}
