package io.warden.core.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.yaml.LocatedYaml.Position;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Locations by path as text, as the change checks, policies, pricing and settings look them up. */
class LocatedYamlTest {

  private static LocatedYaml read(String yaml) {
    return LocatedYaml.read("f.yaml", yaml.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void find_blockStyle_keysAndListItems() {
    LocatedYaml at = read("""
        apiVersion: agent.os/v1
        metadata:
          name: a
        spec:
          delegates:
            - b
            - c
        """);
    assertThat(at.find("metadata.name")).contains(new Position(3, 3));
    assertThat(at.find("spec.delegates")).contains(new Position(5, 3));
    assertThat(at.find("spec.delegates[0]")).contains(new Position(6, 7));
    assertThat(at.find("spec.delegates[1]")).contains(new Position(7, 7));
  }

  @Test
  void find_flowStyle_listItems() {
    assertThat(read("spec:\n  delegates: [b, cc]\n").find("spec.delegates[1]")).contains(new Position(2, 18));
  }

  @Test
  void find_keysUnderEachListItem_areEachItemsOwn() {
    // pricing's old locator had no index per item: every item's key was located at the first item's.
    LocatedYaml at = read("""
        models:
          - name: a
            input_per_mtok: 1
          - name: b
            input_per_mtok: x
        """);
    assertThat(at.find("models[0].input_per_mtok")).contains(new Position(3, 5));
    assertThat(at.find("models[1].input_per_mtok")).contains(new Position(5, 5));
  }

  @Test
  void find_keysWithDots_asWritten() {
    assertThat(read("models:\n  gpt-4.1:\n    input_per_mtok: 2\n").find("models.gpt-4.1.input_per_mtok"))
        .contains(new Position(3, 5));
  }

  @Test
  void find_missingPathOrAfterASyntaxError_isEmpty_whatWasReadBeforeStaysLocated() {
    assertThat(read("a: 1\n").find("b")).isEmpty();
    LocatedYaml broken = read("metadata:\n  name: x\nspec: [\n");
    assertThat(broken.problems()).isNotEmpty();
    assertThat(broken.find("metadata.name")).contains(new Position(2, 3));
    assertThat(broken.find("spec.delegates[0]")).isEmpty();
  }

  @Test
  void findNearest_missingLeaf_isTheNearestEnclosingField() {
    LocatedYaml at = read("spec:\n  tools:\n    - a\n  budgets:\n    usd_per_day: 4\n");
    assertThat(at.findNearest("spec.tools[7]")).contains(new Position(2, 3));
    assertThat(at.findNearest("spec.budgets.nope")).contains(new Position(4, 3));
    assertThat(at.findNearest("spec.shadow.candidate")).contains(new Position(1, 1));
    assertThat(at.findNearest("other.x")).isEmpty();
    assertThat(read("").findNearest("a[0]")).isEmpty();
    assertThat(read("- x\n").findNearest("spec.tools")).isEmpty();
  }
}
