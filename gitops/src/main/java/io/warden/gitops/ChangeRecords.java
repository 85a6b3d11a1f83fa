package io.warden.gitops;

import io.warden.core.WardenException;
import io.warden.core.store.StateStore;
import io.warden.gitops.internal.Json;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.eclipse.jgit.lib.Constants;

/**
 * Where change-request records live: one JSON {@link ChangeRequest} per id in the state store table
 * {@value ChangeRequests#TABLE}, and the id sequence. Each write is atomic; callers serialise
 * read-modify-write sequences. Ids are never reused: the next one is past every record, every pin
 * and every {@code change/<id>} branch, even those a crash left without a record.
 */
final class ChangeRecords {
  private static final String SEQ_TABLE = "changes_seq";
  private static final String SEQ_KEY = "next";

  private final StateStore store;
  private final WardenRepository repo;

  ChangeRecords(StateStore store, WardenRepository repo) {
    this.store = store;
    this.repo = repo;
  }

  /** One change request; {@code not_found} when there is none with this id. */
  ChangeRequest get(String id) {
    Objects.requireNonNull(id, "id");
    return load(id).orElseThrow(() -> WardenException.notFound(
        "no change request #" + id + ": list them with GET /api/v1/changes"));
  }

  Optional<ChangeRequest> load(String id) {
    return store.get(ChangeRequests.TABLE, id).map(json -> Json.read(json, ChangeRequest.class));
  }

  Map<String, ChangeRequest> loadAll() {
    Map<String, ChangeRequest> out = new TreeMap<>();
    store.table(ChangeRequests.TABLE).forEach((id, json) -> out.put(id, Json.read(json, ChangeRequest.class)));
    return out;
  }

  ChangeRequest save(ChangeRequest cr) {
    String json = Json.write(cr);
    long next = Long.parseLong(cr.id()) + 1;
    store.update(tx -> {
      tx.put(ChangeRequests.TABLE, cr.id(), json);
      long stored = tx.get(SEQ_TABLE, SEQ_KEY).map(Long::parseLong).orElse(1L);
      if (next > stored) {
        tx.put(SEQ_TABLE, SEQ_KEY, Long.toString(next));
      }
    });
    return cr;
  }

  String nextId() {
    long next = store.get(SEQ_TABLE, SEQ_KEY).map(Long::parseLong).orElse(1L);
    for (String id : store.table(ChangeRequests.TABLE).keySet()) {
      next = Math.max(next, Long.parseLong(id) + 1);
    }
    for (String ref : repo.refs(ChangeRequests.PIN_PREFIX).keySet()) {
      String id = ref.substring(ChangeRequests.PIN_PREFIX.length(), ref.indexOf('/', ChangeRequests.PIN_PREFIX.length()));
      next = Math.max(next, parseOr(id, 0) + 1);
    }
    for (String ref : repo.refs(Constants.R_HEADS + ChangeRequests.API_BRANCH_PREFIX).keySet()) {
      next = Math.max(next, parseOr(ref.substring(ref.lastIndexOf('/') + 1), 0) + 1);
    }
    return Long.toString(next);
  }

  private static long parseOr(String s, long fallback) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
