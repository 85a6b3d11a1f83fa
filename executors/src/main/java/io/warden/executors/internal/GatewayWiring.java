package io.warden.executors.internal;

import io.vertx.core.Vertx;
import io.warden.core.audit.AuditLog;
import io.warden.core.budget.BudgetLedger;
import io.warden.core.identity.IdentityService;
import io.warden.core.inventory.Inventory;
import io.warden.core.policy.PolicyDecider;
import io.warden.core.trace.SpanSink;
import java.time.Clock;

/** The checked wiring an {@link AbstractGatewayBuilder} hands to the gateway it builds. */
public record GatewayWiring(
    Vertx vertx,
    IdentityService identity,
    Inventory inventory,
    BudgetLedger ledger,
    PolicyDecider policy,
    AuditLog audit,
    SpanSink spans,
    Clock clock,
    long maxRequestBytes) {}
