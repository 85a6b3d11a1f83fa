package io.warden.packaging.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.Problem;
import io.warden.core.WardenException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WardenConfigTest {

  @TempDir
  Path dir;

  private Path file(String yaml) throws Exception {
    return Files.writeString(dir.resolve("my.yaml"), yaml);
  }

  @Test
  void load_userFileAndEnvironment_overrideDefaultsAsWritten() throws Exception {
    WardenConfig c = WardenConfig.load(file("http:\n  port: 9090\npolicy:\n  opa_url: \"\"\n"),
        Map.of("WARDEN_OTLP_GRPC_PORT", "5317"));

    assertThat(c.port("http.port")).isEqualTo(9090);
    assertThat(c.string("policy.opa_url")).isEmpty();
    assertThat(c.port("otlp.grpc_port")).isEqualTo(5317);
    assertThat(c.port("policy.sidecar_port")).isEqualTo(8181); // a default from the bundled warden.yaml
  }

  @Test
  void load_unknownKeyAndList_areRefusedAtTheirKeys() throws Exception {
    Path f = file("http:\n  port: 9090\n  prot: 1\npolicy:\n  opa_binary: [a, b]\n");

    assertThatThrownBy(() -> WardenConfig.load(f, Map.of()))
        .isInstanceOfSatisfying(WardenException.class, e -> {
          assertThat(e.code()).isEqualTo("invalid_input");
          assertThat(e.problems()).extracting(Problem::line, Problem::column, Problem::field)
              .containsExactly(org.assertj.core.groups.Tuple.tuple(3, 3, "http.prot"),
                  org.assertj.core.groups.Tuple.tuple(5, 3, "policy.opa_binary"));
          assertThat(e.problems().get(0).message()).startsWith("unknown setting; known settings: ");
          assertThat(e.problems().get(1).message()).isEqualTo("lists are not settings here");
        });
  }

  @Test
  void load_malformedYaml_isRefusedWithItsLocation() throws Exception {
    Path f = file("http:\n  port: [\n");

    assertThatThrownBy(() -> WardenConfig.load(f, Map.of()))
        .isInstanceOfSatisfying(WardenException.class, e -> assertThat(e.problems()).singleElement()
            .satisfies(p -> {
              assertThat(p.file()).isEqualTo(f.toString());
              assertThat(p.line()).isPositive();
              assertThat(p.message()).containsIgnoringCase("malformed yaml");
            }));
  }

  @Test
  void load_emptyFile_keepsEveryDefault() throws Exception {
    assertThat(WardenConfig.load(file("# nothing\n"), Map.of()).asMap())
        .isEqualTo(WardenConfig.defaults(Map.of()).asMap());
  }
}
