/**
 * The budget ledger every part of the execution plane charges: the model gateway (tokens), and
 * later the MCP gateway (external actions) and the executors (compute). Limits come from the
 * descriptor's {@code spec.budgets} and a scoped token's {@code usd_budget}.
 *
 * <p>Contents: {@link io.warden.core.budget.BudgetLedger} (reserve an estimate before the work,
 * settle the real figure after it), {@link io.warden.core.budget.BudgetRequest},
 * {@link io.warden.core.budget.Reservation}, {@link io.warden.core.budget.BudgetUsage},
 * {@link io.warden.core.budget.BudgetExceededException}, and
 * {@link io.warden.core.budget.TokenPrices}, the price lookup the gateways estimate and settle with.
 */
@NullMarked
package io.warden.core.budget;

import org.jspecify.annotations.NullMarked;
