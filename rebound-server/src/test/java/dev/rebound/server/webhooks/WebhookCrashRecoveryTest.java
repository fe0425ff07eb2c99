package dev.rebound.server.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rebound.server.testing.FakeMx;
import dev.rebound.server.testing.WebhookReceiver;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Crash test of the outbound webhooks: the service runs in a child JVM ({@code rebound serve}) with one endpoint
 * in its config file; the application (a {@link WebhookReceiver} on a real socket) answers 503 while messages are
 * delivered, so every event is retrying when the child is SIGKILLed. The application then recovers and the child
 * is restarted on the same store: every event arrives, verified by the independent Standard Webhooks library,
 * exactly once (no 2xx is given before the restart, so there is no duplicate window) and, per recipient, in outbox
 * order.
 */
class WebhookCrashRecoveryTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int RECIPIENTS = 8;
    private static final String SECRET = "whsec_" + java.util.Base64.getEncoder().encodeToString("rebound-crash-test-secret-32-bytes!!".getBytes());
    @TempDir Path dir;
    private Process child;
    private FakeMx mx;
    private WebhookReceiver receiver;

    @AfterEach
    void stop() {
        if (child != null) child.destroyForcibly();
        if (mx != null) mx.close();
        if (receiver != null) receiver.close();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Process startChild(Map<String, String> env, int run) throws Exception {
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.rebound.server.cli.Main", "serve");
        pb.environment().keySet().removeIf(k -> k.startsWith("REBOUND_"));
        pb.environment().putAll(env);
        pb.directory(dir.toFile());
        pb.redirectErrorStream(true).redirectOutput(new File(dir.toFile(), "child-" + run + ".log"));
        return pb.start();
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void sigkill_whileEventsRetry_losesNoneAndReordersNone() throws Exception {
        mx = FakeMx.start();
        receiver = WebhookReceiver.start().secrets(SECRET).status(n -> 503);
        int httpPort = freePort(), smtpPort = freePort();
        Files.writeString(dir.resolve("rebound.yaml"), """
                webhooks:
                  retry-schedule: [%s]
                  poll-interval: 100ms
                  timeout: 5s
                  endpoints:
                    - id: app
                      url: %s
                      secret: %s
                      final-only: false
                """.formatted(String.join(", ", java.util.Collections.nCopies(200, "300ms")), receiver.url(), SECRET));
        Map<String, String> env = new HashMap<>();
        env.put("REBOUND_HTTP_LISTEN", "127.0.0.1:" + httpPort);
        env.put("REBOUND_SMTP_LISTEN", "127.0.0.1:" + smtpPort);
        env.put("REBOUND_STORE_URL", "jdbc:sqlite:" + dir.resolve("rebound.db"));
        env.put("REBOUND_NODE_ID", "webhook-crash-node");
        env.put("REBOUND_DELIVERY_ROUTES", "crash.test=127.0.0.1:" + mx.port());
        env.put("REBOUND_DELIVERY_TLS", "none");
        env.put("REBOUND_SCHEDULER_POLL_INTERVAL", "100ms");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String base = "http://127.0.0.1:" + httpPort;

        child = startChild(env, 1);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> get(http, base + "/healthz").statusCode() == 200);
        // two messages per recipient: per recipient accepted, delivered, accepted, delivered (accepted is per message)
        for (int round = 0; round < 2; round++)
            for (int i = 0; i < RECIPIENTS; i++) {
                String body = "{\"from\":\"app@client.test\",\"to\":[\"r" + i + "@crash.test\"],\"subject\":\"s" + round + "\",\"text\":\"x\"}";
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/messages"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            }
        // every message delivered, every event tried at least once and refused: all of them are retrying
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> mx.received().size() == 2 * RECIPIENTS
                && receiver.requests().size() >= 4 * RECIPIENTS + 10);
        child.destroyForcibly(); // SIGKILL
        child.waitFor();
        int refusedBeforeKill = receiver.requests().size();
        assertThat(receiver.accepted()).isEmpty();

        // The application recovers only once the second child answers: requests the first child had sent before
        // the kill (still queued at the receiver) are refused too, so no event got a 2xx the first child could not
        // record, and a repeat would be a real duplicate.
        child = startChild(env, 2);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> get(http, base + "/healthz").statusCode() == 200);
        receiver.status(n -> 200);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            JsonNode d = JSON.readTree(get(http, base + "/v1/webhooks/app/deliveries?limit=1000").body()).get("deliveries");
            if (d.size() != 4 * RECIPIENTS) return false;
            for (JsonNode x : d) if (!x.get("state").asString().equals("delivered")) return false;
            return true;
        });

        JsonNode deliveries = JSON.readTree(get(http, base + "/v1/webhooks/app/deliveries?limit=1000").body()).get("deliveries");
        Map<String, Long> seqOf = new LinkedHashMap<>();
        for (JsonNode d : deliveries) seqOf.put(d.get("webhook_id").asString(), d.get("seq").asLong());
        assertThat(receiver.requests()).allSatisfy(q -> assertThat(q.verified()).as("request %d", q.number()).isTrue());
        Map<String, Integer> times = new HashMap<>();
        for (var q : receiver.accepted()) times.merge(q.webhookId(), 1, Integer::sum);
        assertThat(times.keySet()).as("every stored event reached the application").containsExactlyInAnyOrderElementsOf(seqOf.keySet());
        assertThat(times.values()).as("exactly once").allMatch(n -> n == 1);
        Map<String, List<Long>> byRecipient = new LinkedHashMap<>();
        for (var q : receiver.accepted())
            if (!q.recipient().isEmpty()) byRecipient.computeIfAbsent(q.recipient(), k -> new ArrayList<>()).add(seqOf.get(q.webhookId()));
        assertThat(byRecipient).hasSize(RECIPIENTS);
        assertThat(byRecipient.values()).allSatisfy(seqs -> assertThat(seqs).hasSize(2).isSorted());
        System.out.printf("webhook crash test: %d refused attempts before the kill, %d requests in all, %d events delivered once each%n",
                refusedBeforeKill, receiver.requests().size(), times.size());
    }
}
