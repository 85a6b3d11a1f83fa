/**
 * Approvals held inside the runtime path: an action that policy says needs a human is persisted as a
 * pending {@link io.warden.core.approval.Approval}, decided by a user with the approver role (never
 * an agent), expires after a timeout, and records whether its action has been executed so that it
 * runs at most once, across restarts.
 *
 * <p>Contents: {@link io.warden.core.approval.ApprovalService} (the durable primitive),
 * {@link io.warden.core.approval.Approval} (one request and its decision),
 * {@link io.warden.core.approval.ApprovalRequest} (what the execution plane asks to hold).
 */
@NullMarked
package io.warden.core.approval;

import org.jspecify.annotations.NullMarked;
