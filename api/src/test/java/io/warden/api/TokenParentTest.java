package io.warden.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import io.warden.core.WardenException;
import org.junit.jupiter.api.Test;

/** {@code parent: {trace_id, span_id}} of {@code POST /api/v1/tokens}: the delegating span, as the holder's hop. */
class TokenParentTest {
  @Test
  void parent_hexIds_becomeTheHoldersHop() {
    var hops = IdentityRoutes.parent(new JsonObject().put("trace_id", "4BF92F3577B34DA6A3CE929D0E0E4736")
        .put("span_id", "00f067aa0ba902b7"), "planner");
    assertThat(hops).extracting(Object::toString).containsExactly("planner@4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7");
  }

  @Test
  void parent_absent_namesNoSpan() {
    assertThat(IdentityRoutes.parent(new JsonObject(), "planner")).isEmpty();
  }

  @Test
  void parent_badIds_areInvalidNamingTheField() {
    assertThatThrownBy(() -> IdentityRoutes.parent(new JsonObject().put("trace_id", "4bf9").put("span_id",
        "00f067aa0ba902b7"), "planner"))
        .isInstanceOf(WardenException.class).hasMessageContaining("parent.trace_id must be 32 hex digits")
        .hasMessageContaining("'4bf9'");
    assertThatThrownBy(() -> IdentityRoutes.parent(new JsonObject().put("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736")
        .put("span_id", "0000000000000000"), "planner"))
        .isInstanceOf(WardenException.class).hasMessageContaining("parent.span_id");
    assertThatThrownBy(() -> IdentityRoutes.parent(new JsonObject().put("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"),
        "planner"))
        .isInstanceOf(WardenException.class).hasMessageContaining("parent.span_id").hasMessageContaining("got nothing");
  }
}
