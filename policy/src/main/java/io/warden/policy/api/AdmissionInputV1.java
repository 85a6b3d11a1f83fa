package io.warden.policy.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The {@code input} of {@code data.warden.admission} for one change request.
 *
 * @param change who proposes what
 * @param files every path the change touches, with {@code added}, {@code modified} or {@code deleted}
 * @param old the agents the change touches, as they are on main, by agent name (absent: new agent)
 * @param new_ the same agents as proposed, by agent name (absent: deleted agent); {@code new} on the wire
 * @param agentFiles agent name to the descriptor's path (the proposed path, or main's for a deletion)
 * @param approvals approvals given so far to the change's head
 * @param toolsAllowed the tool allow-list ({@code tools/allowed.yaml}) as it is on main
 * @param shadowEvidence for each agent the change moves off {@code spec.autonomy: shadow}, its
 *     shadow-mode evidence (pairs of agent and human actions and how often they agreed)
 * @param modelShadowEvidence for each agent whose {@code spec.model} the change moves, the model
 *     gateway's shadow evidence for the proposed model (compared samples beside the current one)
 */
public record AdmissionInputV1(
    @JsonProperty("change") ChangeV1 change,
    @JsonProperty("files") List<FileV1> files,
    @JsonProperty("old") Map<String, JsonNode> old,
    @JsonProperty("new") Map<String, JsonNode> new_,
    @JsonProperty("agent_files") Map<String, String> agentFiles,
    @JsonProperty("approvals") List<ApprovalV1> approvals,
    @JsonProperty("tools_allowed") List<String> toolsAllowed,
    @JsonProperty("shadow_evidence") Map<String, ShadowEvidenceV1> shadowEvidence,
    @JsonProperty("model_shadow_evidence") Map<String, ModelShadowEvidenceV1> modelShadowEvidence) {

  /** @param base main's commit the change is judged against; @param head the change's head commit */
  public record ChangeV1(
      @JsonProperty("id") String id,
      @JsonProperty("title") String title,
      @JsonProperty("author") String author,
      @JsonProperty("base") String base,
      @JsonProperty("head") String head) {}

  public record FileV1(@JsonProperty("path") String path, @JsonProperty("kind") String kind) {}

  /** @param role lowercase role name; @param at RFC 3339 time */
  public record ApprovalV1(
      @JsonProperty("user") String user,
      @JsonProperty("role") String role,
      @JsonProperty("teams") List<String> teams,
      @JsonProperty("at") String at) {}

  /**
   * @param candidate the proposed model, {@code provider/name@pinned_revision}
   * @param samples shadow pairs compared
   * @param agreementRate agreements over samples, 0 to 1 (0 without samples)
   * @param agreementLow lower bound of its 95% Wilson interval
   */
  public record ModelShadowEvidenceV1(
      @JsonProperty("candidate") String candidate,
      @JsonProperty("samples") int samples,
      @JsonProperty("agreements") int agreements,
      @JsonProperty("agreement_rate") double agreementRate,
      @JsonProperty("agreement_low") double agreementLow) {}

  /** @param agreementRate agreements over pairs, 0 to 1 (0 without pairs) */
  public record ShadowEvidenceV1(
      @JsonProperty("pairs") int pairs,
      @JsonProperty("agreements") int agreements,
      @JsonProperty("agreement_rate") double agreementRate) {}
}
