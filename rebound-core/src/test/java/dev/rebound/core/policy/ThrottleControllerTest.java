package dev.rebound.core.policy;

import static dev.rebound.core.policy.Fixtures.T0;
import static dev.rebound.core.policy.Fixtures.cls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ThrottleControllerTest {

    private static final ThrottleConfig C = ThrottleConfig.defaults();
    private final ThrottleController ctl = ThrottleController.standard();

    private ThrottleState fresh() {
        return ThrottleState.initial("example.com", C, T0);
    }

    private ThrottleDecision run(ThrottleState s, ThrottleEvent... es) {
        ThrottleDecision d = null;
        for (ThrottleEvent e : es) {
            d = ctl.apply(s, e, C);
            s = d.state();
        }
        return d;
    }

    private static ThrottleEvent[] times(int n, java.util.function.IntFunction<ThrottleEvent> f) {
        ThrottleEvent[] out = new ThrottleEvent[n];
        for (int i = 0; i < n; i++) out[i] = f.apply(i);
        return out;
    }

    private static Instant at(long seconds) {
        return T0.plusSeconds(seconds);
    }

    @Test
    void startsAtFiveWithoutDelay() {
        ThrottleDecision d = ctl.apply(fresh(), ThrottleEvent.success(at(0)), C);
        assertThat(d.concurrencyLimit()).isEqualTo(5);
        assertThat(d.minDelayBetweenConnections()).isZero();
        assertThat(d.ruleId()).isEqualTo("throttle.success");
        assertThat(d.dead()).isFalse();
    }

    @Test
    void oneDeferralIsCountedButDoesNotHalve() {
        ThrottleDecision d = ctl.apply(fresh(), ThrottleEvent.deferral(at(1)), C);
        assertThat(d.concurrencyLimit()).isEqualTo(5);
        assertThat(d.ruleId()).isEqualTo("throttle.negative.counted");
    }

    @Test
    void sustainedDeferralsHalveAndWidenTheBackoff() {
        ThrottleDecision d = run(fresh(), ThrottleEvent.deferral(at(1)), ThrottleEvent.deferral(at(10)),
                ThrottleEvent.deferral(at(20)));
        assertThat(d.ruleId()).isEqualTo("throttle.aimd.decrease");
        assertThat(d.concurrencyLimit()).isEqualTo(2);
        assertThat(d.minDelayBetweenConnections()).isEqualTo(Duration.ofSeconds(1));
        assertThat(d.reason()).contains("5 → 2");
    }

    @Test
    void deferralsSpreadBeyondTheWindowDoNotHalve() {
        ThrottleDecision d = run(fresh(), ThrottleEvent.deferral(at(0)), ThrottleEvent.deferral(at(50)),
                ThrottleEvent.deferral(at(100)), ThrottleEvent.deferral(at(150)));
        assertThat(d.concurrencyLimit()).isEqualTo(5);
        assertThat(d.ruleId()).isEqualTo("throttle.negative.counted");
    }

    @Test
    void oneRateLimitReplyHalvesAtOnceButOnlyOncePerCooldown() {
        ThrottleDecision d1 = run(fresh(), ThrottleEvent.rateLimit(at(0)));
        assertThat(d1.concurrencyLimit()).isEqualTo(2);
        ThrottleDecision d2 = ctl.apply(d1.state(), ThrottleEvent.rateLimit(at(5)), C);
        assertThat(d2.ruleId()).isEqualTo("throttle.aimd.cooldown");
        assertThat(d2.concurrencyLimit()).isEqualTo(2);
        ThrottleDecision d3 = ctl.apply(d2.state(), ThrottleEvent.rateLimit(at(40)), C);
        assertThat(d3.ruleId()).isEqualTo("throttle.aimd.decrease");
        assertThat(d3.concurrencyLimit()).isEqualTo(1);
        assertThat(d3.minDelayBetweenConnections()).isEqualTo(Duration.ofSeconds(2));
        ThrottleDecision d4 = ctl.apply(d3.state(), ThrottleEvent.rateLimit(at(80)), C);
        assertThat(d4.concurrencyLimit()).as("floor").isEqualTo(1);
        assertThat(d4.minDelayBetweenConnections()).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void recoveryNeedsKSuccessesInARowPerStep() {
        ThrottleDecision down = run(fresh(), ThrottleEvent.rateLimit(at(0))); // 2, delay 1s
        ThrottleDecision nine = run(down.state(), times(9, i -> ThrottleEvent.success(at(100 + i))));
        assertThat(nine.concurrencyLimit()).isEqualTo(2);
        // a deferral breaks the streak: nine more successes are still not enough
        ThrottleDecision broken = run(nine.state(), ThrottleEvent.deferral(at(200)));
        ThrottleDecision nineMore = run(broken.state(), times(9, i -> ThrottleEvent.success(at(300 + i))));
        assertThat(nineMore.concurrencyLimit()).isEqualTo(2);
        ThrottleDecision tenth = ctl.apply(nineMore.state(), ThrottleEvent.success(at(400)), C);
        assertThat(tenth.ruleId()).isEqualTo("throttle.aimd.increase");
        assertThat(tenth.concurrencyLimit()).isEqualTo(3);
        assertThat(tenth.minDelayBetweenConnections()).as("1s halved is below the base: zero").isZero();
    }

    @Test
    void noRecoveryByTheClockAlone() {
        ThrottleDecision down = run(fresh(), ThrottleEvent.rateLimit(at(0)));
        // a long quiet time, then a single success: still at 2 (no fixed-expiry snap back)
        ThrottleDecision later = ctl.apply(down.state(), ThrottleEvent.success(at(86_400)), C);
        assertThat(later.concurrencyLimit()).isEqualTo(2);
    }

    @Test
    void successesGrowToTheCeilingAndNoFurther() {
        ThrottleDecision d = run(fresh(), times(400, i -> ThrottleEvent.success(at(i))));
        assertThat(d.concurrencyLimit()).isEqualTo(20);
        assertThat(d.ruleId()).isEqualTo("throttle.at-max");
    }

    @Test
    void hardFailuresAreNeutral() {
        ThrottleDecision d = run(fresh(), times(50, i -> ThrottleEvent.hardFailure(at(i))));
        assertThat(d.concurrencyLimit()).isEqualTo(5);
        assertThat(d.ruleId()).isEqualTo("throttle.hard-failure.neutral");
    }

    @Test
    void deadAfterNConsecutiveConnectionFailuresThenProbes() {
        ThrottleDecision four = run(fresh(), times(4, i -> ThrottleEvent.connectionFailure(at(i))));
        assertThat(four.dead()).isFalse();
        ThrottleDecision dead = ctl.apply(four.state(), ThrottleEvent.connectionFailure(at(4)), C);
        assertThat(dead.ruleId()).isEqualTo("throttle.dead");
        assertThat(dead.dead()).isTrue();
        assertThat(dead.deadUntil()).contains(at(4).plus(Duration.ofMinutes(5)));
        assertThat(dead.concurrencyLimit()).isEqualTo(1);
        // a straggler from before the probe time changes nothing
        ThrottleDecision waiting = ctl.apply(dead.state(), ThrottleEvent.connectionFailure(at(10)), C);
        assertThat(waiting.ruleId()).isEqualTo("throttle.dead.waiting");
        assertThat(waiting.deadUntil()).isEqualTo(dead.deadUntil());
        // the probe fails: the wait doubles
        Instant probe = at(4).plus(Duration.ofMinutes(5));
        ThrottleDecision failed = ctl.apply(waiting.state(), ThrottleEvent.connectionFailure(probe), C);
        assertThat(failed.ruleId()).isEqualTo("throttle.dead.probe-failed");
        assertThat(failed.deadUntil()).contains(probe.plus(Duration.ofMinutes(10)));
        // the next probe gets an answer: alive again at the floor
        ThrottleDecision back = ctl.apply(failed.state(), ThrottleEvent.success(probe.plus(Duration.ofMinutes(10))), C);
        assertThat(back.ruleId()).isEqualTo("throttle.dead.recovered");
        assertThat(back.dead()).isFalse();
        assertThat(back.deadUntil()).isEmpty();
        assertThat(back.concurrencyLimit()).isEqualTo(1);
    }

    @Test
    void probeIntervalIsCapped() {
        ThrottleDecision d = run(fresh(), times(5, i -> ThrottleEvent.connectionFailure(at(i))));
        Instant t = d.deadUntil().get();
        for (int i = 0; i < 10; i++) {
            d = ctl.apply(d.state(), ThrottleEvent.connectionFailure(t), C);
            t = d.deadUntil().get();
        }
        assertThat(d.state().probeInterval()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void aReplyBetweenConnectionFailuresKeepsTheDestinationAlive() {
        ThrottleDecision d = run(fresh(), ThrottleEvent.connectionFailure(at(0)), ThrottleEvent.connectionFailure(at(100)),
                ThrottleEvent.hardFailure(at(200)), ThrottleEvent.connectionFailure(at(300)),
                ThrottleEvent.connectionFailure(at(400)), ThrottleEvent.connectionFailure(at(500)),
                ThrottleEvent.connectionFailure(at(600)));
        assertThat(d.dead()).isFalse();
        assertThat(d.state().consecutiveConnectionFailures()).isEqualTo(4);
    }

    @Test
    void lateEventsDoNotMoveTimeBack() {
        ThrottleDecision d = run(fresh(), ThrottleEvent.success(at(100)), ThrottleEvent.success(at(50)));
        assertThat(d.state().updatedAt()).isEqualTo(at(100));
    }

    @Test
    void classificationsMapToEvents() {
        assertThat(ThrottleEvent.fromClassification(T0, Fixtures.delivered()).kind()).isEqualTo(ThrottleEvent.Kind.SUCCESS);
        assertThat(ThrottleEvent.fromClassification(T0, Fixtures.deferred()).kind()).isEqualTo(ThrottleEvent.Kind.DEFERRAL);
        assertThat(ThrottleEvent.fromClassification(T0, Fixtures.mailboxFull4xx()).kind()).isEqualTo(ThrottleEvent.Kind.HARD_FAILURE);
        assertThat(ThrottleEvent.fromClassification(T0, Fixtures.userUnknown()).kind()).isEqualTo(ThrottleEvent.Kind.HARD_FAILURE);
        assertThat(ThrottleEvent.fromClassification(T0, Fixtures.connectionFailure()).kind())
                .isEqualTo(ThrottleEvent.Kind.CONNECTION_FAILURE);
        assertThat(ThrottleEvent.fromClassification(T0, cls(Outcome.DEFERRED, Reason.TOOMANYCONN, 421, "4.7.0",
                "4.7.0 Too many concurrent SMTP connections from this IP address")).kind())
                .isEqualTo(ThrottleEvent.Kind.RATE_LIMIT);
        assertThat(ThrottleEvent.fromClassification(T0, cls(Outcome.DEFERRED, Reason.BADREPUTATION, 451, "4.7.650",
                "4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation.")).kind())
                .isEqualTo(ThrottleEvent.Kind.RATE_LIMIT);
    }

    @Test
    void localConnectionRepliesOfTheDeliverySideAreConnectionFailures() {
        // the delivery side synthesises these when no server answered (LocalReplies)
        for (String[] r : new String[][] {{"421", "4.4.1", "4.4.1 cannot connect to mx.example.com: Connection refused"},
                {"421", "4.4.2", "4.4.2 mx.example.com did not answer within 300000 ms (rcpt phase)"},
                {"451", "4.4.3", "4.4.3 DNS lookup of example.com failed temporarily: SERVFAIL"},
                {"421", "4.7.5", "4.7.5 STARTTLS handshake with mx.example.com failed: bad certificate"}}) {
            var c = cls(Outcome.DEFERRED, Reason.NETWORKERROR, Integer.parseInt(r[0]), r[1], r[2]);
            assertThat(ThrottleEvent.fromClassification(T0, c).kind()).as(r[2]).isEqualTo(ThrottleEvent.Kind.CONNECTION_FAILURE);
        }
        var busy = cls(Outcome.DEFERRED, Reason.SYSTEMERROR, 421, "4.3.2", "4.3.2 Service not available, closing channel");
        assertThat(ThrottleEvent.fromClassification(T0, busy).kind()).isEqualTo(ThrottleEvent.Kind.RATE_LIMIT);
        var congestion = cls(Outcome.DEFERRED, Reason.SYSTEMERROR, 451, "4.4.5", "4.4.5 Server busy, try again later");
        assertThat(ThrottleEvent.fromClassification(T0, congestion).kind()).isEqualTo(ThrottleEvent.Kind.RATE_LIMIT);
    }

    @Test
    void configErrorsNameTheFields() {
        assertThatThrownBy(() -> new ThrottleConfig(5, 4, 1, 3, 1, Duration.ofSeconds(60), Duration.ofSeconds(30), 10,
                Duration.ofSeconds(1), Duration.ofMinutes(5), 5, Duration.ofMinutes(5), Duration.ofHours(1), 10, 20))
                .hasMessageContaining("maxConcurrency=4").hasMessageContaining("initialConcurrency=5");
        assertThatThrownBy(() -> new ThrottleConfig(5, 20, 1, 3, 1, Duration.ofSeconds(60), Duration.ofSeconds(30), 10,
                Duration.ofSeconds(1), Duration.ofMinutes(5), 5, Duration.ofMinutes(5), Duration.ofHours(1), 0, 20))
                .hasMessageContaining("tokenRatePerSecond").hasMessageContaining("0.0");
        assertThat(Optional.of(C.tokenBucket())).contains(new TokenBucket(10.0, 20));
    }
}
