package dev.rebound.server.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.config.PasswordHash;
import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import dev.rebound.server.testing.SmtpWire;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 finding 3 on real sockets (STARTTLS + AUTH against the real service): password guesses are limited per
 * client and in how much CPU they may take, and a legitimate client keeps submitting during an attack. Clients
 * connect from different loopback addresses; none is in the relay networks (10.0.0.0/8), so only AUTH lets them
 * relay. How fast the legitimate client is under attack is measured by the benchmark
 * ({@code AuthUnderAttackBench}), not asserted here.
 */
@Tag("security")
class SecurityAuthTest {
    static final String PASSWORD = "s3cret pass";
    @TempDir Path dir;
    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    ServiceHarness h;

    @AfterEach
    void stop() {
        if (h != null) h.close();
    }

    private void start(int iterations, Map<String, String> extra) throws Exception {
        Map<String, String> env = new HashMap<>(SmtpAuthTest.tlsEnv(dir));
        env.put("REBOUND_SMTP_AUTH_USERS", "app=" + PasswordHash.create(PASSWORD.toCharArray(), iterations, new SecureRandom()).text());
        env.put("REBOUND_SMTP_RELAY_NETWORKS", "10.0.0.0/8");
        env.putAll(extra);
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, env);
    }

    static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Connects from {@code from}, EHLO, STARTTLS, EHLO over TLS. */
    private SmtpWire tls(String from) throws IOException {
        SmtpWire plain = SmtpWire.from(from, h.service.smtpPort());
        assertThat(plain.reply()).startsWith("220");
        assertThat(plain.send("EHLO client.test\r\n")).startsWith("250");
        assertThat(plain.send("STARTTLS\r\n")).isEqualTo(ListenerReply.TLS_READY.line());
        SmtpWire w = plain.startTls();
        assertThat(w.send("EHLO client.test\r\n")).startsWith("250");
        return w;
    }

    private String auth(SmtpWire w, String password) throws IOException {
        return w.send("AUTH PLAIN " + plain("app", password) + "\r\n");
    }

    @Test
    void aClientThatKeepsFailing_isRefusedWithoutACheck_untilTheWindowPasses_othersAreNot() throws Exception {
        start(1000, Map.of("REBOUND_SMTP_AUTH_MAX_FAILURES", "5", "REBOUND_SMTP_AUTH_FAILURE_DELAY", "100ms"));
        try (SmtpWire w = tls("127.0.0.2")) {
            assertThat(auth(w, "a")).startsWith("535 5.7.8");
            assertThat(auth(w, "b")).startsWith("535 5.7.8");
            assertThat(auth(w, "c")).startsWith("421 4.7.0"); // three in one session
        }
        try (SmtpWire w = tls("127.0.0.2")) {
            assertThat(auth(w, "d")).startsWith("535 5.7.8");
            assertThat(auth(w, "e")).startsWith("535 5.7.8"); // five from this address
        }
        try (SmtpWire w = tls("127.0.0.2")) {
            // Now even the right password is not checked.
            assertThat(auth(w, PASSWORD)).isEqualTo(ListenerReply.AUTH_CLIENT_LOCKED.line("127.0.0.2", "2026-03-01T10:15:00Z"))
                    .startsWith("454 4.7.0");
            assertThat(w.send("MAIL FROM:<app@example.org>\r\n")).startsWith("250");
            assertThat(w.send("RCPT TO:<bob@example.com>\r\n")).startsWith("554 5.7.1");
            assertThat(w.send("RSET\r\n")).startsWith("250");
            assertThat(auth(w, PASSWORD)).startsWith("454 4.7.0");
            // Trying on regardless costs the connection, as failing does.
            assertThat(auth(w, PASSWORD)).isEqualTo(ListenerReply.AUTH_TOO_MANY_FAILURES.line(3));
            assertThat(w.in.readLine()).isNull();
        }
        try (SmtpWire other = tls("127.0.0.3")) {
            assertThat(auth(other, PASSWORD)).as("another client is not locked").startsWith("235");
        }
        clock.advance(Duration.ofMinutes(15));
        try (SmtpWire w = tls("127.0.0.2")) {
            assertThat(auth(w, PASSWORD)).startsWith("235");
            assertThat(w.send("MAIL FROM:<app@example.org>\r\n")).startsWith("250");
            assertThat(w.send("RCPT TO:<bob@example.com>\r\n")).startsWith("250");
        }
    }

    @Test
    void underAGuessingAttack_aLegitimateClientStillAuthenticatesAndSubmits() throws Exception {
        // Real PBKDF2 work per guess, one check at a time: guesses beyond it wait at most the failure delay, then 454.
        start(100_000, Map.of("REBOUND_SMTP_AUTH_MAX_CONCURRENT_CHECKS", "1", "REBOUND_SMTP_AUTH_FAILURE_DELAY", "200ms"));
        try (SmtpWire w = tls("127.0.0.1")) {
            assertThat(auth(w, PASSWORD)).startsWith("235"); // before the attack: this pair is now verified
        }
        int attackers = 8;
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch refused = new CountDownLatch(attackers);
        ConcurrentLinkedQueue<String> replies = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < attackers; i++) {
            String from = "127.0.0." + (10 + i);
            threads.add(Thread.ofPlatform().daemon().start(() -> {
                boolean counted = false;
                int guess = 0;
                while (!stop.get()) {
                    try (SmtpWire w = tls(from)) {
                        String r;
                        do {
                            r = auth(w, "guess" + guess++);
                            if (r != null) replies.add(r.substring(0, Math.min(9, r.length())));
                            if (r != null && r.startsWith("454") && !counted) {
                                counted = true;
                                refused.countDown();
                            }
                        } while (r != null && (r.startsWith("535") || r.startsWith("454")) && !stop.get());
                    } catch (IOException | AssertionError e) {
                        // a connection closed by the listener (421) or at the end: connect again
                    }
                }
            }));
        }
        try {
            assertThat(refused.await(60, TimeUnit.SECONDS)).as("every attacker met the limits (454)").isTrue();
            // The attack goes on; the legitimate client submits three times, each on a new connection.
            for (int i = 0; i < 3; i++) {
                try (SmtpWire w = tls("127.0.0.1")) {
                    assertThat(auth(w, PASSWORD)).startsWith("235");
                    assertThat(w.send("MAIL FROM:<app@example.org>\r\n")).startsWith("250");
                    assertThat(w.send("RCPT TO:<bob" + i + "@example.com>\r\n")).startsWith("250");
                    assertThat(w.send("DATA\r\n")).startsWith("354");
                    assertThat(w.send("Subject: under attack\r\n\r\nhello\r\n.\r\n")).startsWith("250 2.0.0 queued as ");
                }
            }
        } finally {
            stop.set(true);
            for (Thread t : threads) t.join(10_000);
        }
        assertThat(h.service.store().queueStats().depth()).isEqualTo(3);
        assertThat(replies).as("no guess succeeded").noneMatch(r -> r.startsWith("235"))
                .anyMatch(r -> r.startsWith("454 4.7.0")).anyMatch(r -> r.startsWith("535 5.7.8"));
    }
}
