package dev.herald.gateway;

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
 * The direction of the gateway's package dependencies. {@code fanout} (the hub, streams, resumes) knows no
 * transport: Kafka comes in through {@code kafka}, HTTP through {@code stream}, tokens through {@code auth};
 * {@code resume} (positions) depends on nothing of the gateway's.
 */
class GatewayArchitectureTest {

    private static JavaClasses gateway;

    @BeforeAll
    static void importMainClasses() {
        gateway = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.herald.gateway");
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("dev.herald.gateway.(*)..").should().beFreeOfCycles().check(gateway);
    }

    @Test
    void resumePositionsDependOnNothingOfTheGateway() {
        noClasses()
                .that()
                .resideInAPackage("dev.herald.gateway.resume..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.herald.gateway",
                        "dev.herald.gateway.auth..",
                        "dev.herald.gateway.dashboard..",
                        "dev.herald.gateway.fanout..",
                        "dev.herald.gateway.kafka..",
                        "dev.herald.gateway.stream..")
                .check(gateway);
    }

    @Test
    void fanoutKnowsNoTransport() {
        noClasses()
                .that()
                .resideInAPackage("dev.herald.gateway.fanout..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.herald.gateway.kafka..",
                        "dev.herald.gateway.stream..",
                        "dev.herald.gateway.auth..",
                        "dev.herald.gateway.dashboard..",
                        "org.apache.kafka..",
                        "org.springframework.web..",
                        "org.springframework.http..",
                        "reactor.netty..")
                .check(gateway);
    }

    @Test
    void kafkaFeedsTheFanoutAndKnowsNothingOfHttp() {
        noClasses()
                .that()
                .resideInAPackage("dev.herald.gateway.kafka..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.herald.gateway.stream..", "dev.herald.gateway.auth..", "dev.herald.gateway.dashboard..")
                .check(gateway);
    }

    @Test
    void onlyTheKafkaPackageUsesKafkaClients() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.herald.gateway.kafka..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.apache.kafka..", "org.springframework.kafka..")
                .check(gateway);
    }

    @Test
    void authAndDashboardStandAlone() {
        noClasses()
                .that()
                .resideInAnyPackage("dev.herald.gateway.auth..", "dev.herald.gateway.dashboard..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.herald.gateway.fanout..", "dev.herald.gateway.kafka..", "dev.herald.gateway.stream..")
                .check(gateway);
        noClasses()
                .that()
                .resideInAPackage("dev.herald.gateway.auth..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.herald.gateway.dashboard..")
                .check(gateway);
    }

    @Test
    void streamDoesNotReachIntoKafka() {
        noClasses()
                .that()
                .resideInAPackage("dev.herald.gateway.stream..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.herald.gateway.kafka..", "dev.herald.gateway.dashboard..")
                .check(gateway);
    }

    /** Of Herald's own code, the gateway uses its own and the event contracts (from their one package). */
    @Test
    void ofHeraldOnlyItsOwnCodeAndTheEventContracts() {
        noClasses()
                .should()
                .dependOnClassesThat(DescribedPredicate.describe(
                        "are Herald's outside the gateway and dev.herald.contracts",
                        (JavaClass c) -> c.getPackageName().startsWith("dev.herald.")
                                && !c.getPackageName().startsWith("dev.herald.gateway")
                                && !c.getPackageName().equals("dev.herald.contracts")))
                .check(gateway);
    }
}
