package io.warden.packaging;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module graph of DESIGN.md, enforced: core depends on no Warden module; policy, gitops,
 * trace-store and executors depend only on core; only packaging knows everything. Runs here because
 * packaging's classpath holds every module.
 */
class ModuleBoundariesTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.warden");
  }

  @Test
  void core_dependsOnNoOtherModule() {
    noClasses().that().resideInAPackage("io.warden.core..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.warden.policy..", "io.warden.gitops..", "io.warden.tracestore..",
            "io.warden.executors..", "io.warden.ui..", "io.warden.packaging..")
        .check(classes);
  }

  @Test
  void policy_dependsOnlyOnCore() {
    onlyCore("io.warden.policy..", "io.warden.gitops..", "io.warden.tracestore..", "io.warden.executors..");
  }

  @Test
  void gitops_dependsOnlyOnCore() {
    onlyCore("io.warden.gitops..", "io.warden.policy..", "io.warden.tracestore..", "io.warden.executors..");
  }

  @Test
  void traceStore_dependsOnlyOnCore() {
    onlyCore("io.warden.tracestore..", "io.warden.policy..", "io.warden.gitops..", "io.warden.executors..");
  }

  @Test
  void executors_dependOnlyOnCore() {
    onlyCore("io.warden.executors..", "io.warden.policy..", "io.warden.gitops..", "io.warden.tracestore..");
  }

  @Test
  void nothingButPackagingKnowsPackaging() {
    noClasses().that().resideOutsideOfPackage("io.warden.packaging..")
        .should().dependOnClassesThat().resideInAPackage("io.warden.packaging..")
        .check(classes);
  }

  private static void onlyCore(String module, String... siblings) {
    String[] forbidden = new String[siblings.length + 2];
    System.arraycopy(siblings, 0, forbidden, 0, siblings.length);
    forbidden[siblings.length] = "io.warden.ui..";
    forbidden[siblings.length + 1] = "io.warden.packaging..";
    noClasses().that().resideInAPackage(module)
        .should().dependOnClassesThat().resideInAnyPackage(forbidden)
        .check(classes);
  }
}
