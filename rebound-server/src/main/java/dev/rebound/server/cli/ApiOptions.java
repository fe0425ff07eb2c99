package dev.rebound.server.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * Where the running service is, for the commands that call its API through {@link ApiClient} ({@code queue},
 * {@code timeline}, {@code replay}, {@code suppressions}, {@code webhooks}): a picocli mixin with {@code --url}
 * (default {@code $REBOUND_URL}, else {@code http://127.0.0.1:8080}) and {@code --api-key} (default
 * {@code $REBOUND_API_KEY}). Each command's description names the scope its routes need.
 */
final class ApiOptions {
    @Option(names = "--url", paramLabel = "URL", defaultValue = "${env:REBOUND_URL:-http://127.0.0.1:8080}",
            description = "The service's HTTP API (default: $REBOUND_URL, else http://127.0.0.1:8080).")
    String url;

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:REBOUND_API_KEY}",
            description = "Bearer key when the service uses API keys, with the scope this command needs (default: $REBOUND_API_KEY).")
    String apiKey;

    ApiClient client(PrintWriter err) {
        return new ApiClient(url, apiKey, err);
    }
}
