package dev.rebound.server.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The CLI's side of the HTTP API (commands that talk to a running service: {@code timeline}, {@code replay}): the base
 * URL and bearer key from the flags or the environment, and one error message per failure that says what to do.
 */
final class ApiClient {
    static final JsonMapper JSON = JsonMapper.builder().build();

    /** A failure already explained on stderr, with the exit code to return. */
    static final class Failed extends Exception {
        final int exitCode;

        Failed(int exitCode) {
            super(null, null, false, false);
            this.exitCode = exitCode;
        }
    }

    private final String base;
    private final String apiKey;
    private final PrintWriter err;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ApiClient(String url, String apiKey, PrintWriter err) {
        this.base = url.replaceAll("/+$", "");
        this.apiKey = apiKey;
        this.err = err;
    }

    String url(String path) {
        return base + path;
    }

    private HttpRequest.Builder request(String path, Duration timeout) throws Failed {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path)));
            if (timeout != null) b.timeout(timeout);
            if (apiKey != null && !apiKey.isBlank()) b.header("Authorization", "Bearer " + apiKey.strip());
            return b;
        } catch (IllegalArgumentException e) {
            err.println("rebound: --url " + base + " is not a valid URL: " + e.getMessage() + "; e.g. http://127.0.0.1:8080");
            err.flush();
            throw new Failed(2);
        }
    }

    /** GET {@code path}; the JSON answer of a 200, else the failure explained (the API's error, field and value). */
    JsonNode get(String path) throws Failed, InterruptedException {
        HttpResponse<String> resp = send(request(path, Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != 200) throw explained(path, resp.statusCode(), resp.body());
        return parse(path, resp.body());
    }

    /** POST a JSON body and stream the answer (the caller reads and closes it); a non-200 answer is explained. */
    InputStream postStreaming(String path, String jsonBody) throws Failed, InterruptedException {
        HttpRequest r = request(path, null).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(jsonBody)).build();
        HttpResponse<InputStream> resp = send(r, HttpResponse.BodyHandlers.ofInputStream());
        if (resp.statusCode() != 200) {
            String body;
            try (InputStream in = resp.body()) {
                body = new String(in.readNBytes(64 * 1024), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IOException e) {
                body = "";
            }
            throw refused(path, resp.statusCode(), body);
        }
        return resp.body();
    }

    JsonNode parse(String path, String body) throws Failed {
        try {
            return JSON.readTree(body);
        } catch (JacksonException e) {
            err.println("rebound: " + url(path) + " did not answer JSON: " + e.getOriginalMessage());
            err.flush();
            throw new Failed(1);
        }
    }

    private <T> HttpResponse<T> send(HttpRequest r, HttpResponse.BodyHandler<T> handler) throws Failed, InterruptedException {
        try {
            return http.send(r, handler);
        } catch (IOException e) {
            err.println("rebound: cannot reach " + r.uri() + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + "; is ./rebound serve running there? (set --url)");
            err.flush();
            throw new Failed(1);
        }
    }

    private Failed refused(String path, int status, String body) {
        String hint = switch (status) {
            case 401 -> " (give --api-key or set REBOUND_API_KEY)";
            case 403 -> " (this key lacks the scope the route needs; see ./rebound keys list)";
            default -> "";
        };
        err.println("rebound: " + url(path) + " answered " + status + ": " + body.strip() + hint);
        err.flush();
        return new Failed(1);
    }

    // ---- suppressions: JSON changes, a streamed upload (import) and a streamed download (export) -------------

    /** A request with an optional JSON body; the JSON answer of a 2xx, else the API's message explained. */
    JsonNode send(String method, String path, String jsonBody) throws Failed, InterruptedException {
        HttpRequest.Builder b = request(path, Duration.ofSeconds(60));
        if (jsonBody == null) b.method(method, HttpRequest.BodyPublishers.noBody());
        else b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(jsonBody));
        HttpResponse<String> resp = send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() / 100 != 2) throw explained(path, resp.statusCode(), resp.body());
        return parse(path, resp.body());
    }

    /** POSTs {@code body} as it is read (chunked, never whole in memory); the JSON answer of a 2xx, else explained. */
    JsonNode upload(String path, String contentType, java.util.function.Supplier<InputStream> body) throws Failed, InterruptedException {
        HttpRequest r = request(path, null).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofInputStream(body)).build();
        HttpResponse<String> resp = send(r, HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() / 100 != 2) throw explained(path, resp.statusCode(), resp.body());
        return parse(path, resp.body());
    }

    /** GETs {@code path} as a stream (the caller reads and closes it); a non-200 answer is explained. */
    InputStream download(String path) throws Failed, InterruptedException {
        HttpResponse<InputStream> resp = send(request(path, null).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        if (resp.statusCode() != 200) {
            String body;
            try (InputStream in = resp.body()) {
                body = new String(in.readNBytes(64 * 1024), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IOException e) {
                body = "";
            }
            throw explained(path, resp.statusCode(), body);
        }
        return resp.body();
    }

    /** A refusal with the API's own {@code error} and {@code message} when the body is the API's error shape. */
    private Failed explained(String path, int status, String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.has("message")) {
                err.println("rebound: " + status + " " + n.path("error").asString("") + ": " + subject(n) + n.path("message").asString()
                        + switch (status) {
                            case 401 -> " (give --api-key or set REBOUND_API_KEY)";
                            case 403 -> " (this key lacks the scope the route needs; see ./rebound keys list)";
                            default -> "";
                        });
                err.flush();
                return new Failed(1);
            }
        } catch (JacksonException e) {
            // not the API's error shape: shown as it is below
        }
        return refused(path, status, body);
    }

    /** The field the API names and the value it quotes ({@code state "bogus": }), empty when it names none. */
    private static String subject(JsonNode error) {
        String field = error.path("field").isString() ? error.path("field").asString() : "";
        String value = error.path("value").isString() ? error.path("value").toString() : ""; // JSON-quoted: control characters stay visible
        if (field.isEmpty() && value.isEmpty()) return "";
        return (field + " " + value).strip() + ": ";
    }
}
