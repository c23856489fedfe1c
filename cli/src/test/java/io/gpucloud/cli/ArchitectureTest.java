package io.gpucloud.cli;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The module cut of design.md, enforced. Each rule is built for a root package so that it runs
 * against the real code ({@code io.gpucloud}) and, to prove it can fail, against planted
 * violations ({@code io.gpucloud.archplant}, test sources only).
 */
class ArchitectureTest {
    private static final String ROOT = "io.gpucloud";
    private static final String PLANT = "io.gpucloud.archplant";

    private static final JavaClasses PRODUCTION = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);
    private static final JavaClasses PLANTED = new ClassFileImporter().importPackages(PLANT);

    static ArchRule domainDependsOnTheJdkOnly(String root) {
        return classes().that().resideInAPackage(root + ".domain..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", root + ".domain..")
                .as("domain depends on the JDK only");
    }

    static ArchRule applicationDependsOnDomainOnly(String root) {
        return classes().that().resideInAPackage(root + ".application..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", root + ".domain..", root + ".application..")
                .as("application depends on domain only");
    }

    static List<ArchRule> adaptersDoNotDependOnEachOther(String root) {
        List<String> adapters = List.of("http", "persistence", "redis");
        return adapters.stream().map(adapter -> (ArchRule) noClasses().that().resideInAPackage(root + ".adapters." + adapter + "..")
                .should().dependOnClassesThat().resideInAnyPackage(adapters.stream().filter(other -> !other.equals(adapter))
                        .map(other -> root + ".adapters." + other + "..").toArray(String[]::new))
                .as("adapters." + adapter + " does not depend on another adapter")).toList();
    }

    static ArchRule nothingDependsOnBootstrapOrCli(String root) {
        return noClasses().that().resideOutsideOfPackages(root + ".bootstrap..", root + ".cli..")
                .should().dependOnClassesThat().resideInAnyPackage(root + ".bootstrap..", root + ".cli..")
                .as("nothing but bootstrap and cli depends on bootstrap or cli");
    }

    static List<ArchRule> frameworksStayInTheirAdapter(String root) {
        return List.of(
                onlyIn(root, "adapters.http", "io.undertow..", "com.fasterxml.jackson..", "com.knuddels..", "org.eclipse.jetty.."),
                onlyIn(root, "adapters.persistence", "org.jdbi..", "org.flywaydb..", "com.zaxxer..", "org.postgresql..", "io.zonky.."),
                onlyIn(root, "adapters.redis", "io.lettuce.."),
                onlyIn(root, "cli", "picocli.."));
    }

    private static ArchRule onlyIn(String root, String module, String... frameworks) {
        return noClasses().that().resideOutsideOfPackages(root + "." + module + "..", root + ".bootstrap..")
                .should().dependOnClassesThat().resideInAnyPackage(frameworks)
                .as(String.join(", ", frameworks) + " used only in " + module + " and bootstrap");
    }

    static ArchRule featuresAreFreeOfCycles(String root) {
        return slices().matching(root + ".(domain|application).(*)..").should().beFreeOfCycles()
                .as("no cycles between features");
    }

    @Test
    void domain_dependsOnTheJdkOnly() {
        domainDependsOnTheJdkOnly(ROOT).check(PRODUCTION);
        assertThrows(AssertionError.class, () -> domainDependsOnTheJdkOnly(PLANT).check(PLANTED));
    }

    @Test
    void application_dependsOnDomainOnly() {
        applicationDependsOnDomainOnly(ROOT).check(PRODUCTION);
        assertThrows(AssertionError.class, () -> applicationDependsOnDomainOnly(PLANT).check(PLANTED));
    }

    @Test
    void adapters_doNotDependOnEachOther() {
        adaptersDoNotDependOnEachOther(ROOT).forEach(rule -> rule.check(PRODUCTION));
        assertThrows(AssertionError.class, () -> adaptersDoNotDependOnEachOther(PLANT).getFirst().check(PLANTED));
    }

    @Test
    void bootstrapAndCli_areDependedOnByNothingElse() {
        nothingDependsOnBootstrapOrCli(ROOT).check(PRODUCTION);
        assertThrows(AssertionError.class, () -> nothingDependsOnBootstrapOrCli(PLANT).check(PLANTED));
    }

    @Test
    void frameworks_stayInTheirOwnAdapter() {
        frameworksStayInTheirAdapter(ROOT).forEach(rule -> rule.check(PRODUCTION));
        List<ArchRule> planted = frameworksStayInTheirAdapter(PLANT);
        assertThrows(AssertionError.class, () -> planted.get(0).check(PLANTED));
        assertThrows(AssertionError.class, () -> planted.get(1).check(PLANTED));
    }

    @Test
    void features_areFreeOfCycles() {
        featuresAreFreeOfCycles(ROOT).check(PRODUCTION);
        assertThrows(AssertionError.class, () -> featuresAreFreeOfCycles(PLANT).check(PLANTED));
    }
}
