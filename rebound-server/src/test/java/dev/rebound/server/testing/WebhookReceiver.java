package dev.rebound.server.testing;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An application receiving Rebound's webhooks on a real socket (the JDK HTTP server on 127.0.0.1): every request
 * is checked with the independent Standard Webhooks library ({@code com.standardwebhooks:standardwebhooks}) against
 * each secret the test gives, and answered with the status the test scripts (by request number).
 */
public final class WebhookReceiver implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * One request as received.
     *
     * @param verifiedBy for each secret given to the receiver, whether the library accepted the request with it
     */
    public record Request(int number, String webhookId, String timestamp, String signature, String body, JsonNode json,
                          Map<String, Boolean> verifiedBy, int status) {
        public boolean verified() {
            return verifiedBy.values().stream().anyMatch(b -> b);
        }

        public String type() {
            return json.path("type").asString();
        }

        public String recipient() {
            return json.path("data").path("recipient").asString("");
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger count = new AtomicInteger();
    private volatile List<String> secrets = List.of();
    private volatile IntUnaryOperator status = n -> 200;

    private WebhookReceiver(HttpServer server) {
        this.server = server;
    }

    public static WebhookReceiver start() {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            WebhookReceiver r = new WebhookReceiver(s);
            s.createContext("/hook", ex -> {
                try (ex; InputStream in = ex.getRequestBody()) {
                    String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    Map<String, List<String>> headers = new LinkedHashMap<>();
                    ex.getRequestHeaders().forEach((k, v) -> headers.put(k, new ArrayList<>(v)));
                    Map<String, Boolean> verified = new LinkedHashMap<>();
                    for (String secret : r.secrets) {
                        try {
                            new Webhook(secret).verify(body, headers);
                            verified.put(secret, true);
                        } catch (WebhookVerificationException e) {
                            verified.put(secret, false);
                        }
                    }
                    int n = r.count.incrementAndGet();
                    int code = r.status.applyAsInt(n);
                    JsonNode json = JSON.readTree(body);
                    r.requests.add(new Request(n, ex.getRequestHeaders().getFirst("webhook-id"), ex.getRequestHeaders().getFirst("webhook-timestamp"),
                            ex.getRequestHeaders().getFirst("webhook-signature"), body, json, verified, code));
                    String answer = (code / 100 == 2 ? "ok " : "failing on purpose ") + n;
                    byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
                    ex.sendResponseHeaders(code, bytes.length);
                    try (OutputStream out = ex.getResponseBody()) {
                        out.write(bytes);
                    }
                }
            });
            s.start();
            return r;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    /** The secrets each request is verified with. */
    public WebhookReceiver secrets(String... s) {
        this.secrets = List.of(s);
        return this;
    }

    /** The HTTP status for request number n (1-based). */
    public WebhookReceiver status(IntUnaryOperator byRequestNumber) {
        this.status = byRequestNumber;
        return this;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Requests answered 2xx, in the order they arrived. */
    public List<Request> accepted() {
        return requests.stream().filter(q -> q.status() / 100 == 2).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
