/**
 * Change requests as checks see them, and the {@link io.warden.core.change.ChangeCheck} SPI that
 * other modules implement (schema and cross-file checks in gitops, OPA admission in policy). Check
 * results are attached to a change request like CI statuses on a pull request.
 *
 * <p>Contents: {@link io.warden.core.change.RepoSnapshot}, {@link io.warden.core.change.ProposedChange},
 * {@link io.warden.core.change.FileChange}, {@link io.warden.core.change.Approval},
 * {@link io.warden.core.change.ChangeCheck}, {@link io.warden.core.change.CheckResult},
 * {@link io.warden.core.change.RequiredApproval}.
 */
@NullMarked
package io.warden.core.change;

import org.jspecify.annotations.NullMarked;
