/**
 * The embedded span store and full-text index ({@code lucene-v4}) on local disk: near-real-time
 * search over prompts, completions, reasoning and tool arguments with Lucene query syntax,
 * structured filters, highlights, cursor pagination, cost roll-ups and retention.
 *
 * <p>Contents: {@link io.warden.tracestore.lucene.LuceneSpanStore}.
 */
@NullMarked
package io.warden.tracestore.lucene;

import org.jspecify.annotations.NullMarked;
