package io.warden.policy.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.math.BigDecimal;
import java.util.List;
import java.util.SortedMap;

/**
 * The {@code input} of {@code data.warden.runtime.decision}, normalised so that equal facts give
 * byte-equal JSON (the decision cache key and the decision log's digest): keys sorted, numbers
 * without trailing zeros, and the time rounded down to the engine's time bucket (a minute by
 * default).
 *
 * @param agent the calling agent
 * @param delegationChain agents from the original caller to {@code agent}
 * @param action {@code model.call} or {@code tool.call}
 * @param resource the model ({@code provider/name@revision}) or tool ({@code mcp://gateway/x})
 * @param actionValueUsd the business value of the action in USD, or null
 * @param budget budget state ({@code usd_spent_today}, {@code calls_last_hour}, ...), keys sorted
 * @param time the call time rounded down to the bucket, RFC 3339 UTC
 */
@JsonPropertyOrder(alphabetic = true)
public record RuntimeInputV1(
    @JsonProperty("agent") String agent,
    @JsonProperty("delegation_chain") List<String> delegationChain,
    @JsonProperty("action") String action,
    @JsonProperty("resource") String resource,
    @JsonProperty("action_value_usd") BigDecimal actionValueUsd,
    @JsonProperty("budget") SortedMap<String, Object> budget,
    @JsonProperty("time") String time) {}
