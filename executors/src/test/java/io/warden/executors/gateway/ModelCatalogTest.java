package io.warden.executors.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.WardenException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ModelCatalogTest {

  @Test
  void seed_namesSnapshotsInEachProvidersStyle() {
    ModelCatalog c = ModelCatalog.seed();
    assertThat(c.snapshot("openai", "gpt-4o", "2024-08-06")).isEqualTo("gpt-4o-2024-08-06");
    assertThat(c.snapshot("openai", "gpt-4.1", "2025-04-14")).isEqualTo("gpt-4.1-2025-04-14");
    assertThat(c.snapshot("anthropic", "claude-haiku-4-5", "2025-10-01")).isEqualTo("claude-haiku-4-5-20251001");
    assertThat(c.snapshot("vllm", "llama-3", "v2")).isEqualTo("llama-3-v2");
  }

  @Test
  void explicitEntries_winOverNaming() {
    ModelCatalog c = ModelCatalog.parse("models.yaml", """
        version: 1
        models:
          anthropic:
            claude-opus-4-7:
              "2026-02-14": claude-opus-4-7@20260214-eu
        """.getBytes(StandardCharsets.UTF_8));
    assertThat(c.snapshot("anthropic", "claude-opus-4-7", "2026-02-14")).isEqualTo("claude-opus-4-7@20260214-eu");
  }

  @Test
  void parse_badFile_isRefusedWholeNamingTheField() {
    assertThatThrownBy(() -> ModelCatalog.parse("models.yaml", """
        version: 1
        naming:
          openai: "{revision}"
        models:
          openai:
            gpt-4o:
              "2024-08-06": "has space"
        extra: 1
        """.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(WardenException.class, e -> {
          assertThat(e.code()).isEqualTo("invalid_input");
          assertThat(e.problems()).extracting(p -> p.field())
              .containsExactlyInAnyOrder("extra", "naming.openai", "models.openai.gpt-4o.2024-08-06");
        });
  }

  @Test
  void changeCheck_failsABadModelsFile_andPassesAGoodOrAbsentOne() throws Exception {
    io.warden.core.change.RepoSnapshot base = io.warden.core.change.RepoSnapshot.of("b", ModelCatalog.seedFiles());
    java.util.function.Function<java.util.Map<String, byte[]>, io.warden.core.change.CheckResult> run = files -> {
      try {
        return ModelCatalog.changeCheck().run(new io.warden.core.change.ProposedChange("1", "t", "alice", base,
            io.warden.core.change.RepoSnapshot.of("h", files), java.util.List.of(), java.util.List.of()));
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    };
    assertThat(run.apply(ModelCatalog.seedFiles()).passed()).isTrue();
    assertThat(run.apply(java.util.Map.of()).passed()).isTrue();
    io.warden.core.change.CheckResult bad = run.apply(java.util.Map.of(ModelCatalog.FILE,
        "naming:\n  openai: 3\n".getBytes(StandardCharsets.UTF_8)));
    assertThat(bad.passed()).isFalse();
    assertThat(bad.problems()).extracting(p -> p.field()).containsExactly("naming.openai");
  }

  @Test
  void parse_notYaml_saysWhere() {
    assertThatThrownBy(() -> ModelCatalog.parse("models.yaml", "models: [".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(WardenException.class).hasMessageContaining("models.yaml").hasMessageContaining("not valid YAML");
  }
}
