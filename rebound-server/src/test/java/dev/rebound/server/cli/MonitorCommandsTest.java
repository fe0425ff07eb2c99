package dev.rebound.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.testing.FakeDns;
import dev.rebound.server.testing.FakeMx;
import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ServiceHarness;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code rebound stats}, {@code alerts}, {@code pause}, {@code resume} against a running service (real SMTP delivery to a scripted MX). */
class MonitorCommandsTest {
    @TempDir Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T12:00:00Z"));

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void statsAlertsPauseResume() throws Exception {
        try (FakeDns dns = FakeDns.start(); FakeMx mx = FakeMx.start()) {
            dns.mx("bouncy.test", 10, "mx.bouncy.test").a("mx.bouncy.test", "127.0.0.1");
            mx.script().reply("RCPT TO:<bad", "550 5.1.1 User unknown");
            try (ServiceHarness h = ServiceHarness.withRealDelivery(dir, clock, false, Map.of("REBOUND_DNS_SERVERS", "127.0.0.1:" + dns.port(),
                    "REBOUND_DELIVERY_MX_PORT", String.valueOf(mx.port()), "REBOUND_DELIVERY_TLS", "none"))) {
                String url = "http://127.0.0.1:" + h.service.httpPort();
                StringBuilder to = new StringBuilder();
                for (int i = 0; i < 300; i++) to.append(i == 0 ? "" : ",").append('"').append(i < 100 ? "bad" : "ok").append(i).append("@bouncy.test\"");
                assertThat(h.post("/v1/messages", "{\"from\":\"a@s.test\",\"to\":[" + to + "],\"text\":\"x\"}").status()).isEqualTo(202);
                while (h.service.scheduler().runOnce() > 0) { /* deliver all */ }

                Run stats = run("stats", "--url", url, "--by", "domain");
                assertThat(stats.code()).as(stats.err()).isZero();
                assertThat(stats.out()).containsPattern("\\(all mail\\)\\s+300\\s+300\\s+33\\.33%")
                        .containsPattern("bouncy\\.test\\s+300\\s+300\\s+33\\.33%\\s+0\\.00%\\s+0\\.00%\\s+0\\.00%\\s+0\\.00%");
                Run json = run("stats", "--url", url, "--json", "--window", "15m");
                assertThat(json.out()).contains("\"window\":\"15m\"", "\"hard_bounces\":100");
                Run badWindow = run("stats", "--url", url, "--window", "2h");
                assertThat(badWindow.code()).isEqualTo(1);
                assertThat(badWindow.err()).contains("400", "15m, 1h, 24h, 7d");

                assertThat(run("alerts", "--url", url).out()).contains("no alerts");
                h.service.alerts().evaluate();
                Run alerts = run("alerts", "--url", url, "--open");
                assertThat(alerts.out()).contains("open", "critical", "domain bouncy.test", "hard_bounce", "hard_bounce.ceiling.critical",
                        "rate 33.33% (100 of 300)");

                Run domains = run("domains", "--url", url);
                assertThat(domains.code()).as(domains.err()).isZero();
                assertThat(domains.out()).containsPattern("bouncy\\.test\\s+\\d+\\s+0\\s+\\d+ms\\s+-\\s+300\\s+33\\.33%\\s+0\\.00%");

                Run status = run("status", "--url", url);
                assertThat(status.code()).as(status.err()).isZero();
                assertThat(status.out()).contains("QUEUE", "waiting 0", "RATES", "ALERTS", "DOMAINS (throttled, dead or paused)", "WEBHOOKS", "no endpoints", "NODES")
                        .containsPattern("last 1h\\s+300\\s+300\\s+33\\.33%").containsPattern("last 24h\\s+300\\s+300\\s+33\\.33%")
                        .contains("critical", "domain bouncy.test");

                Run paused = run("pause", "domain", "Bouncy.test", "--reason", "checking the list import", "--url", url);
                assertThat(paused.code()).as(paused.err()).isZero();
                assertThat(paused.out()).contains("paused domain bouncy.test", "checking the list import");
                assertThat(run("alerts", "--url", url).out()).contains("paused   domain bouncy.test", "by api: checking the list import");
                Run resumed = run("resume", "domain", "bouncy.test", "--url", url);
                assertThat(resumed.out()).contains("resumed domain bouncy.test");
                Run again = run("resume", "domain", "bouncy.test", "--url", url);
                assertThat(again.code()).isEqualTo(1);
                assertThat(again.err()).contains("404", "not paused");
            }
        }
    }
}
