package io.warden.policy.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.core.change.RepoSnapshot;
import io.warden.policy.api.MainDataV1;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What main puts into OPA: its non-test policies and the {@code data.warden.main} document, both
 * from one commit.
 *
 * <p>Internal: not public API.
 *
 * @param revision the main commit
 * @param policies OPA policy id ({@value #ID_PREFIX} + repository path) to Rego source
 * @param data the {@link io.warden.policy.api.MainDataV1} document as JSON
 */
public record PolicyBundle(String revision, SortedMap<String, String> policies, byte[] data) {

  /** Prefix of the ids of the policies Warden manages in OPA; others are left alone. */
  public static final String ID_PREFIX = "warden/";

  public PolicyBundle {
    Objects.requireNonNull(revision, "revision");
    policies = Collections.unmodifiableSortedMap(new TreeMap<>(policies));
    Objects.requireNonNull(data, "data");
  }

  /** The bundle of one main commit: its non-test policies and the data document. */
  public static PolicyBundle fromMain(RepoSnapshot main, RepoDocuments docs, ObjectMapper json) {
    SortedMap<String, String> policies = new TreeMap<>();
    sources(main).forEach((path, src) -> policies.put(idOf(path), src));
    MainDataV1 data = new MainDataV1(main.commit(), docs.validAgents(main),
        new MainDataV1.ToolsV1(docs.allowedTools(main).tools()), docs.pricing(main));
    try {
      return new PolicyBundle(main.commit(), policies, json.writeValueAsBytes(data));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write main's data document: " + e.getOriginalMessage(), e);
    }
  }

  /** Repository path to source of every non-test Rego file under {@code policies/}. */
  public static SortedMap<String, String> sources(RepoSnapshot main) {
    SortedMap<String, String> out = new TreeMap<>();
    main.under(OpaCli.POLICIES_DIR + "/").forEach((path, content) -> {
      if (OpaCli.isRego(path) && !OpaCli.isTest(path)) {
        out.put(path, new String(content, StandardCharsets.UTF_8));
      }
    });
    return out;
  }

  public static String idOf(String repoPath) {
    return ID_PREFIX + repoPath;
  }

  public static String pathOf(String id) {
    return id.startsWith(ID_PREFIX) ? id.substring(ID_PREFIX.length()) : id;
  }

  /** Short form of a commit id for messages. */
  public static String shortRev(String revision) {
    return revision.isEmpty() ? "(none)" : revision.substring(0, Math.min(12, revision.length()));
  }
}
