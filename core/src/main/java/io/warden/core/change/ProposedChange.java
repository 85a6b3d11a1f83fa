package io.warden.core.change;

import java.util.List;
import java.util.Objects;

/**
 * What a check evaluates: a change request's proposed tree against the tree of {@code main} it
 * would replace.
 *
 * @param id change request id
 * @param title one-line title
 * @param author the user name of the author
 * @param base the current head of {@code main}
 * @param head the proposed tree (the change branch head)
 * @param changes the paths that differ between base and head
 * @param approvals approvals given so far for this head
 */
public record ProposedChange(
    String id, String title, String author, RepoSnapshot base, RepoSnapshot head,
    List<FileChange> changes, List<Approval> approvals) {
  public ProposedChange {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(author, "author");
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(head, "head");
    changes = List.copyOf(changes);
    approvals = List.copyOf(approvals);
  }
}
