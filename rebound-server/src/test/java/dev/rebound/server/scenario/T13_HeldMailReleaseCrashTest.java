package dev.rebound.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rebound.server.testing.FakeMx;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Held mail is released exactly once across a crash: the service runs in a child JVM ({@code rebound serve}); mail
 * accepted for a suppressed address is held; the entry is removed over HTTP and the child is SIGKILLed at a random
 * moment around that removal (before, during or after its commit). A restarted child gets the removal again (the
 * client's retry: 200 if the first never committed, 404 if it did), then the entry is added and removed once more.
 * Every held message must reach the fake MX exactly once, counted by Message-ID. The MX answers slowly while the
 * first child lives, so no delivery of the first child completes: a duplicate could only come from the release.
 */
class T13_HeldMailReleaseCrashTest {
    private static final int HELD = 30;
    @TempDir Path dir;
    private Process child;
    private FakeMx mx;

    @AfterEach
    void stop() {
        if (child != null) child.destroyForcibly();
        if (mx != null) mx.close();
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

    private static HttpResponse<String> send(HttpClient http, int port, String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitHealthy(HttpClient http, int port) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> send(http, port, "GET", "/healthz", null).statusCode() == 200);
    }

    @Test
    void sigkillAroundTheRemoval_eachHeldMessageReachesTheMxExactlyOnce() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        mx = FakeMx.start();
        mx.script().delay("MAIL", Duration.ofSeconds(120)); // the first child never completes a delivery
        int httpPort = freePort(), smtpPort = freePort();
        Map<String, String> env = new HashMap<>();
        env.put("REBOUND_HTTP_LISTEN", "127.0.0.1:" + httpPort);
        env.put("REBOUND_SMTP_LISTEN", "127.0.0.1:" + smtpPort);
        env.put("REBOUND_STORE_URL", "jdbc:sqlite:" + dir.resolve("rebound.db"));
        env.put("REBOUND_NODE_ID", "held-node");
        env.put("REBOUND_DELIVERY_ROUTES", "held.test=127.0.0.1:" + mx.port());
        env.put("REBOUND_DELIVERY_TLS", "none");
        env.put("REBOUND_SCHEDULER_POLL_INTERVAL", "100ms");
        env.put("REBOUND_SUPPRESSION_RELEASE_WINDOW", "72h");

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        child = startChild(env, 1);
        awaitHealthy(http, httpPort);
        String entry = "/v1/suppressions/transactional/held@held.test";
        assertThat(send(http, httpPort, "POST", "/v1/suppressions", "{\"address\":\"held@held.test\",\"reason\":\"bouncing, ticket 9\"}")
                .statusCode()).isEqualTo(201);
        List<String> messageIds = new ArrayList<>();
        Pattern id = Pattern.compile("\"id\":\"(\\w+)\"");
        List<String> reboundIds = new ArrayList<>();
        for (int n = 0; n < HELD; n++) {
            String messageId = "<held-" + n + "@client.test>";
            String raw = "From: app@client.test\r\nTo: held@held.test\r\nSubject: held " + n + "\r\nMessage-ID: " + messageId + "\r\n\r\nbody " + n + "\r\n";
            HttpResponse<String> r = send(http, httpPort, "POST", "/v1/messages", "{\"mail_from\":\"app@client.test\",\"rcpt_to\":[\"held@held.test\"],\"raw\":\""
                    + raw.replace("\r\n", "\\r\\n") + "\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            assertThat(r.body()).contains("\"state\":\"SUPPRESSED\"");
            Matcher m = id.matcher(r.body());
            assertThat(m.find()).isTrue();
            reboundIds.add(m.group(1));
            messageIds.add(messageId);
        }
        // a message to another address of the domain is sent meanwhile: the MX stalls it, the kill cuts it off
        assertThat(send(http, httpPort, "POST", "/v1/messages", "{\"from\":\"app@client.test\",\"to\":[\"free@held.test\"],\"text\":\"x\"}")
                .statusCode()).isEqualTo(202);

        // the removal, and a SIGKILL 0-40 ms after it was sent: before, during or after its transaction commits
        CompletableFuture<HttpResponse<String>> removal = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + entry))
                .header("Content-Type", "application/json").method("DELETE", HttpRequest.BodyPublishers.ofString("{\"reason\":\"mailbox fixed\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        Thread.sleep(random.nextInt(41));
        child.destroyForcibly();
        child.waitFor();
        String firstAnswer;
        try {
            firstAnswer = String.valueOf(removal.get().statusCode());
        } catch (Exception e) {
            firstAnswer = "none (" + e.getCause().getClass().getSimpleName() + ")";
        }
        assertThat(mx.received()).as("nothing was delivered by the first child").isEmpty();

        mx.script().reset();
        child = startChild(env, 2);
        awaitHealthy(http, httpPort);
        // the client retries its removal: done now (200, releasing everything) or already done before the kill (404)
        HttpResponse<String> retry = send(http, httpPort, "DELETE", entry, "{\"reason\":\"mailbox fixed\"}");
        assertThat(retry.statusCode()).as(retry.body()).isIn(200, 404);
        if (retry.statusCode() == 200) assertThat(retry.body()).contains("\"released\":" + HELD);
        // suppressed and removed once more: nothing left to release
        assertThat(send(http, httpPort, "POST", "/v1/suppressions", "{\"address\":\"held@held.test\",\"reason\":\"again\"}").statusCode()).isEqualTo(201);
        HttpResponse<String> second = send(http, httpPort, "DELETE", entry, "{\"reason\":\"again\"}");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.body()).contains("\"released\":0");

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (String rid : reboundIds)
                if (!send(http, httpPort, "GET", "/v1/messages/" + rid, null).body().contains("\"state\":\"DELIVERED\"")) return false;
            return send(http, httpPort, "GET", "/v1/queue", null).body().contains("\"depth\":0");
        });
        Map<String, Integer> counts = new HashMap<>();
        for (var r : mx.received()) r.messageId().ifPresent(m -> counts.merge(m, 1, Integer::sum));
        System.out.printf("held-mail crash test (seed %d): first removal answered %s, retry %d; %d held messages, %d distinct delivered%n",
                seed, firstAnswer, retry.statusCode(), HELD, messageIds.stream().filter(counts::containsKey).count());
        for (String m : messageIds) assertThat(counts.get(m)).as("deliveries of %s", m).isEqualTo(1);
        for (String rid : reboundIds)
            assertThat(send(http, httpPort, "GET", "/v1/messages/" + rid, null).body()).contains("\"released_at\":\"");
    }
}
