package dev.rebound.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * rebound-core decides; it does no I/O and reads no clock (Brief: "decisions are pure ... and a passed-in
 * clock"). Time comes in as {@link Clock} or {@link Instant} arguments; sockets, files, databases and threads
 * live in rebound-server.
 */
class ArchitectureTest {
    static JavaClasses core;

    @BeforeAll
    static void importCore() {
        core = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.rebound.core");
    }

    @Test
    void noIoPackages() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.rebound.core..")
                .should().dependOnClassesThat().resideInAnyPackage("java.net..", "java.sql..", "java.nio.file..",
                        "javax.net..", "javax.sql..")
                .because("rebound-core is pure: sockets, files and databases belong to rebound-server");
        rule.check(core);
    }

    @Test
    void noThreads() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.rebound.core..")
                .should().dependOnClassesThat().haveFullyQualifiedName(Thread.class.getName())
                .orShould().dependOnClassesThat().haveNameMatching("java\\.util\\.concurrent\\.Executor.*")
                .orShould().dependOnClassesThat().haveNameMatching("java\\.util\\.concurrent\\.(ScheduledExecutorService|ForkJoinPool|CompletableFuture|ThreadPoolExecutor|Timer.*)")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.Timer")
                .because("rebound-core decides synchronously; concurrency belongs to rebound-server");
        rule.check(core);
    }

    @Test
    void noSystemClock() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.rebound.core..")
                .should().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(Instant.class, "now")
                .orShould().callMethod(Clock.class, "systemUTC")
                .orShould().callMethod(Clock.class, "systemDefaultZone")
                .orShould().callMethod(LocalDateTime.class, "now")
                .orShould().callMethod(LocalDate.class, "now")
                .orShould().callMethod(LocalTime.class, "now")
                .orShould().callMethod(ZonedDateTime.class, "now")
                .orShould().callMethod(OffsetDateTime.class, "now")
                .because("time is passed in (java.time.Clock / Instant) so that decisions are reproducible");
        rule.check(core);
    }
}
