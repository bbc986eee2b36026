package dev.tollgate;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The package layout the code promises (STYLE.md), checked so it stays true as the code grows. */
@AnalyzeClasses(packages = "dev.tollgate", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule siblingProvidersNeverImportEachOther = noClasses()
            .that().resideInAPackage("..provider.openai..")
            .should().dependOnClassesThat().resideInAPackage("..provider.simulated..")
            .andShould().dependOnClassesThat().resideInAPackage("..provider.simulated..");

    @ArchTest
    static final ArchRule simulatedDoesNotImportOpenAi = noClasses()
            .that().resideInAPackage("..provider.simulated..")
            .should().dependOnClassesThat().resideInAPackage("..provider.openai..");

    @ArchTest
    static final ArchRule onlyWiringKnowsTheWiring = noClasses()
            .that().resideOutsideOfPackage("..boot..")
            .should().dependOnClassesThat().resideInAPackage("dev.tollgate.boot..");

    @ArchTest
    static final ArchRule onlyStoreImplementationsImportR2dbc = noClasses()
            .that().resideOutsideOfPackages("..boot..")
            .and().haveSimpleNameNotStartingWith("R2dbc")
            .should().dependOnClassesThat().resideInAPackage("io.r2dbc..");

    @ArchTest
    static final ArchRule configIsALeaf = noClasses()
            .that().resideInAPackage("..config..")
            .should().dependOnClassesThat().resideInAnyPackage("..pipeline..", "..routing..", "..provider..", "..usage..", "..api..");

    @ArchTest
    static final ArchRule wireFormatKnowsNoPipeline = noClasses()
            .that().resideInAPackage("..api..")
            .should().dependOnClassesThat().resideInAnyPackage("..pipeline..", "..routing..", "..usage..", "..provider..");

    @ArchTest
    static final ArchRule providersKnowNoRoutingOrPipeline = noClasses()
            .that().resideInAPackage("..provider..")
            .should().dependOnClassesThat().resideInAnyPackage("..pipeline..", "..routing..", "..usage..");
}
