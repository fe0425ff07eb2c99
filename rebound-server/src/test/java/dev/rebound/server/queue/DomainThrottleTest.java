package dev.rebound.server.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.classify.ReplyClassifier;
import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.policy.ThrottleConfig;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.server.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DomainThrottleTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T12:00:00Z"));
    final DomainThrottle throttle = new DomainThrottle(ThrottleConfig.defaults(), clock);

    private void feed(String domain, int code, String text) {
        throttle.record(domain, clock.instant(), ReplyClassifier.standard().classify(SmtpReply.of(code, text), SmtpPhase.END_OF_DATA, domain));
        clock.advance(Duration.ofSeconds(1));
    }

    @Test
    void sustainedDeferrals_halveTheDomainsConcurrency_only() {
        assertThat(throttle.limit("slow.test")).isEqualTo(5);
        for (int i = 0; i < 3; i++) feed("slow.test", 451, "4.3.0 try later");
        assertThat(throttle.limit("slow.test")).isEqualTo(2);
        assertThat(throttle.limit("other.test")).isEqualTo(5);
    }

    @Test
    void connectionFailures_makeTheDomainDeadUntilTheProbe() {
        for (int i = 0; i < 5; i++) {
            throttle.record("down.test", clock.instant(), ReplyClassifier.standard().classify(
                    SmtpReply.of(421, "4.4.1 connection refused"), SmtpPhase.CONNECT, "down.test"));
        }
        assertThat(throttle.deadUntil("down.test")).hasValue(clock.instant().plus(Duration.ofMinutes(5)));
        clock.advance(Duration.ofMinutes(5));
        assertThat(throttle.deadUntil("down.test")).isEmpty();
    }

    @Test
    void acquireAndRelease_countSlots() throws Exception {
        for (int i = 0; i < 5; i++) throttle.acquire("a.test");
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                throttle.acquire("a.test");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        // The sixth caller cannot get a slot until one is released.
        while (waiter.getState() != Thread.State.WAITING) Thread.onSpinWait();
        assertThat(waiter.isAlive()).isTrue();
        throttle.release("a.test");
        waiter.join();
    }
}
