package dev.rebound.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rebound.server.testing.FakeMx;
import dev.rebound.server.testing.SmtpWire;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash test: the service runs in a child JVM ({@code rebound serve}); clients submit over HTTP and SMTP and
 * record every acknowledged message; the child is SIGKILLed at a random moment and restarted on the same
 * store. Every acknowledged message must be in the store and reach the MX. A Message-ID may arrive twice only
 * in SMTP's inherent window: the MX accepted it before the kill but the child had not committed the result,
 * so at most as many duplicates as deliveries can be in flight (the throttle's max concurrency, one domain here).
 */
class T09_CrashRecoveryTest {
    private static final int CONCURRENCY = 4;
    private static final int TOTAL = 240;
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

    private static void awaitHealthy(HttpClient http, int port) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() ->
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
    }

    @Test
    void sigkill_loosesNoAcknowledgedMessage() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        mx = FakeMx.start();
        int httpPort = freePort(), smtpPort = freePort();
        Map<String, String> env = new HashMap<>();
        env.put("REBOUND_HTTP_LISTEN", "127.0.0.1:" + httpPort);
        env.put("REBOUND_SMTP_LISTEN", "127.0.0.1:" + smtpPort);
        env.put("REBOUND_STORE_URL", "jdbc:sqlite:" + dir.resolve("rebound.db"));
        env.put("REBOUND_NODE_ID", "crash-node");
        env.put("REBOUND_DELIVERY_ROUTES", "crash.test=127.0.0.1:" + mx.port());
        env.put("REBOUND_DELIVERY_TLS", "none");
        env.put("REBOUND_THROTTLE_INITIAL_CONCURRENCY", String.valueOf(CONCURRENCY));
        env.put("REBOUND_THROTTLE_MAX_CONCURRENCY", String.valueOf(CONCURRENCY));
        env.put("REBOUND_SCHEDULER_POLL_INTERVAL", "100ms");

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        child = startChild(env, 1);
        awaitHealthy(http, httpPort);

        int killAfter = 40 + random.nextInt(TOTAL - 80);
        Map<String, String> acknowledged = new ConcurrentHashMap<>(); // Message-ID -> Rebound id
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean dead = new AtomicBoolean();
        Pattern queued = Pattern.compile("^250 2\\.0\\.0 queued as (\\w+)$");
        Pattern idField = Pattern.compile("\"id\":\"(\\w+)\"");
        List<Future<?>> clients = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < 8; c++) {
                boolean viaSmtp = c % 2 == 0;
                clients.add(pool.submit(() -> {
                    int n;
                    while (!dead.get() && (n = next.getAndIncrement()) < TOTAL) {
                        String messageId = "<crash-" + n + "@client.test>";
                        String raw = "From: app@client.test\r\nTo: r" + n + "@crash.test\r\nSubject: crash " + n
                                + "\r\nMessage-ID: " + messageId + "\r\n\r\nbody " + n + "\r\n";
                        try {
                            if (viaSmtp) {
                                try (SmtpWire w = new SmtpWire(smtpPort)) {
                                    w.reply();
                                    w.send("EHLO client.test\r\n");
                                    w.send("MAIL FROM:<app@client.test>\r\n");
                                    w.send("RCPT TO:<r" + n + "@crash.test>\r\n");
                                    w.send("DATA\r\n");
                                    String reply = w.send(raw + ".\r\n");
                                    Matcher m = reply == null ? null : queued.matcher(reply);
                                    if (m != null && m.matches()) acknowledged.put(messageId, m.group(1));
                                }
                            } else {
                                String body = "{\"mail_from\":\"app@client.test\",\"rcpt_to\":[\"r" + n + "@crash.test\"],\"raw\":\""
                                        + raw.replace("\r\n", "\\r\\n") + "\"}";
                                HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/v1/messages"))
                                        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                                Matcher m = idField.matcher(resp.body());
                                if (resp.statusCode() == 202 && m.find()) acknowledged.put(messageId, m.group(1));
                            }
                        } catch (Exception e) {
                            if (!dead.get()) throw new IllegalStateException("submission " + n + " failed while the child was alive", e);
                        }
                    }
                    return null;
                }));
            }
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(1)).until(() -> acknowledged.size() >= killAfter);
            dead.set(true);
            child.destroyForcibly();
            child.waitFor();
        }
        for (Future<?> f : clients) f.get();
        int ackedAtKill = acknowledged.size();
        // Everything the MX has now came from the first child (the second is not started yet).
        Set<String> receivedBeforeRestart = new HashSet<>();
        for (var r : mx.received()) r.messageId().ifPresent(receivedBeforeRestart::add);

        child = startChild(env, 2);
        awaitHealthy(http, httpPort);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            Set<String> got = new HashSet<>();
            for (var r : mx.received()) r.messageId().ifPresent(got::add);
            return got.containsAll(acknowledged.keySet());
        });

        // Every acknowledged message is in the store after the restart.
        for (var e : acknowledged.entrySet()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/v1/messages/" + e.getValue())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("acknowledged %s (%s)", e.getKey(), e.getValue()).isEqualTo(200);
        }
        Map<String, Integer> counts = new HashMap<>();
        for (var r : mx.received()) r.messageId().ifPresent(id -> counts.merge(id, 1, Integer::sum));
        List<String> duplicates = counts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).sorted().toList();
        System.out.printf("crash test (seed %d): killed after %d acknowledged (target %d); %d acknowledged in all; "
                        + "%d delivered before restart; %d distinct delivered; duplicates %d %s%n",
                seed, ackedAtKill, killAfter, acknowledged.size(), receivedBeforeRestart.size(), counts.size(), duplicates.size(), duplicates);
        assertThat(duplicates).as("a duplicate must have reached the MX before the kill").allMatch(receivedBeforeRestart::contains);
        assertThat(duplicates.size()).as("duplicates at most the deliveries in flight").isLessThanOrEqualTo(CONCURRENCY);
        assertThat(counts.values()).allMatch(c -> c <= 2);
    }
}
