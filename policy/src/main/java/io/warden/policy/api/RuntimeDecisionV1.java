package io.warden.policy.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The value of {@code data.warden.runtime.decision}.
 *
 * @param result {@code allow}, {@code deny} or {@code require_approval}
 * @param reasons why (deny messages, or what the approval is for)
 * @param approverTeam the team whose approver must decide a held call ({@code approver_team}, from
 *     policy data {@code data.warden.approvers}); "" when absent: any approver
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RuntimeDecisionV1(
    @JsonProperty("result") String result, @JsonProperty("reasons") List<String> reasons,
    @JsonProperty("approver_team") String approverTeam) {
  public RuntimeDecisionV1 {
    reasons = reasons == null ? List.of() : List.copyOf(reasons);
    approverTeam = approverTeam == null ? "" : approverTeam;
  }
}
