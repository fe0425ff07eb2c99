package dev.rebound.server.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import dev.rebound.server.testing.MutableClock;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The served OpenAPI document and the routes Javalin really has must be the same set. */
class OpenApiTest {
    @TempDir Path dir;

    @Test
    void openapi_describesExactlyTheRegisteredRoutes() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        try (ServiceHarness h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of())) {
            var r = h.get("/openapi.json");
            assertThat(r.status()).isEqualTo(200);
            JsonNode doc = r.json();
            assertThat(doc.get("openapi").asString()).isEqualTo("3.1.0");
            Set<String> documented = new TreeSet<>();
            for (var path : doc.get("paths").properties()) {
                for (String method : path.getValue().propertyNames()) {
                    documented.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey().replaceAll("\\{(\\w+)}", "{$1}"));
                }
            }
            Set<String> registered = new TreeSet<>(h.service.http().routes());
            assertThat(registered).isNotEmpty();
            assertThat(documented).isEqualTo(registered);
        }
    }
}
