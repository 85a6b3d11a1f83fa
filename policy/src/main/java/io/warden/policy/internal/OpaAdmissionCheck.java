package io.warden.policy.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.core.Problem;
import io.warden.core.change.Approval;
import io.warden.core.change.ChangeCheck;
import io.warden.core.change.CheckResult;
import io.warden.core.change.FileChange;
import io.warden.core.change.ProposedChange;
import io.warden.core.change.RepoSnapshot;
import io.warden.core.change.RequiredApproval;
import io.warden.core.identity.Role;
import io.warden.core.shadow.ModelShadowEvidence;
import io.warden.core.shadow.ModelShadowReport;
import io.warden.core.shadow.ShadowEvidence;
import io.warden.core.shadow.ShadowReport;
import io.warden.policy.api.AdmissionInputV1;
import io.warden.policy.api.AdmissionResultV1;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The {@code opa-admission} check on every change request head:
 * <ol>
 *   <li>when the change touches {@code policies/}: the proposed policies and their tests, through
 *       {@code opa check} and {@code opa test} (OPA's own file:line messages), and the package rule;</li>
 *   <li>when it touches {@code tools/allowed.yaml}: that file's shape;</li>
 *   <li>{@code data.warden.admission} evaluated over the change by the policies of the <em>current
 *       main</em> loaded in OPA, never the proposed ones, so a change cannot weaken the rules that
 *       judge it. {@code deny} messages fail the check; {@code required_approvals} are returned for
 *       the merge gate (merged per role and team: the largest count, the reasons joined).</li>
 * </ol>
 * OPA unreachable, or main's policies not loaded yet: the check reports ERROR (re-run it later).
 *
 * <p>Internal: not public API.
 */
public final class OpaAdmissionCheck implements ChangeCheck {

  public static final String NAME = "opa-admission";

  /** OPA data path of the admission document. */
  public static final String ADMISSION_PATH = "warden/admission";

  private final OpaClient client;
  private final PolicySync sync;
  private final EngineStatus status;
  private final OpaCli cli;
  private final RepoDocuments docs;
  private final ObjectMapper json;
  private final Duration timeout;
  private final ShadowEvidence shadowEvidence;
  private final ModelShadowEvidence modelShadowEvidence;

  public OpaAdmissionCheck(OpaClient client, PolicySync sync, EngineStatus status, OpaCli cli,
      RepoDocuments docs, ObjectMapper json, Duration timeout, ShadowEvidence shadowEvidence,
      ModelShadowEvidence modelShadowEvidence) {
    this.shadowEvidence = Objects.requireNonNull(shadowEvidence, "shadowEvidence");
    this.modelShadowEvidence = Objects.requireNonNull(modelShadowEvidence, "modelShadowEvidence");
    this.client = Objects.requireNonNull(client, "client");
    this.sync = Objects.requireNonNull(sync, "sync");
    this.status = Objects.requireNonNull(status, "status");
    this.cli = Objects.requireNonNull(cli, "cli");
    this.docs = Objects.requireNonNull(docs, "docs");
    this.json = Objects.requireNonNull(json, "json");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CheckResult run(ProposedChange change) throws IOException {
    List<Problem> problems = new ArrayList<>();
    RepoSnapshot head = change.head();
    if (touches(change, "policies/")) {
      problems.addAll(cli.verify(regoFiles(head), true));
    }
    if (touches(change, RepoDocuments.TOOLS_FILE) && head.files().containsKey(RepoDocuments.TOOLS_FILE)) {
      problems.addAll(docs.allowedTools(head).problems());
    }
    AdmissionInput input = input(change, problems);

    if (!status.available()) {
      return error(OpaPolicyDecider.UNAVAILABLE
          + ": cannot judge the change against main's policies; re-run the checks when opa is back", problems);
    }
    if (sync.revision().isEmpty()) {
      return error("the policy engine has not loaded main's policies yet; re-run the checks in a moment", problems);
    }
    record Answer(String revision, JsonNode result) {}
    Answer answer;
    try {
      byte[] body = json.writeValueAsBytes(input.document());
      answer = sync.read(timeout, rev -> new Answer(rev, client.query(ADMISSION_PATH, body, timeout)));
    } catch (OpaException.Unavailable e) {
      return error(OpaPolicyDecider.UNAVAILABLE + ": " + e.getMessage(), problems);
    } catch (OpaException.Rejected e) {
      return error("main's admission policies failed to evaluate this change: " + e.describe(), problems);
    }
    AdmissionResultV1 result = answer.result().isMissingNode()
        ? new AdmissionResultV1(List.of(), List.of())
        : json.treeToValue(answer.result(), AdmissionResultV1.class);

    for (JsonNode d : result.deny()) {
      problems.add(problem(d, head, input.defaultFile()));
    }
    List<RequiredApproval> approvals;
    try {
      approvals = merge(result.requiredApprovals());
    } catch (IllegalArgumentException e) {
      return error("main's admission policies returned an invalid required approval: " + e.getMessage(), problems);
    }
    String judged = "main's policies at " + PolicyBundle.shortRev(answer.revision());
    if (problems.isEmpty()) {
      return new CheckResult(NAME, CheckResult.Status.PASSED,
          "admitted by " + judged + needs(approvals), List.of(), approvals);
    }
    String summary = (problems.size() == 1 ? problems.get(0).toString()
        : problems.size() + " problems, first: " + problems.get(0)) + " (judged by " + judged + ")";
    return new CheckResult(NAME, CheckResult.Status.FAILED, summary, problems, approvals);
  }

  /** The check could not judge; problems already found (policy tests, allow-list) are kept. */
  private static CheckResult error(String summary, List<Problem> problems) {
    return new CheckResult(NAME, CheckResult.Status.ERROR, summary, problems, List.of());
  }

  private record AdmissionInput(AdmissionInputV1 document, String defaultFile) {}

  private AdmissionInput input(ProposedChange change, List<Problem> problems) {
    Map<String, JsonNode> old = new TreeMap<>();
    Map<String, JsonNode> proposed = new TreeMap<>();
    Map<String, String> agentFiles = new TreeMap<>();
    List<String> agentPaths = new ArrayList<>();
    for (FileChange f : change.changes()) {
      if (!RepoDocuments.isDescriptor(f.path())) {
        continue;
      }
      agentPaths.add(f.path());
      byte[] before = change.base().files().get(f.path());
      if (before != null) {
        RepoDocuments.Agent a = docs.agent(f.path(), before);
        if (a.ok()) {
          old.put(a.name(), a.descriptor());
          agentFiles.putIfAbsent(a.name(), f.path());
        }
      }
      byte[] after = change.head().files().get(f.path());
      if (after != null) {
        RepoDocuments.Agent a = docs.agent(f.path(), after);
        if (a.ok()) {
          proposed.put(a.name(), a.descriptor());
          agentFiles.put(a.name(), f.path());
        } else {
          problems.add(Problem.ofFile(f.path(), "not admitted: the descriptor is invalid (the schema check says where)"));
        }
      }
    }
    List<AdmissionInputV1.FileV1> files = change.changes().stream()
        .map(f -> new AdmissionInputV1.FileV1(f.path(), f.kind().name().toLowerCase(Locale.ROOT)))
        .toList();
    List<AdmissionInputV1.ApprovalV1> approvals = change.approvals().stream().map(OpaAdmissionCheck::approval).toList();
    AdmissionInputV1 doc = new AdmissionInputV1(
        new AdmissionInputV1.ChangeV1(change.id(), change.title(), change.author(),
            change.base().commit(), change.head().commit()),
        files, old, proposed, agentFiles, approvals, docs.allowedTools(change.base()).tools(),
        shadowEvidence(old, proposed), modelShadowEvidence(old, proposed));
    return new AdmissionInput(doc, agentPaths.size() == 1 ? agentPaths.get(0) : "(change)");
  }

  /** The evidence of every agent the change moves off {@code spec.autonomy: shadow}. */
  private Map<String, AdmissionInputV1.ShadowEvidenceV1> shadowEvidence(Map<String, JsonNode> old,
      Map<String, JsonNode> proposed) {
    Map<String, AdmissionInputV1.ShadowEvidenceV1> out = new TreeMap<>();
    old.forEach((name, before) -> {
      JsonNode after = proposed.get(name);
      if (after != null && "shadow".equals(before.at("/spec/autonomy").asText())
          && !"shadow".equals(after.at("/spec/autonomy").asText())) {
        ShadowReport r = shadowEvidence.report(name);
        out.put(name, new AdmissionInputV1.ShadowEvidenceV1(r.pairs(), r.agreements(), r.agreementRate()));
      }
    });
    return out;
  }

  /** The model-shadow evidence of every agent whose {@code spec.model} the change moves, for the proposed model. */
  private Map<String, AdmissionInputV1.ModelShadowEvidenceV1> modelShadowEvidence(Map<String, JsonNode> old,
      Map<String, JsonNode> proposed) {
    Map<String, AdmissionInputV1.ModelShadowEvidenceV1> out = new TreeMap<>();
    old.forEach((name, before) -> {
      JsonNode after = proposed.get(name);
      if (after == null || !before.at("/spec/model").isObject() || !after.at("/spec/model").isObject()) {
        return;
      }
      String from = model(before.at("/spec/model"));
      String to = model(after.at("/spec/model"));
      if (!from.equals(to)) {
        ModelShadowReport r = modelShadowEvidence.report(name, to);
        out.put(name, new AdmissionInputV1.ModelShadowEvidenceV1(to, r.samples(), r.agreements(), r.agreementRate(),
            r.agreementLow()));
      }
    });
    return out;
  }

  /** {@code provider/name@pinned_revision}, as the model gateway names models in its shadow ledger. */
  private static String model(JsonNode m) {
    return m.path("provider").asText() + "/" + m.path("name").asText() + "@" + m.path("pinned_revision").asText();
  }

  private static AdmissionInputV1.ApprovalV1 approval(Approval a) {
    return new AdmissionInputV1.ApprovalV1(a.user(), a.role().wireName(),
        a.teams().stream().sorted().toList(), a.at().toString());
  }

  /** A deny entry as a located problem: a string, or {@code {msg, file, field}}. */
  static Problem problem(JsonNode deny, RepoSnapshot head, String defaultFile) {
    if (deny.isTextual()) {
      return Problem.ofFile(defaultFile, deny.asText());
    }
    if (!deny.isObject()) {
      return Problem.ofFile(defaultFile, deny.toString());
    }
    String msg = deny.path("msg").asText(deny.path("message").asText(deny.toString()));
    String file = deny.path("file").asText("");
    String field = deny.path("field").asText("");
    if (file.isEmpty()) {
      file = defaultFile;
    }
    int[] at = {0, 0};
    byte[] content = head.files().get(file);
    if (content != null && !field.isEmpty()) {
      at = RepoDocuments.locate(content, field).orElse(at);
    }
    return new Problem(file, at[0], at[1], field, msg);
  }

  static List<RequiredApproval> merge(List<AdmissionResultV1.RequiredApprovalV1> wanted) {
    Map<String, RequiredApproval> byRoleTeam = new LinkedHashMap<>();
    for (AdmissionResultV1.RequiredApprovalV1 w : wanted) {
      if (w.role() == null) {
        throw new IllegalArgumentException("role is missing in " + w);
      }
      Role role = Role.parse(w.role());
      String team = w.team() == null ? "" : w.team();
      int count = w.count() == null ? 1 : w.count();
      String reason = w.reason() == null ? "" : w.reason();
      byRoleTeam.merge(role + "/" + team, new RequiredApproval(role, team, count, reason),
          (a, b) -> new RequiredApproval(role, team, Math.max(a.count(), b.count()),
              a.reason().isEmpty() ? b.reason() : b.reason().isEmpty() ? a.reason() : a.reason() + "; " + b.reason()));
    }
    return byRoleTeam.values().stream()
        .sorted((a, b) -> (a.role() + a.team()).compareTo(b.role() + b.team()))
        .toList();
  }

  private static String needs(List<RequiredApproval> approvals) {
    if (approvals.isEmpty()) {
      return "";
    }
    return "; needs " + approvals.stream()
        .map(a -> a.count() + " " + a.role().wireName() + (a.count() > 1 ? "s" : "")
            + (a.team().isEmpty() ? "" : " from team " + a.team()))
        .collect(Collectors.joining(" and "));
  }

  private static boolean touches(ProposedChange change, String prefix) {
    return change.changes().stream().anyMatch(f -> f.path().startsWith(prefix));
  }

  /** Every Rego file under {@code policies/} of a tree (tests included), as text. */
  static Map<String, String> regoFiles(RepoSnapshot tree) {
    Map<String, String> out = new TreeMap<>();
    tree.under("policies/").forEach((path, content) -> {
      if (OpaCli.isRego(path)) {
        out.put(path, new String(content, java.nio.charset.StandardCharsets.UTF_8));
      }
    });
    return out;
  }
}
