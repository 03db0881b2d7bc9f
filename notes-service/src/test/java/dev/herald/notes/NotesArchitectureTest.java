package dev.herald.notes;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The direction of notes-service's package dependencies: {@code outbox} (the table and its relay to Kafka)
 * knows nothing of notes; {@code note} (the notes API, its storage and rate limit) writes to the outbox;
 * {@code web} (what every response shares) knows notes; {@code security} sits on top and nothing else
 * depends on it.
 */
class NotesArchitectureTest {

    private static JavaClasses notes;

    @BeforeAll
    static void importMainClasses() {
        notes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.herald.notes");
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("dev.herald.notes.(*)..").should().beFreeOfCycles().check(notes);
    }

    @Test
    void theOutboxKnowsNothingOfNotesHttpOrSecurity() {
        noClasses()
                .that()
                .resideInAPackage("dev.herald.notes.outbox..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.herald.notes.note..", "dev.herald.notes.web..", "dev.herald.notes.security..")
                .check(notes);
    }

    @Test
    void notesDependOnNeitherTheSharedWebPartsNorSecurity() {
        noClasses()
                .that()
                .resideInAPackage("dev.herald.notes.note..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.herald.notes.web..", "dev.herald.notes.security..")
                .check(notes);
    }

    @Test
    void nothingDependsOnSecurity() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.herald.notes.security..")
                .and()
                .resideOutsideOfPackage("dev.herald.notes")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.herald.notes.security..")
                .check(notes);
    }

    @Test
    void onlyTheOutboxUsesKafkaClients() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.herald.notes.outbox..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.apache.kafka..", "org.springframework.kafka..")
                .check(notes);
    }

    /** Of Herald's own code, notes-service uses its own and the event contracts (from their one package). */
    @Test
    void ofHeraldOnlyItsOwnCodeAndTheEventContracts() {
        noClasses()
                .should()
                .dependOnClassesThat(DescribedPredicate.describe(
                        "are Herald's outside notes-service and dev.herald.contracts",
                        (JavaClass c) -> c.getPackageName().startsWith("dev.herald.")
                                && !c.getPackageName().startsWith("dev.herald.notes")
                                && !c.getPackageName().equals("dev.herald.contracts")))
                .check(notes);
    }
}
