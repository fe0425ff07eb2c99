package dev.rebound.server.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.config.PasswordHash;
import dev.rebound.server.testing.MutableClock;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The pure parts of the listener's limits, with the clock moved by hand (no sleeping). */
@Tag("security")
class ListenerLimitsPolicyTest {
    static final ClientKey A = new ClientKey("192.0.2.1"), B = new ClientKey("192.0.2.2");

    @Test
    void admission_totalFirst_thenTheUnreservedShare_thenPerClient_relayExemptFromTheLastTwo() {
        ConnectionLimits l = new ConnectionLimits(10, 3, 4);
        assertThat(l.refusal(0, 0, 0, false, A)).isEmpty();
        assertThat(l.refusal(5, 2, 2, false, A)).isEmpty();
        assertThat(l.refusal(5, 2, 3, false, A)).get().extracting(Refusal::line).isEqualTo("421 4.7.0 too many connections from 192.0.2.1 (at most 3 at once); try again later");
        assertThat(l.refusal(6, 6, 0, false, B)).get().extracting(Refusal::reply).isEqualTo(ListenerReply.CONNECTIONS_RESERVED);
        assertThat(l.refusal(9, 6, 3, true, A)).isEmpty();
        assertThat(l.refusal(10, 6, 0, true, A)).get().extracting(Refusal::reply).isEqualTo(ListenerReply.CONNECTIONS_FULL);
    }

    @Test
    void clientKey_ipv4Address_ipv6Slash64() throws Exception {
        assertThat(ClientKey.of(InetAddress.getByName("198.51.100.7"))).isEqualTo(new ClientKey("198.51.100.7"));
        assertThat(ClientKey.of(InetAddress.getByName("2001:db8:1:2:aaaa::1")))
                .isEqualTo(ClientKey.of(InetAddress.getByName("2001:db8:1:2:ffff:1:2:3")))
                .isNotEqualTo(ClientKey.of(InetAddress.getByName("2001:db8:1:3::1")));
        assertThat(ClientKey.of(InetAddress.getByName("2001:db8:1:2::1")).text()).isEqualTo("2001:0db8:0001:0002::/64");
    }

    @Test
    void dataPace_keepsUpAtTheMinimumRate_runsOutWhenSlower_neverAboveTheIdleTimeout() {
        long second = 1_000_000_000L;
        DataPace ok = new DataPace(Duration.ofSeconds(10), 500);
        for (int i = 0; i < 1000; i++) assertThat(ok.afterRead(500, second)).isTrue(); // exactly 500 octets/s
        assertThat(ok.remainingNanos()).isEqualTo(10 * second);
        DataPace slow = new DataPace(Duration.ofSeconds(10), 500);
        int reads = 0;
        while (slow.afterRead(250, second)) reads++; // half the rate: loses 0.5 s per read
        assertThat(reads).isEqualTo(19);
        DataPace burst = new DataPace(Duration.ofSeconds(10), 500);
        burst.afterRead(1_000_000, 0);
        assertThat(burst.remainingNanos()).as("capped at the idle timeout").isEqualTo(10 * second);
        DataPace off = new DataPace(Duration.ofSeconds(10), 0);
        assertThat(off.afterRead(1, 9 * second)).isTrue();
        assertThat(off.remainingNanos()).isEqualTo(10 * second);
    }

    @Test
    void authFailures_lockAClientAfterMaxInTheWindow_untilTheOldestIsOutOfIt() {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        AuthFailures f = new AuthFailures(3, Duration.ofMinutes(15), clock);
        f.failed(A);
        clock.advance(Duration.ofMinutes(5));
        f.failed(A);
        assertThat(f.lockedUntil(A)).isEmpty();
        f.failed(A);
        assertThat(f.lockedUntil(A)).contains(Instant.parse("2026-03-01T10:15:00Z"));
        assertThat(f.lockedUntil(B)).as("other clients are not affected").isEmpty();
        assertThat(f.hasFailed(A)).isTrue();
        assertThat(f.hasFailed(B)).isFalse();
        clock.advance(Duration.ofMinutes(10)); // 10:15: the first failure leaves the window
        assertThat(f.lockedUntil(A)).isEmpty();
        f.failed(A); // two in the window again, plus this one
        assertThat(f.lockedUntil(A)).contains(Instant.parse("2026-03-01T10:20:00Z"));
    }

    @Test
    void passwordChecks_busyWhenAllPermitsAreTaken_butAVerifiedPairNeedsNone() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        PasswordHash hash = PasswordHash.create("right".toCharArray(), 1000, new SecureRandom());
        Semaphore permits = new Semaphore(1);
        PasswordChecks c = new PasswordChecks(Map.of("app", hash), permits, Duration.ZERO, Duration.ofHours(1), clock);
        assertThat(c.check("app", "wrong", true)).isEqualTo(PasswordChecks.Verdict.INVALID);
        assertThat(c.check("nobody", "right", true)).isEqualTo(PasswordChecks.Verdict.INVALID);
        assertThat(c.check("app", "right", true)).isEqualTo(PasswordChecks.Verdict.VALID);
        permits.acquire(); // every check slot taken (by guesses)
        try {
            assertThat(c.check("app", "wrong", true)).isEqualTo(PasswordChecks.Verdict.BUSY);
            assertThat(c.check("app", "right", true)).as("remembered: no PBKDF2 run needed").isEqualTo(PasswordChecks.Verdict.VALID);
            clock.advance(Duration.ofHours(1));
            assertThat(c.check("app", "right", true)).as("forgotten after the TTL").isEqualTo(PasswordChecks.Verdict.BUSY);
        } finally {
            permits.release();
        }
        // A client without failures waits for a released permit; a suspect does not wait and gets BUSY meanwhile.
        PasswordChecks waiting = new PasswordChecks(Map.of("app", hash), permits, Duration.ofSeconds(30), Duration.ZERO, clock);
        permits.acquire();
        var clean = java.util.concurrent.CompletableFuture.supplyAsync(() -> waiting.check("app", "right", true));
        while (!permits.hasQueuedThreads()) Thread.onSpinWait();
        assertThat(waiting.check("app", "guess", false)).isEqualTo(PasswordChecks.Verdict.BUSY);
        permits.release();
        assertThat(clean.get()).isEqualTo(PasswordChecks.Verdict.VALID);
        PasswordChecks noCache = new PasswordChecks(Map.of("app", hash), permits, Duration.ZERO, Duration.ZERO, clock);
        assertThat(noCache.check("app", "right", false)).isEqualTo(PasswordChecks.Verdict.VALID);
        permits.acquire();
        assertThat(noCache.check("app", "right", false)).isEqualTo(PasswordChecks.Verdict.BUSY);
        permits.release();
    }
}
