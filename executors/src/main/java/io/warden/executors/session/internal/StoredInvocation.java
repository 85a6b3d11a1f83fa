package io.warden.executors.session.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

/**
 * The first execution under an idempotency key (table {@code invocations}, JSON): {@code running}
 * while it runs (found after a crash, it means the outcome is unknown), then {@code done} with the
 * runtime's answer or {@code failed} with the error the caller got. {@code node} is the cluster node
 * that ran it (empty on a single node; absent in records written before clustering).
 *
 * <p>Internal: not public API.
 */
record StoredInvocation(
    @JsonProperty("state") String state,
    @JsonProperty("fingerprint") String fingerprint,
    @JsonProperty("status") int status,
    @JsonProperty("content_type") String contentType,
    @JsonProperty("body") String body,
    @JsonProperty("code") String code,
    @JsonProperty("message") String message,
    @JsonProperty("at") long at,
    @JsonProperty("node") @Nullable String node) {

  static final String RUNNING = "running";
  static final String DONE = "done";
  static final String FAILED = "failed";
}
