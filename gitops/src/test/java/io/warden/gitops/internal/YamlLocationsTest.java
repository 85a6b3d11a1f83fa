package io.warden.gitops.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.gitops.internal.YamlLocations.Position;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class YamlLocationsTest {

  private static YamlLocations of(String yaml) {
    return YamlLocations.of(yaml.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void find_blockStyle_keysAndListItems() {
    YamlLocations at = of("""
        apiVersion: agent.os/v1
        metadata:
          name: a
        spec:
          delegates:
            - b
            - c
        """);
    assertThat(at.find("metadata.name")).isEqualTo(new Position(3, 3));
    assertThat(at.find("spec.delegates")).isEqualTo(new Position(5, 3));
    assertThat(at.find("spec.delegates[0]")).isEqualTo(new Position(6, 7));
    assertThat(at.find("spec.delegates[1]")).isEqualTo(new Position(7, 7));
  }

  @Test
  void find_flowStyle_listItems() {
    YamlLocations at = of("spec:\n  delegates: [b, cc]\n");
    assertThat(at.find("spec.delegates[1]")).isEqualTo(new Position(2, 18));
  }

  @Test
  void find_missingPathOrMalformedYaml_unknown() {
    assertThat(of("a: 1\n").find("b")).isEqualTo(Position.UNKNOWN);
    YamlLocations broken = of("metadata:\n  name: x\nspec: [\n");
    assertThat(broken.find("metadata.name")).isEqualTo(new Position(2, 3));
    assertThat(broken.find("spec.delegates[0]")).isEqualTo(Position.UNKNOWN);
  }
}
