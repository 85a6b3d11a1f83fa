package io.warden.tracestore;

import java.util.List;

/**
 * One page of search results, newest first.
 *
 * @param hits the spans on this page
 * @param nextCursor pass as {@code cursor} to get the next page; null on the last page
 */
public record SearchPage(List<SpanHit> hits, String nextCursor) {
  public SearchPage {
    hits = List.copyOf(hits);
  }
}
