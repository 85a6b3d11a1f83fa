package io.warden.policy;

import java.util.List;

/**
 * The durable record of every runtime decision. Decisions are written in batches by a background
 * writer that syncs to disk at least every 100 ms (group commit); a query first waits for the
 * decisions made before it to be written, so it sees them.
 */
public interface DecisionLog {

  /** Matching decisions, newest first. */
  List<DecisionRecord> query(DecisionQuery query);

  /** Decisions written so far (since the file was created, minus those pruned by retention). */
  long size();
}
