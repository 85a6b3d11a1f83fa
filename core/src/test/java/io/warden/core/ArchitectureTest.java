package io.warden.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code core} at the bottom of the module graph: it depends on no other Warden module, and
 * holds no network server (Vert.x), database driver (JDBC) or UI (Vaadin) code.
 */
class ArchitectureTest {

  private static final ArchRule CORE_STANDS_ALONE = noClasses().that().resideInAPackage("io.warden.core..")
      .should().dependOnClassesThat().resideInAnyPackage(
          "io.warden.policy..",
          "io.warden.gitops..",
          "io.warden.tracestore..",
          "io.warden.executors..",
          "io.warden.ui..",
          "io.warden.packaging..",
          "io.vertx..",
          "java.sql..",
          "com.vaadin..")
      .because("core is the bottom of the module graph (see DESIGN.md)");

  @Test
  void core_dependsOnNoOtherModuleNorFramework() {
    JavaClasses core = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.warden.core");
    assertThat(core).as("core classes were imported").hasSizeGreaterThan(20);
    CORE_STANDS_ALONE.check(core);
  }

  @Test
  void rule_coreClassUsingJdbc_isCaught() {
    JavaClasses offender = new ClassFileImporter().importClasses(JdbcUser.class);
    assertThatThrownBy(() -> CORE_STANDS_ALONE.check(offender))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("java.sql.Connection");
  }

  /** Stands in for a core class that broke the rule. */
  static final class JdbcUser {
    java.sql.Connection connection;
  }
}
