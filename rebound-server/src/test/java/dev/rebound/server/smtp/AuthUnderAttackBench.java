package dev.rebound.server.smtp;

import dev.rebound.server.config.PasswordHash;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import dev.rebound.server.testing.SmtpWire;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * A benchmark, not a test (issue 9 finding 3): the latency of one legitimate authenticated submission (connect,
 * EHLO, STARTTLS, EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT over loopback against the real service) with and
 * without N connections guessing passwords, each from its own loopback address, with the production PBKDF2 cost
 * (600,000 iterations). Prints median and max per phase, what the attackers got, and the load average. Run by hand:
 *
 * <pre>
 * mvn -B -q -pl rebound-server -am test-compile
 * mvn -B -q -pl rebound-server dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp rebound-server/target/test-classes:rebound-server/target/classes:$(cat rebound-server/target/cp.txt) \
 *   dev.rebound.server.smtp.AuthUnderAttackBench [attackers=12] [submissions=20] [cache-ttl=1h]
 * </pre>
 * With {@code cache-ttl=0s} the legitimate client's AUTH needs a PBKDF2 permit like the guesses (the semaphore alone).
 */
public final class AuthUnderAttackBench {
    private static final String PASSWORD = "a legitimate password";

    public static void main(String[] args) throws Exception {
        int attackers = args.length > 0 ? Integer.parseInt(args[0]) : 12;
        int submissions = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        String cacheTtl = args.length > 2 ? args[2] : "1h";
        Path dir = Files.createTempDirectory("rebound-auth-bench");
        Map<String, String> env = new HashMap<>(SmtpAuthTest.tlsEnv(dir));
        env.put("REBOUND_SMTP_AUTH_USERS", "app=" + PasswordHash.create(PASSWORD.toCharArray(), 600_000, new SecureRandom()).text());
        env.put("REBOUND_SMTP_RELAY_NETWORKS", "10.0.0.0/8");
        env.put("REBOUND_SMTP_AUTH_CACHE_TTL", cacheTtl);
        Clock clock = Clock.systemUTC();
        try (ServiceHarness h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, env)) {
            int port = h.service.smtpPort();
            System.out.printf("processors %d, attackers %d, submissions %d, cache-ttl %s, PBKDF2 600000 iterations%n",
                    Runtime.getRuntime().availableProcessors(), attackers, submissions, cacheTtl);
            System.out.println("loadavg before: " + loadavg());
            submit(port, 0); // warm-up (JIT, TLS); also verifies the pair when the cache is on
            submit(port, 1);
            report("no attack", measure(port, submissions));
            AtomicBoolean stop = new AtomicBoolean();
            Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < attackers; i++) {
                String from = "127.0.0." + (10 + i);
                threads.add(Thread.ofPlatform().daemon().start(() -> attack(port, from, stop, outcomes)));
            }
            Thread.sleep(3000);
            System.out.println("loadavg under attack: " + loadavg());
            report("under attack", measure(port, submissions));
            stop.set(true);
            for (Thread t : threads) t.join(5000);
            System.out.println("attackers' replies: " + new java.util.TreeMap<>(outcomes));
            System.out.println("loadavg after: " + loadavg());
        }
    }

    /** Latencies of the successful submissions; failures (e.g. a 454 to AUTH) are printed and left out. */
    private static double[] measure(int port, int n) {
        double[] ms = new double[n];
        int ok = 0;
        for (int i = 0; i < n; i++) {
            try {
                ms[ok] = submit(port, i);
                ok++;
            } catch (IOException e) {
                System.out.println("  legitimate submission failed: " + e.getMessage());
            }
        }
        return Arrays.copyOf(ms, ok);
    }

    private static void report(String phase, double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        if (s.length == 0) {
            System.out.printf("%-13s legitimate submission: none succeeded%n", phase);
            return;
        }
        System.out.printf("%-13s legitimate submission: median %.1f ms, max %.1f ms (%d succeeded)%n", phase, s[s.length / 2], s[s.length - 1], s.length);
    }

    private static double submit(int port, int i) throws IOException {
        long t0 = System.nanoTime();
        try (SmtpWire plain = SmtpWire.from("127.0.0.1", port)) {
            expect(plain.reply(), "220");
            expect(plain.send("EHLO bench.test\r\n"), "250");
            expect(plain.send("STARTTLS\r\n"), "220");
            try (SmtpWire w = plain.startTls()) {
                expect(w.send("EHLO bench.test\r\n"), "250");
                expect(w.send("AUTH PLAIN " + plain("app", PASSWORD) + "\r\n"), "235");
                expect(w.send("MAIL FROM:<app@example.org>\r\n"), "250");
                expect(w.send("RCPT TO:<bob" + i + "@example.com>\r\n"), "250");
                expect(w.send("DATA\r\n"), "354");
                expect(w.send("Subject: bench\r\n\r\nhello\r\n.\r\n"), "250");
                expect(w.send("QUIT\r\n"), "221");
            }
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static void attack(int port, String from, AtomicBoolean stop, Map<String, LongAdder> outcomes) {
        int guess = 0;
        while (!stop.get()) {
            try (SmtpWire plain = SmtpWire.from(from, port)) {
                if (!plain.reply().startsWith("220")) continue;
                plain.send("EHLO attacker.test\r\n");
                if (!plain.send("STARTTLS\r\n").startsWith("220")) continue;
                try (SmtpWire w = plain.startTls()) {
                    w.send("EHLO attacker.test\r\n");
                    String r;
                    do {
                        r = w.send("AUTH PLAIN " + plain("app", "guess" + guess++) + "\r\n");
                        outcomes.computeIfAbsent(r == null ? "closed" : r.substring(0, Math.min(9, r.length())), k -> new LongAdder()).increment();
                    } while (r != null && !r.startsWith("421") && !stop.get());
                }
            } catch (IOException e) {
                outcomes.computeIfAbsent("io error", k -> new LongAdder()).increment();
            }
        }
    }

    private static void expect(String reply, String code) throws IOException {
        if (reply == null || !reply.startsWith(code)) throw new IOException("expected " + code + ", got " + reply);
    }

    private static String plain(String user, String password) {
        return java.util.Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String loadavg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "n/a";
        }
    }
}
