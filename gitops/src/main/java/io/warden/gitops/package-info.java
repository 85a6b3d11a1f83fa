/**
 * GitOps for Warden: its own Git repository, change requests (the pull-request experience), the
 * checks run on them, merge, and the reconcile loop that applies {@code main} to the inventory.
 *
 * <p>Contents:
 * <ul>
 *   <li>{@link io.warden.gitops.WardenRepository}: the bare repository (JGit, fsync on), snapshots,
 *       first-parent history and diffs.
 *   <li>{@link io.warden.gitops.GitSmartHttp}: git's smart-HTTP protocol over plain streams, with the
 *       push rules ({@code main} protected) and the change-request report a push prints.
 *   <li>{@link io.warden.gitops.ChangeRequests} and {@link io.warden.gitops.ChangeRequest}: open,
 *       check (outside the write lock), approve, merge, close, recheck; durable across
 *       {@code kill -9}. The split classes behind them are package-private.
 *   <li>{@link io.warden.gitops.Reconciler}: applies {@code main} to the inventory and executors;
 *       history and rollback.
 * </ul>
 * The checks themselves are in {@code io.warden.gitops.check}.
 */
@NullMarked
package io.warden.gitops;

import org.jspecify.annotations.NullMarked;
