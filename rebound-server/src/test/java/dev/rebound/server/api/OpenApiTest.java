package dev.rebound.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import dev.rebound.server.testing.MutableClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The served OpenAPI document and the routes the server declares and answers must be the same set. */
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

            // The declared routes are the ones the server answers: each reaches a handler, not the router's miss.
            HttpClient client = HttpClient.newHttpClient();
            for (String route : registered) {
                String method = route.substring(0, route.indexOf(' '));
                String path = route.substring(route.indexOf(' ') + 1).replaceAll("\\{\\w+}", "x");
                HttpResponse<String> miss = send(client, h, method, "/v1/zz-no-such-route");
                HttpResponse<String> hit = send(client, h, method, path);
                assertThat(miss.statusCode()).as("an unknown path").isEqualTo(404);
                assertThat(hit.statusCode() == 404 && hit.body().equals(miss.body().replace("/v1/zz-no-such-route", path)))
                        .as("%s is routed (got %d %s)", route, hit.statusCode(), hit.body()).isFalse();
            }
        }
    }

    private static HttpResponse<String> send(HttpClient client, ServiceHarness h, String method, String path) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.service.httpPort() + path))
                .method(method, HttpRequest.BodyPublishers.ofString(method.equals("GET") ? "" : "{}")).build();
        return client.send(r, HttpResponse.BodyHandlers.ofString());
    }
}
