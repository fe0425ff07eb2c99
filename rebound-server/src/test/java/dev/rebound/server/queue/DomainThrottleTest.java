package dev.rebound.server.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.classify.ReplyClassifier;
import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.policy.ThrottleConfig;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.server.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
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

    @Test
    void tokenBucket_overTheRate_isPostponedToTheNextToken_andRefusalsAreSpread() {
        DomainThrottle paced = new DomainThrottle(ThrottleConfig.defaults(), java.util.Optional.of(new dev.rebound.core.policy.TokenBucket(2, 2)), clock);
        Instant t0 = clock.instant();
        assertThat(paced.pace("r.test")).isEmpty();
        assertThat(paced.pace("r.test")).isEmpty();
        // Burst spent: the next token comes after 1/rate = 500 ms; a second refusal is spread one interval later.
        assertThat(paced.pace("r.test")).hasValue(t0.plusMillis(500));
        assertThat(paced.pace("r.test")).hasValue(t0.plusMillis(1000));
        assertThat(paced.pace("other.test")).as("buckets are per domain").isEmpty();
        clock.advance(Duration.ofMillis(500));
        assertThat(paced.pace("r.test")).isEmpty();
        assertThat(paced.pace("r.test")).isPresent();
    }

    @Test
    void withoutARate_onlyTheConnectionDelayPaces() {
        for (int i = 0; i < 50; i++) assertThat(throttle.pace("fast.test")).isEmpty();
    }

    @Test
    void sustainedDeferrals_widenTheDelayBetweenConnections() {
        for (int i = 0; i < 3; i++) feed("slow.test", 451, "4.3.0 try later");
        // The controller halved concurrency and set a 1 s minimum delay between connections (backoffBase).
        Instant t = clock.instant();
        assertThat(throttle.pace("slow.test")).isEmpty();
        assertThat(throttle.pace("slow.test")).hasValue(t.plusSeconds(1));
        assertThat(throttle.pace("slow.test")).as("spread by the delay").hasValue(t.plusSeconds(2));
        clock.advance(Duration.ofSeconds(1));
        assertThat(throttle.pace("slow.test")).isEmpty();
    }
}
