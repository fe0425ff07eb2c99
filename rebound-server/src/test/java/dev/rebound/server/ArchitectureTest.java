package dev.rebound.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZonedDateTime;
import java.time.OffsetDateTime;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server's layering (docs/architecture.md, "Modules and packages"): the database only in {@code store}, HTTP only
 * in {@code api}, the delivery loop and the evidence path below both listeners, the server's decisions pure, and
 * public types only where another package uses them.
 */
class ArchitectureTest {
    static JavaClasses server;

    @BeforeAll
    static void importServer() {
        server = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.rebound.server");
    }

    @Test
    void jdbc_onlyInStore() {
        noClasses().that().resideOutsideOfPackage("dev.rebound.server.store..")
                .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "javax.sql..", "org.flywaydb..", "org.sqlite..")
                .because("every table is read and written by the store; the rest of the server sees records")
                .check(server);
    }

    @Test
    void javalin_onlyInApi() {
        noClasses().that().resideOutsideOfPackage("dev.rebound.server.api..")
                .should().dependOnClassesThat().resideInAPackage("io.javalin..")
                .because("the api package owns HTTP: routes, errors, JSON shapes")
                .check(server);
    }

    @Test
    void evidenceAndQueue_dependOnNeitherListener() {
        noClasses().that().resideInAnyPackage("dev.rebound.server.evidence..", "dev.rebound.server.queue..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.rebound.server.api..", "dev.rebound.server.smtp..")
                .because("the listeners hand work in; the delivery loop and the evidence path never call back up")
                .check(server);
    }

    @Test
    void decide_doesNoIo() {
        noClasses().that().resideInAPackage("dev.rebound.server.decide..")
                .should().dependOnClassesThat().resideInAnyPackage("java.net..", "java.sql..", "java.nio.file..", "javax.net..",
                        "javax.sql..", "java.util.concurrent..", "io.javalin..", "org.subethamail..", "io.micrometer..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName(Thread.class.getName())
                .orShould().dependOnClassesThat().haveFullyQualifiedName("dev.rebound.server.store.Store")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(Instant.class, "now")
                .orShould().callMethod(Clock.class, "systemUTC")
                .orShould().callMethod(Clock.class, "systemDefaultZone")
                .orShould().callMethod(LocalDateTime.class, "now")
                .orShould().callMethod(LocalDate.class, "now")
                .orShould().callMethod(ZonedDateTime.class, "now")
                .orShould().callMethod(OffsetDateTime.class, "now")
                .because("decisions are pure functions of evidence, config and a passed-in time; they return the rule id")
                .check(server);
    }

    @Test
    void publicTypes_onlyWhereAnotherPackageUsesThem() {
        // The command-line entry point, and what the rebound-bench module drives directly (WebhookDispatchBench):
        // public for another module, which this import of the server's classes does not see.
        Set<String> usedElsewhere = Set.of("dev.rebound.server.cli.Main", "dev.rebound.server.webhooks.WebhookDispatcher",
                "dev.rebound.server.webhooks.DeliveryPolicy", "dev.rebound.server.store.SqliteStore");
        DescribedPredicate<JavaClass> entryPoint = DescribedPredicate.describe("the entry point or used by rebound-bench",
                c -> usedElsewhere.contains(c.getName()));
        classes().that().arePublic().and().areTopLevelClasses().and(DescribedPredicate.not(entryPoint))
                .should(beUsedFromAnotherPackage())
                .because("a type another package does not need stays package-private")
                .check(server);
    }

    private static ArchCondition<JavaClass> beUsedFromAnotherPackage() {
        return new ArchCondition<>("be used from another package") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                boolean used = false;
                for (Dependency d : c.getDirectDependenciesToSelf()) {
                    JavaClass from = d.getOriginClass();
                    while (from.getEnclosingClass().isPresent()) from = from.getEnclosingClass().get();
                    if (!from.getPackageName().equals(c.getPackageName())) {
                        used = true;
                        break;
                    }
                }
                if (!used) events.add(SimpleConditionEvent.violated(c, c.getName() + " is public but only its own package uses it"));
            }
        };
    }

}
