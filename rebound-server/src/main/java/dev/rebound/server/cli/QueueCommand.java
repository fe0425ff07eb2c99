package dev.rebound.server.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code rebound queue}: the running service's queue depth, oldest age and recipients per state, from GET /v1/queue. */
@Command(name = "queue", mixinStandardHelpOptions = true,
        description = {
                "Print the running service's queue: depth (recipients waiting), age of the oldest waiting message, and recipients per state.",
                "Reads GET /v1/queue of the service at --url. With --depth-only prints just the depth (for scripts and the bench harness's --queue-cmd)."
        })
final class QueueCommand implements Callable<Integer> {
    private static final JsonMapper JSON = ApiClient.JSON; // the command line's one mapper

    @Spec CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080",
            description = "The service's HTTP API (default: ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--depth-only", description = "Print only the queue depth, a number.")
    boolean depthOnly;

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:REBOUND_API_KEY}",
            description = "Bearer key when the service sets api.keys (default: $REBOUND_API_KEY).")
    String apiKey;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        String endpoint = url.replaceAll("/+$", "") + "/v1/queue";
        HttpResponse<String> resp;
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint)).timeout(Duration.ofSeconds(10)).GET();
            if (apiKey != null && !apiKey.isBlank()) b.header("Authorization", "Bearer " + apiKey.strip());
            try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
                resp = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            }
        } catch (IllegalArgumentException e) {
            err.println("rebound: --url " + url + " is not a valid URL: " + e.getMessage() + "; e.g. http://127.0.0.1:8080");
            return 2;
        } catch (IOException e) {
            err.println("rebound: cannot reach " + endpoint + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + "; is ./rebound serve running there? (set --url)");
            return 1;
        }
        if (resp.statusCode() != 200) {
            err.println("rebound: " + endpoint + " answered " + resp.statusCode() + ": " + resp.body().strip()
                    + (resp.statusCode() == 401 ? " (give --api-key or set REBOUND_API_KEY)" : ""));
            return 1;
        }
        JsonNode q;
        try {
            q = JSON.readTree(resp.body());
        } catch (JacksonException e) {
            err.println("rebound: " + endpoint + " did not answer JSON: " + e.getOriginalMessage());
            return 1;
        }
        if (depthOnly) {
            out.println(q.path("depth").asLong());
        } else {
            out.println("depth               " + q.path("depth").asLong() + " (" + q.path("leased").asLong() + " being delivered)");
            out.println("oldest age          " + q.path("oldest_age_seconds").asLong() + " s");
            out.println("oldest due at       " + (q.path("oldest_due_at").isNull() ? "-" : q.path("oldest_due_at").asString()));
            for (var e : q.path("by_state").properties()) out.printf("%-19s %d%n", e.getKey(), e.getValue().asLong());
        }
        out.flush();
        return 0;
    }
}
