package dev.rebound.server.testing;

import dev.rebound.server.config.ConfigLoader;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.delivery.DeliveryAgent;
import dev.rebound.server.service.DeliveryAgents;
import dev.rebound.server.service.ReboundService;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Starts the real service on free ports with a SQLite file under a temp dir, and talks HTTP to it. */
public final class ServiceHarness implements AutoCloseable {
    public static final JsonMapper JSON = JsonMapper.builder().build();
    public final ReboundService service;
    private final HttpClient http = HttpClient.newHttpClient();

    public ServiceHarness(Path dir, Clock clock, DeliveryAgent agent, boolean runLoop, Map<String, String> env) {
        this.service = ReboundService.start(config(dir, env), clock, agent, runLoop);
    }

    /** The service with an injected SNS certificate source (no network in tests). */
    public ServiceHarness(Path dir, Clock clock, DeliveryAgent agent, boolean runLoop, Map<String, String> env,
                          dev.rebound.core.events.CertificateSource certificates) {
        this.service = ReboundService.start(config(dir, env), clock, agent, runLoop, certificates);
    }

    private ServiceHarness(ReboundService service) {
        this.service = service;
    }

    /** The service with the real SMTP delivery agent built from the same config (as {@code rebound serve}). */
    public static ServiceHarness withRealDelivery(Path dir, Clock clock, boolean runLoop, Map<String, String> env) {
        ReboundConfig cfg = config(dir, env);
        return new ServiceHarness(ReboundService.start(cfg, clock, DeliveryAgents.forConfig(cfg, clock), runLoop));
    }

    public static ReboundConfig config(Path dir, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("REBOUND_HTTP_LISTEN", "127.0.0.1:0");
        env.put("REBOUND_SMTP_LISTEN", "127.0.0.1:0");
        env.put("REBOUND_STORE_URL", "jdbc:sqlite:" + dir.resolve("rebound.db"));
        env.put("REBOUND_NODE_ID", "test-node");
        env.put("REBOUND_DELIVERY_HELO_NAME", "rebound.test");
        env.putAll(extra);
        return new ConfigLoader(env).load();
    }

    public record Response(int status, HttpResponse<String> raw, JsonNode json) {}

    public Response post(String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (headers.length > 0) b.headers(headers);
        return send(b.build());
    }

    /** POSTs exact bytes with the given headers (a provider webhook as the provider sends it). */
    public Response postBytes(String path, byte[] body, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        return send(b.build());
    }

    public Response patch(String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).method("PATCH", HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (headers.length > 0) b.headers(headers);
        return send(b.build());
    }

    public Response delete(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).DELETE();
        if (headers.length > 0) b.headers(headers);
        return send(b.build());
    }

    /** DELETE with a JSON body (a removal's reason). */
    public Response deleteJson(String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).method("DELETE", HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (headers.length > 0) b.headers(headers);
        return send(b.build());
    }

    public Response get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
        if (headers.length > 0) b.headers(headers);
        return send(b.build());
    }

    private Response send(HttpRequest r) throws IOException, InterruptedException {
        HttpResponse<String> resp = http.send(r, HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        String ct = resp.headers().firstValue("Content-Type").orElse("");
        if (ct.startsWith("application/json")) json = JSON.readTree(resp.body());
        return new Response(resp.statusCode(), resp, json);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + service.httpPort() + path);
    }

    @Override
    public void close() {
        service.close();
    }
}
