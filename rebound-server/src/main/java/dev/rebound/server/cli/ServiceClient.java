package dev.rebound.server.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The running service's HTTP API for the operator commands ({@code stats}, {@code alerts}, {@code status},
 * {@code domains}, {@code pause}, {@code resume}): a picocli mixin with {@code --url} and {@code --api-key}; errors
 * are printed with what to do and the call answers empty.
 */
final class ServiceClient {
    static final JsonMapper JSON = JsonMapper.builder().build();

    @Option(names = "--url", paramLabel = "URL", defaultValue = "${env:REBOUND_URL:-http://127.0.0.1:8080}",
            description = "The service's HTTP API (default: $REBOUND_URL, else http://127.0.0.1:8080).")
    String url;

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:REBOUND_API_KEY}",
            description = "Bearer key when the service uses API keys (default: $REBOUND_API_KEY).")
    String apiKey;

    /** The JSON answer of a 2xx, else empty after printing why to {@code err}. */
    Optional<JsonNode> call(String method, String path, String body, PrintWriter err) throws InterruptedException {
        String endpoint = url.replaceAll("/+$", "") + path;
        HttpResponse<String> resp;
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint)).timeout(Duration.ofSeconds(10))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (body != null) b.header("Content-Type", "application/json");
            if (apiKey != null && !apiKey.isBlank()) b.header("Authorization", "Bearer " + apiKey.strip());
            try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
                resp = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            }
        } catch (IllegalArgumentException e) {
            err.println("rebound: --url " + url + " is not a valid URL: " + e.getMessage() + "; e.g. http://127.0.0.1:8080");
            return Optional.empty();
        } catch (IOException e) {
            err.println("rebound: cannot reach " + endpoint + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + "; is ./rebound serve running there? (set --url)");
            return Optional.empty();
        }
        if (resp.statusCode() / 100 != 2) {
            err.println("rebound: " + method + " " + endpoint + " answered " + resp.statusCode() + ": " + resp.body().strip()
                    + (resp.statusCode() == 401 ? " (give --api-key or set REBOUND_API_KEY)" : ""));
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readTree(resp.body()));
        } catch (JacksonException e) {
            err.println("rebound: " + endpoint + " did not answer JSON: " + e.getOriginalMessage());
            return Optional.empty();
        }
    }

    Optional<JsonNode> get(String path, PrintWriter err) throws InterruptedException {
        return call("GET", path, null, err);
    }

    /** A rate as a percentage with two decimals, "-" when null (no trials). */
    static String pct(JsonNode rate) {
        return rate == null || rate.isNull() || rate.isMissingNode() ? "-" : String.format(java.util.Locale.ROOT, "%.2f%%", rate.asDouble() * 100);
    }
}
