package dev.rebound.server.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.config.PasswordHash;
import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import dev.rebound.server.testing.SmtpWire;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * STARTTLS + AUTH on the real listener, over a real socket. The relay networks exclude 127.0.0.1
 * (10.0.0.0/8), so only an authenticated session may relay.
 */
class SmtpAuthTest {
    @TempDir Path dir;
    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    ServiceHarness h;

    @AfterEach
    void stop() {
        if (h != null) h.close();
    }

    /** Writes the test certificate (fakemx.p12) as the PEM files an operator would configure. */
    static Map<String, String> tlsEnv(Path dir) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = dev.rebound.server.testing.FakeMx.class.getResourceAsStream("fakemx.p12")) {
            ks.load(in, "changeit".toCharArray());
        }
        String alias = ks.aliases().nextElement();
        Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        Path cert = dir.resolve("cert.pem"), key = dir.resolve("key.pem");
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\n" + b64.encodeToString(ks.getCertificate(alias).getEncoded()) + "\n-----END CERTIFICATE-----\n");
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n" + b64.encodeToString(ks.getKey(alias, "changeit".toCharArray()).getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        return Map.of("REBOUND_SMTP_TLS_CERT", cert.toString(), "REBOUND_SMTP_TLS_KEY", key.toString());
    }

    private void start() throws Exception {
        Map<String, String> env = new HashMap<>(tlsEnv(dir));
        String hash = PasswordHash.create("s3cret pass".toCharArray(), 1000, new SecureRandom()).text();
        env.put("REBOUND_SMTP_AUTH_USERS", "app=" + hash);
        env.put("REBOUND_SMTP_RELAY_NETWORKS", "10.0.0.0/8");
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, env);
    }

    private static List<String> ehlo(SmtpWire w) throws IOException {
        w.out.write("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII));
        w.out.flush();
        List<String> lines = new ArrayList<>();
        String line;
        do {
            line = w.in.readLine();
            lines.add(line);
        } while (line != null && line.length() > 3 && line.charAt(3) == '-');
        return lines;
    }

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Connects, EHLO, STARTTLS, EHLO again over TLS; returns the TLS wire. */
    private SmtpWire tlsSession(SmtpWire plain) throws IOException {
        assertThat(plain.reply()).startsWith("220");
        assertThat(ehlo(plain)).anyMatch(l -> l.contains("STARTTLS"));
        assertThat(plain.send("STARTTLS\r\n")).startsWith("220");
        SmtpWire tls = plain.startTls();
        // RFC 3207 §4.2: no STARTTLS after the handshake; RFC 4954: AUTH now.
        assertThat(ehlo(tls)).anyMatch(l -> l.matches("250[- ]AUTH PLAIN LOGIN")).noneMatch(l -> l.contains("STARTTLS"));
        return tls;
    }

    @Test
    void beforeStartTls_authIsNotAdvertised_andRefusedWith538() throws Exception {
        start();
        try (SmtpWire w = new SmtpWire(h.service.smtpPort())) {
            assertThat(w.reply()).startsWith("220");
            List<String> caps = ehlo(w);
            assertThat(caps).anyMatch(l -> l.contains("STARTTLS")).noneMatch(l -> l.contains("AUTH"));
            assertThat(w.send("AUTH PLAIN " + plain("app", "s3cret pass") + "\r\n"))
                    .isEqualTo(ListenerReply.AUTH_NEEDS_TLS.line()).startsWith("538 5.7.11");
            assertThat(w.send("AUTH LOGIN\r\n")).startsWith("538 5.7.11");
            // Not authenticated, and 127.0.0.1 is outside 10.0.0.0/8: no relay.
            assertThat(w.send("MAIL FROM:<app@example.org>\r\n")).startsWith("250");
            assertThat(w.send("RCPT TO:<bob@example.com>\r\n")).isEqualTo(ListenerReply.RELAY_DENIED_AUTH.line("127.0.0.1"));
        }
    }

    @Test
    void startTls_thenAuthPlain_relaysFromOutsideTheRelayNetworks() throws Exception {
        start();
        try (SmtpWire plain = new SmtpWire(h.service.smtpPort()); SmtpWire w = tlsSession(plain)) {
            assertThat(w.send("AUTH PLAIN " + plain("app", "s3cret pass") + "\r\n")).startsWith("235");
            assertThat(w.send("MAIL FROM:<app@example.org>\r\n")).startsWith("250");
            assertThat(w.send("RCPT TO:<bob@example.com>\r\n")).startsWith("250");
            assertThat(w.send("DATA\r\n")).startsWith("354");
            String reply = w.send("Subject: over tls\r\n\r\nhello\r\n.\r\n");
            Matcher m = Pattern.compile("^250 2\\.0\\.0 queued as (\\w+)$").matcher(reply);
            assertThat(m.find()).as(reply).isTrue();
            assertThat(h.service.store().message(m.group(1)).orElseThrow().recipients())
                    .singleElement().satisfies(r -> assertThat(r.address()).isEqualTo("bob@example.com"));
        }
    }

    @Test
    void authLogin_withChallenges_succeeds() throws Exception {
        start();
        try (SmtpWire plain = new SmtpWire(h.service.smtpPort()); SmtpWire w = tlsSession(plain)) {
            assertThat(w.send("AUTH LOGIN\r\n")).isEqualTo("334 " + b64("Username:"));
            assertThat(w.send(b64("app") + "\r\n")).isEqualTo("334 " + b64("Password:"));
            assertThat(w.send(b64("s3cret pass") + "\r\n")).startsWith("235");
            assertThat(w.send("MAIL FROM:<app@example.org>\r\n")).startsWith("250");
            assertThat(w.send("RCPT TO:<bob@example.com>\r\n")).startsWith("250");
        }
    }

    @Test
    void badPassword_535_andNoRelay() throws Exception {
        start();
        try (SmtpWire plain = new SmtpWire(h.service.smtpPort()); SmtpWire w = tlsSession(plain)) {
            assertThat(w.send("AUTH PLAIN " + plain("app", "wrong") + "\r\n"))
                    .isEqualTo(ListenerReply.AUTH_FAILED.line()).startsWith("535 5.7.8");
            assertThat(w.send("AUTH PLAIN " + plain("nobody", "s3cret pass") + "\r\n")).startsWith("535 5.7.8");
            // Malformed commands are refused without counting as failed logins.
            assertThat(w.send("AUTH PLAIN !!!notbase64\r\n")).startsWith("501 5.5.2");
            assertThat(w.send("AUTH CRAM-MD5\r\n")).startsWith("504");
        }
        try (SmtpWire plain = new SmtpWire(h.service.smtpPort()); SmtpWire w = tlsSession(plain)) {
            // PLAIN split over two lines, and an authorization identity that is someone else: refused.
            assertThat(w.send("AUTH PLAIN\r\n")).startsWith("334");
            assertThat(w.send(Base64.getEncoder().encodeToString("root\0app\0s3cret pass".getBytes(StandardCharsets.UTF_8)) + "\r\n")).startsWith("535 5.7.8");
            assertThat(w.send("MAIL FROM:<app@example.org>\r\n")).startsWith("250");
            assertThat(w.send("RCPT TO:<bob@example.com>\r\n")).startsWith("554 5.7.1");
        }
        assertThat(h.service.store().queueStats().depth()).isZero();
    }

    @Test
    void thirdFailureInASession_421AndClose() throws Exception {
        start();
        try (SmtpWire plain = new SmtpWire(h.service.smtpPort()); SmtpWire w = tlsSession(plain)) {
            assertThat(w.send("AUTH PLAIN " + plain("app", "a") + "\r\n")).startsWith("535 5.7.8");
            assertThat(w.send("AUTH PLAIN " + plain("app", "b") + "\r\n")).startsWith("535 5.7.8");
            assertThat(w.send("AUTH PLAIN " + plain("app", "c") + "\r\n")).isEqualTo(ListenerReply.AUTH_TOO_MANY_FAILURES.line(3));
            assertThat(w.in.readLine()).as("connection closed").isNull();
        }
        // A new session starts from zero.
        try (SmtpWire plain = new SmtpWire(h.service.smtpPort()); SmtpWire w = tlsSession(plain)) {
            assertThat(w.send("AUTH PLAIN " + plain("app", "s3cret pass") + "\r\n")).startsWith("235");
        }
    }

    @Test
    void tlsWithoutAuth_relayNetworksStillDecide() throws Exception {
        Map<String, String> env = new HashMap<>(tlsEnv(dir));
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, env);
        try (SmtpWire plain = new SmtpWire(h.service.smtpPort())) {
            assertThat(plain.reply()).startsWith("220");
            assertThat(ehlo(plain)).anyMatch(l -> l.contains("STARTTLS")).noneMatch(l -> l.contains("AUTH"));
            assertThat(plain.send("STARTTLS\r\n")).startsWith("220");
            try (SmtpWire w = plain.startTls()) {
                assertThat(ehlo(w)).noneMatch(l -> l.contains("AUTH"));
                assertThat(w.send("MAIL FROM:<app@example.org>\r\n")).startsWith("250");
                assertThat(w.send("RCPT TO:<bob@example.com>\r\n")).startsWith("250");
            }
        }
    }

    @Test
    void unusableKeyFile_failsAtStart_sayingHowToFixIt() throws Exception {
        Map<String, String> env = new HashMap<>(tlsEnv(dir));
        Path rsa = dir.resolve("traditional.pem");
        Files.writeString(rsa, "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
        env.put("REBOUND_SMTP_TLS_KEY", rsa.toString());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, env))
                .hasMessageContaining("smtp.tls.key").hasMessageContaining(rsa.toString()).hasMessageContaining("openssl pkcs8");
        env.put("REBOUND_SMTP_TLS_CERT", dir.resolve("missing.pem").toString());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, env))
                .hasMessageContaining("smtp.tls.cert").hasMessageContaining("cannot read");
    }
}
