package dev.rebound.core.events;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The events package stays pure: no network, files, SQL, threads or system clock (time comes in as a Clock). */
class EventsPurityTest {
    private static final JavaClasses EVENTS = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.rebound.core.events");

    @Test
    void noIo() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("java.net..", "java.sql..", "java.nio.file..",
                "java.io.File", "java.util.concurrent..").check(EVENTS);
        noClasses().should().dependOnClassesThat().areAssignableTo(Thread.class).check(EVENTS);
    }

    @Test
    void noSystemClock() {
        noClasses().should().callMethod(Instant.class, "now").orShould().callMethod(Clock.class, "systemUTC")
                .orShould().callMethod(Clock.class, "systemDefaultZone").orShould()
                .callMethod(System.class, "currentTimeMillis").check(EVENTS);
    }
}
