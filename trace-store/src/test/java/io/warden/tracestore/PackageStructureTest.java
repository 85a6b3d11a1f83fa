package io.warden.tracestore;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The module's packages depend one way: the stores ({@code lucene}, {@code clickhouse}) and
 * {@code pricing} are public and never reach into {@code internal}; only the facade
 * ({@link TraceStore}, its builder) wires the internals together.
 */
class PackageStructureTest {
  private static final JavaClasses MAIN = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.warden.tracestore");

  @Test
  void publicStorePackages_doNotDependOnInternal() {
    noClasses().that().resideInAnyPackage("io.warden.tracestore.lucene..", "io.warden.tracestore.clickhouse..",
            "io.warden.tracestore.pricing..")
        .should().dependOnClassesThat().resideInAPackage("io.warden.tracestore.internal..")
        .check(MAIN);
  }
}
