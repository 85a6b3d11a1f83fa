package io.warden.packaging;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaPackage;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module graph of DESIGN.md, enforced: core depends on no Warden module; policy, gitops,
 * trace-store and executors depend only on core; the HTTP API (api) builds on those but not on the
 * console or packaging; the console (ui) reads the same services but neither the API nor
 * packaging; the demo (stand-ins and traffic driver) knows only core, and nothing but
 * packaging (the {@code demo} command) and tests knows it; only packaging knows everything. Runs
 * here because packaging's classpath holds every module.
 */
class ModuleBoundariesTest {
  private static final String[] MODULES = {
    "io.warden.core", "io.warden.policy", "io.warden.gitops", "io.warden.tracestore",
    "io.warden.executors", "io.warden.api", "io.warden.ui", "io.warden.demo", "io.warden.packaging"};

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
            "io.warden.executors..", "io.warden.ui..", "io.warden.packaging..", "io.warden.api..",
            "io.warden.demo..")
        .check(classes);
  }

  @Test
  void demo_dependsOnlyOnCore() {
    onlyCore("io.warden.demo..", "io.warden.policy..", "io.warden.gitops..", "io.warden.tracestore..",
        "io.warden.executors..");
  }

  @Test
  void nothingButPackagingKnowsTheDemo() {
    noClasses().that().resideOutsideOfPackages("io.warden.demo..", "io.warden.packaging..")
        .should().dependOnClassesThat().resideInAPackage("io.warden.demo..")
        .because("the stand-ins and the traffic driver are for warden demo and the tests only")
        .check(classes);
  }

  @Test
  void api_knowsNeitherConsoleNorPackaging() {
    noClasses().that().resideInAPackage("io.warden.api..")
        .should().dependOnClassesThat().resideInAnyPackage("io.warden.ui..", "io.warden.packaging..")
        .check(classes);
  }

  @Test
  void console_knowsNeitherApiNorPackaging() {
    // It calls the services the API routes call, never the API (over HTTP or its classes).
    noClasses().that().resideInAPackage("io.warden.ui..")
        .should().dependOnClassesThat().resideInAnyPackage("io.warden.api..", "io.warden.packaging..")
        .check(classes);
  }

  @Test
  void noModuleUsesAnotherModulesInternals() {
    for (String module : MODULES) {
      noClasses().that().resideOutsideOfPackage(module + "..")
          .should().dependOnClassesThat().resideInAPackage(module + "..internal..")
          .because("internal packages are not API; only their own module may use them")
          .check(classes);
    }
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

  /**
   * Hazelcast is loaded apart, only by a cluster member (packaging's ClusterNode): only
   * io.warden.executors.cluster, which that loader loads, may use it; and nothing else may use that
   * package (the rest of the appliance talks to it through executors' SessionCluster).
   */
  @Test
  void onlyTheClusterPackageKnowsHazelcast() {
    noClasses().that().resideOutsideOfPackage("io.warden.executors.cluster..")
        .should().dependOnClassesThat().resideInAnyPackage("com.hazelcast..", "io.vertx.spi.cluster..")
        .check(classes);
    noClasses().that().resideOutsideOfPackage("io.warden.executors.cluster..")
        .should().dependOnClassesThat().resideInAPackage("io.warden.executors.cluster..")
        .check(classes);
  }

  @Test
  void nothingButPackagingKnowsPackaging() {
    noClasses().that().resideOutsideOfPackage("io.warden.packaging..")
        .should().dependOnClassesThat().resideInAPackage("io.warden.packaging..")
        .check(classes);
  }

  @Test
  void everyPackageSaysItsJobAndIsNullMarked() {
    List<String> offenders = new ArrayList<>();
    for (JavaPackage pkg : classes.getPackage("io.warden").getSubpackagesInTree()) {
      if (pkg.getClasses().stream().noneMatch(c -> !c.getSimpleName().equals("package-info"))) {
        continue; // a package that only holds subpackages
      }
      if (pkg.tryGetPackageInfo().isEmpty()) {
        offenders.add(pkg.getName() + ": no package-info.java");
      } else if (!pkg.isAnnotatedWith(NullMarked.class)) {
        offenders.add(pkg.getName() + ": package-info.java lacks @NullMarked");
      }
    }
    assertThat(offenders).as("packages without a package-info.java saying their job, or not @NullMarked").isEmpty();
  }

  private static void onlyCore(String module, String... siblings) {
    String[] forbidden = new String[siblings.length + 3];
    System.arraycopy(siblings, 0, forbidden, 0, siblings.length);
    forbidden[siblings.length] = "io.warden.ui..";
    forbidden[siblings.length + 1] = "io.warden.packaging..";
    forbidden[siblings.length + 2] = "io.warden.api..";
    noClasses().that().resideInAPackage(module)
        .should().dependOnClassesThat().resideInAnyPackage(forbidden)
        .check(classes);
  }
}
