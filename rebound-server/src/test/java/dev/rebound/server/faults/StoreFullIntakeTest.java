package dev.rebound.server.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rebound.server.store.StoreFaults;
import dev.rebound.server.testing.ServiceHarness;
import dev.rebound.server.testing.SmtpWire;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, finding 1: after SQLite failed a commit once (SQLITE_FULL), no later SMTP 250 or HTTP 202 may be
 * sent for a message that is not committed. The store is filled with SQLite's own per-connection page limit
 * ({@code PRAGMA max_page_count}, which fails with SQLITE_FULL as a full disk does), real SMTP and HTTP clients
 * keep submitting on real sockets while it is full and after the limit is raised, and every acknowledged
 * message id is then looked up with a separate SQLite connection and again after a restart.
 */
@Tag("faults")
class StoreFullIntakeTest {
    private static final Pattern QUEUED = Pattern.compile("^250 2\\.0\\.0 queued as ([0-9a-f]{32})$");
    private static final int SMTP_CLIENTS = 3;
    private static final int HTTP_CLIENTS = 3;

    @TempDir Path dir;
    private ServiceHarness h;
    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    private final List<String> smtpRefusals = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<ServiceHarness.Response> httpRefusals = java.util.Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() {
        if (h != null) h.close();
    }

    private ServiceHarness start() {
        return ServiceHarness.withRealDelivery(dir, Clock.systemUTC(), false, Map.of());
    }

    @Test
    void noAcknowledgedMessageIsMissingAfterTheStoreWasFull() throws Exception {
        h = start();
        rounds(2); // a healthy store acknowledges everything
        assertThat(smtpRefusals).isEmpty();
        assertThat(httpRefusals).isEmpty();

        StoreFaults.limitPages(h.service.store(), 0);
        rounds(12);
        assertThat(smtpRefusals).as("SMTP refusals while full").isNotEmpty()
                .allSatisfy(r -> assertThat(r).startsWith("451 4.3.0"));
        assertThat(httpRefusals).as("HTTP refusals while full").isNotEmpty().allSatisfy(r -> {
            assertThat(r.status()).as(r.raw().body()).isEqualTo(503);
            assertThat(r.raw().headers().firstValue("Retry-After")).isPresent();
            assertThat(r.json().get("error").asString()).isEqualTo("store_unavailable");
        });
        var health = h.get("/healthz");
        assertThat(health.status()).as(health.raw().body()).isEqualTo(503);
        assertThat(health.json().get("store").get("writable").asBoolean()).isFalse();
        assertThat(h.get("/livez").status()).isEqualTo(200);
        assertThat(metric("rebound_store_write_failures_total")).isPositive();
        assertThat(metric("rebound_store_writable")).isZero();

        StoreFaults.unlimitPages(h.service.store());
        // readiness comes back by itself (the store probes while it is not writable), without new traffic
        await().atMost(Duration.ofSeconds(30)).until(() -> h.get("/healthz").status() == 200);
        assertThat(metric("rebound_store_writable")).isEqualTo(1.0);
        int refusedBefore = smtpRefusals.size() + httpRefusals.size();
        rounds(3);
        assertThat(smtpRefusals.size() + httpRefusals.size()).as("refusals after the space came back").isEqualTo(refusedBefore);

        assertThat(missingFromFile()).as("acknowledged but not in the database file").isEmpty();
        h.close();
        h = start();
        List<String> lost = new ArrayList<>();
        for (String id : acknowledged) if (h.service.store().message(id).isEmpty()) lost.add(id);
        assertThat(lost).as("acknowledged but gone after a restart").isEmpty();
    }

    /** Each client submits {@code n} messages, the SMTP clients on one session each, all at once. */
    private void rounds(int n) throws Exception {
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < SMTP_CLIENTS; c++) {
            int client = c;
            futures.add(pool.submit(() -> {
                try (SmtpWire w = new SmtpWire(h.service.smtpPort())) {
                    assertThat(w.reply()).startsWith("220");
                    assertThat(w.send("EHLO client" + client + ".test\r\n")).startsWith("250");
                    for (int i = 0; i < n; i++) smtpMessage(w, client, i);
                    w.send("QUIT\r\n");
                }
                return null;
            }));
        }
        for (int c = 0; c < HTTP_CLIENTS; c++) {
            int client = c;
            futures.add(pool.submit(() -> {
                for (int i = 0; i < n; i++) {
                    var r = h.post("/v1/messages", "{\"from\":\"app@example.org\",\"to\":[\"h" + client + "-" + i + "@example.test\"],"
                            + "\"subject\":\"s\",\"text\":\"" + "x".repeat(2000 + 1500 * i) + "\"}");
                    if (r.status() == 202) acknowledged.add(r.json().get("id").asString());
                    else httpRefusals.add(r);
                }
                return null;
            }));
        }
        for (Future<?> f : futures) f.get();
        pool.shutdown();
    }

    private void smtpMessage(SmtpWire w, int client, int i) throws Exception {
        String mail = w.send("MAIL FROM:<app@example.org>\r\n");
        if (!mail.startsWith("250")) {
            smtpRefusals.add(mail);
            w.send("RSET\r\n");
            return;
        }
        assertThat(w.send("RCPT TO:<s" + client + "-" + i + "@example.test>\r\n")).startsWith("250");
        assertThat(w.send("DATA\r\n")).startsWith("354");
        String end = w.send("Subject: s\r\n\r\n" + ("y".repeat(70) + "\r\n").repeat(30 + 25 * i) + ".\r\n");
        Matcher m = QUEUED.matcher(end);
        if (m.matches()) acknowledged.add(m.group(1));
        else {
            smtpRefusals.add(end);
            w.send("RSET\r\n"); // RFC 5321 §4.1.1.4: the transaction is over either way
        }
    }

    private Set<String> missingFromFile() throws Exception {
        Set<String> present = new HashSet<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("rebound.db"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM messages")) {
            while (rs.next()) present.add(rs.getString(1));
        }
        Set<String> missing = new HashSet<>(acknowledged);
        missing.removeAll(present);
        return missing;
    }

    private double metric(String name) throws Exception {
        for (String line : h.get("/metrics").raw().body().split("\n"))
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        throw new AssertionError("no metric " + name);
    }
}
