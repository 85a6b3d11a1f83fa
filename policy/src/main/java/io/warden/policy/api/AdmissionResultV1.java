package io.warden.policy.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The result of {@code data.warden.admission}: the two rule sets Warden reads (other rules in the
 * package are ignored).
 *
 * @param deny each a message string, or an object {@code {"msg", "file", "field"}} that locates the
 *     problem ({@code field} is a path such as {@code spec.tools[1]}; Warden finds its line and column)
 * @param requiredApprovals who must approve before merge
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AdmissionResultV1(
    @JsonProperty("deny") List<JsonNode> deny,
    @JsonProperty("required_approvals") List<RequiredApprovalV1> requiredApprovals) {
  public AdmissionResultV1 {
    deny = deny == null ? List.of() : List.copyOf(deny);
    requiredApprovals = requiredApprovals == null ? List.of() : List.copyOf(requiredApprovals);
  }

  /**
   * @param role {@code viewer}, {@code author}, {@code approver} or {@code admin}
   * @param team a team the approvers must belong to, "" or absent for any
   * @param count distinct approvers needed, 1 when absent
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RequiredApprovalV1(
      @JsonProperty("role") String role,
      @JsonProperty("team") String team,
      @JsonProperty("count") Integer count,
      @JsonProperty("reason") String reason) {}
}
