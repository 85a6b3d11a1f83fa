package io.warden.executors.session;

import java.math.BigDecimal;
import java.time.Duration;

/** Prices an agent's compute time (the appliance uses {@code pricing.yaml}'s {@code usd_per_agent_second}). */
@FunctionalInterface
public interface ComputePrice {

  /** What {@code agent} running for {@code time} costs, in USD. */
  BigDecimal usd(String agent, Duration time);

  /** Compute is free. */
  ComputePrice FREE = (agent, time) -> BigDecimal.ZERO;
}
