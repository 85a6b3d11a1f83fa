package io.warden.gitops.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.Problem;
import io.warden.core.change.ChangeCheck;
import io.warden.core.change.CheckResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LayoutCheckTest extends ChangeCheckContractTest {

  @Override
  protected ChangeCheck newCheck() {
    return LayoutCheck.create();
  }

  @Override
  protected String expectedName() {
    return "layout";
  }

  @Test
  void run_filesOutsideLayoutOrTooLarge_failed() {
    CheckResult result = LayoutCheck.create().run(Changes.onMain(Map.of("Makefile", "old"))
        .write("src/run.sh", "rm -rf /").write("policies/big.rego", new byte[(1 << 20) + 1])
        .write("policies/ok.rego", "package ok").delete("Makefile").build());
    assertThat(result.status()).isEqualTo(CheckResult.Status.FAILED);
    assertThat(result.problems()).extracting(Problem::file).containsExactly("policies/big.rego", "src/run.sh");
    assertThat(result.problems().get(1).message()).contains("outside the repository layout");
  }

  @Test
  void run_layoutFiles_passed() {
    CheckResult result = LayoutCheck.create().run(Changes.onMain(Map.of())
        .write("pricing.yaml", "a: 1").write("tools/sap.md", "x").build());
    assertThat(result.passed()).isTrue();
    assertThat(result.summary()).isEqualTo("2 changed files inside the layout");
  }
}
