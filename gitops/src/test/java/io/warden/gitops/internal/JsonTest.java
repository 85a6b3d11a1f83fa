package io.warden.gitops.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.Problem;
import io.warden.core.change.Approval;
import io.warden.core.change.CheckResult;
import io.warden.core.change.FileChange;
import io.warden.core.change.RequiredApproval;
import io.warden.core.identity.Role;
import io.warden.gitops.ChangeRequest;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void write_changeRequest_roundTripsWithoutDerivedFields() {
    Instant t = Instant.parse("2026-11-26T10:15:30.123Z");
    ChangeRequest cr = new ChangeRequest("7", "Raise", "alice", "raise", "a".repeat(40), "b".repeat(40),
        ChangeRequest.Status.OPEN, t, t.plusSeconds(5),
        List.of(new FileChange("agents/x.yaml", FileChange.Kind.MODIFIED)),
        List.of(CheckResult.failed("schema", List.of(new Problem("agents/x.yaml", 12, 5, "spec.budgets.usd_per_day", "must be >= 0")))),
        "c".repeat(40), "b".repeat(40),
        List.of(new Approval("bob", Role.APPROVER, Set.of("platform"), "b".repeat(40), t)),
        List.of(new RequiredApproval(Role.APPROVER, "platform", 1, "budget")), List.of("alice"), "", "", "");

    String json = Json.write(cr);

    assertThat(json).contains("\"createdAt\":\"2026-11-26T10:15:30.123Z\"", "\"status\":\"OPEN\"", "\"line\":12")
        .doesNotContain("blockers", "apiPath", "\"passed\"");
    assertThat(Json.read(json, ChangeRequest.class)).isEqualTo(cr);
    assertThat(Json.read("{\"id\":\"1\",\"title\":\"t\",\"author\":\"a\",\"branch\":\"b\",\"baseCommit\":\"x\","
        + "\"headCommit\":\"y\",\"status\":\"CLOSED\",\"createdAt\":\"2026-01-01T00:00:00Z\","
        + "\"updatedAt\":\"2026-01-01T00:00:00Z\",\"futureField\":42}", ChangeRequest.class).status())
        .isEqualTo(ChangeRequest.Status.CLOSED);
  }
}
