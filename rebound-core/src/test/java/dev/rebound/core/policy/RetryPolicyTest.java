package dev.rebound.core.policy;

import static dev.rebound.core.policy.Fixtures.T0;
import static dev.rebound.core.policy.Fixtures.cls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RetryPolicyTest {

    private final RetryPolicy policy = RetryPolicy.standard();
    private final RetryConfig noJitter = RetryConfig.defaults().withJitterFraction(0);

    private static RetryHistory history(Classification... cs) {
        // attempts follow the default schedule exactly (no jitter): 0, +5m, +15m, +1h, +6h
        Duration[] gaps = {Duration.ZERO, Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofHours(1),
                Duration.ofHours(6)};
        List<Attempt> as = new ArrayList<>();
        Instant t = T0;
        for (int i = 0; i < cs.length; i++) {
            t = t.plus(gaps[Math.min(i, gaps.length - 1)]);
            as.add(new Attempt(t, cs[i]));
        }
        return new RetryHistory("msg-1", "a@example.com", T0, as);
    }

    private RetryDecision next(RetryHistory h) {
        return policy.next(h, noJitter, h.attempts().isEmpty() ? T0 : h.latest().at());
    }

    // ---- table: one row per rule -------------------------------------------------------------------------

    static Stream<Arguments> table() {
        Classification greylist5xx = cls(Outcome.BOUNCED_SOFT, Reason.UNDEFINED, 550, "",
                "Greylisted, please try again later"); // Misconfigured greylisters answer 5xx (postgrey FAQ)
        Classification speeding5xx = cls(Outcome.BLOCKED_POLICY, Reason.SPEEDING, 550, "5.4.5",
                "5.4.5 Daily sending quota exceeded."); // Gmail wording
        Classification mbf5xx = cls(Outcome.BOUNCED_SOFT, Reason.MAILBOXFULL, 552, "5.2.2",
                "5.2.2 The email account that you tried to reach is over quota."); // Gmail wording
        Classification hint = cls(Outcome.DEFERRED, Reason.UNDEFINED, 450, "4.2.0",
                "4.2.0 Greylisted, please try again in 3 minutes");
        Classification hard4xx = cls(Outcome.BOUNCED_HARD, Reason.USERUNKNOWN, 450, "4.1.1",
                "4.1.1 <a@example.com>: Recipient address rejected: User unknown in local recipient table");
        Classification nxdomain = new Classification(Outcome.BOUNCED_HARD, Reason.HOSTUNKNOWN, "test.dns",
                new dev.rebound.core.classify.Evidence(0, "", "NXDOMAIN example.invalid",
                        dev.rebound.core.classify.SmtpPhase.NONE, "example.invalid", ""));
        Classification complaint = cls(Outcome.COMPLAINT, Reason.FEEDBACK, 0, "", "abuse report");
        return Stream.of(
                // history, expected rule, expected at offset from T0 (null for GiveUp), expected outcome, reason
                Arguments.of(history(), "retry.first-attempt", Duration.ZERO, null, null),
                Arguments.of(history(Fixtures.delivered()), "retry.done", null, Outcome.DELIVERED, Reason.DELIVERED),
                Arguments.of(history(Fixtures.deferred()), "retry.transient", Duration.ofMinutes(5), null, null),
                Arguments.of(history(Fixtures.deferred(), Fixtures.deferred()), "retry.transient",
                        Duration.ofMinutes(20), null, null),
                Arguments.of(history(Fixtures.deferred(), Fixtures.deferred(), Fixtures.deferred()),
                        "retry.transient", Duration.ofMinutes(80), null, null),
                Arguments.of(history(Fixtures.deferred(), Fixtures.deferred(), Fixtures.deferred(), Fixtures.deferred()),
                        "retry.transient", Duration.ofMinutes(440), null, null),
                Arguments.of(history(Fixtures.deferred(), Fixtures.deferred(), Fixtures.deferred(), Fixtures.deferred(),
                        Fixtures.deferred()), "retry.max-attempts", null, Outcome.BOUNCED_SOFT, Reason.EXPIRED),
                Arguments.of(history(Fixtures.connectionFailure()), "retry.transient", Duration.ofMinutes(5), null, null),
                Arguments.of(history(Fixtures.mailboxFull4xx()), "retry.mailboxfull", Duration.ofMinutes(30), null, null),
                Arguments.of(history(Fixtures.deferred(), Fixtures.mailboxFull4xx()), "retry.mailboxfull",
                        Duration.ofMinutes(5 + 120), null, null),
                Arguments.of(history(Fixtures.userUnknown()), "retry.no-repeat-5xx", null, Outcome.BOUNCED_HARD,
                        Reason.USERUNKNOWN),
                Arguments.of(history(Fixtures.policyBlock()), "retry.no-repeat-5xx", null, Outcome.BLOCKED_POLICY,
                        Reason.BLOCKED),
                Arguments.of(history(greylist5xx), "retry.5xx-exception.greylisting", Duration.ofMinutes(5), null, null),
                Arguments.of(history(speeding5xx), "retry.5xx-exception.ratelimit", Duration.ofMinutes(5), null, null),
                Arguments.of(history(mbf5xx), "retry.5xx-exception.mailboxfull", Duration.ofMinutes(30), null, null),
                Arguments.of(history(hint), "retry.wait-hint", Duration.ofMinutes(3), null, null),
                Arguments.of(history(hard4xx), "retry.transient", Duration.ofMinutes(5), null, null),
                Arguments.of(history(nxdomain), "retry.final-outcome", null, Outcome.BOUNCED_HARD, Reason.HOSTUNKNOWN),
                Arguments.of(history(complaint), "retry.final-outcome", null, Outcome.COMPLAINT, Reason.FEEDBACK));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("table")
    void everyRule(RetryHistory h, String rule, Duration atOffset, Outcome outcome, Reason reason) {
        RetryDecision d = next(h);
        assertThat(d.ruleId()).isEqualTo(rule);
        if (atOffset != null) {
            assertThat(d).isInstanceOf(RetryAt.class);
            assertThat(((RetryAt) d).at()).isEqualTo(T0.plus(atOffset));
        } else {
            assertThat(d).isEqualTo(new GiveUp(outcome, reason, rule));
        }
    }

    // ---- caps --------------------------------------------------------------------------------------------

    @Test
    void givesUpEarlyWhenTheNextAttemptWouldFallPastMaxAge() {
        // 4 attempts, the last at +1h20m; with maxAge 7h the 6h gap would land at 7h20m, past the cap, so
        // the policy gives up now instead of waiting 6 h for an attempt it may not make.
        RetryHistory h = history(Fixtures.deferred(), Fixtures.deferred(), Fixtures.deferred(), Fixtures.deferred());
        RetryDecision d = policy.next(h, noJitter.withMaxAge(Duration.ofHours(7)), h.latest().at());
        assertThat(d).isEqualTo(new GiveUp(Outcome.BOUNCED_SOFT, Reason.EXPIRED, "retry.max-age-early"));
    }

    @Test
    void givesUpWhenNowIsPastMaxAge() {
        RetryHistory h = history(Fixtures.deferred());
        RetryDecision d = policy.next(h, noJitter, T0.plus(Duration.ofHours(24)));
        assertThat(d).isEqualTo(new GiveUp(Outcome.BOUNCED_SOFT, Reason.EXPIRED, "retry.max-age"));
    }

    @Test
    void overdueRetryIsDueNowNotInThePast() {
        RetryHistory h = history(Fixtures.deferred());
        Instant now = T0.plus(Duration.ofHours(2));
        assertThat(policy.next(h, noJitter, now)).isEqualTo(new RetryAt(now, "retry.transient"));
    }

    @Test
    void mailboxFullScheduleStaysWithinTheSameCaps() {
        RetryConfig c = RetryConfig.defaults();
        RetryHistory h = RetryHistory.queued("m", "full@example.com", T0);
        Instant now = T0;
        List<Instant> times = new ArrayList<>();
        RetryDecision d = policy.next(h, c, now);
        while (d instanceof RetryAt r) {
            times.add(r.at());
            h = h.with(new Attempt(r.at(), Fixtures.mailboxFull4xx()));
            d = policy.next(h, c, r.at());
        }
        // 0, +30m, +2h, +6h, +12h (each up to 10 % later): 5 attempts, the last before 24 h
        assertThat(times).hasSize(5);
        assertThat(Duration.between(times.get(0), times.get(1))).isBetween(Duration.ofMinutes(30), Duration.ofMinutes(33));
        assertThat(Duration.between(times.get(3), times.get(4))).isBetween(Duration.ofHours(12),
                Duration.ofMinutes(12 * 66));
        assertThat(d).isEqualTo(new GiveUp(Outcome.BOUNCED_SOFT, Reason.MAILBOXFULL, "retry.max-attempts"));
    }

    @Test
    void exhaustedTransientKeepsTheMoreSpecificReason() {
        Classification blocked4xx = cls(Outcome.DEFERRED, Reason.BLOCKED, 421, "4.7.0",
                "4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints");
        assertThat(RetryPolicy.exhausted(blocked4xx, "x")).isEqualTo(new GiveUp(Outcome.BLOCKED_POLICY, Reason.BLOCKED, "x"));
        assertThat(RetryPolicy.exhausted(Fixtures.deferred(), "x")).isEqualTo(new GiveUp(Outcome.BOUNCED_SOFT, Reason.EXPIRED, "x"));
        Classification hard4xx = cls(Outcome.DEFERRED, Reason.USERUNKNOWN, 450, "4.1.1", "4.1.1 User unknown");
        assertThat(RetryPolicy.exhausted(hard4xx, "x")).isEqualTo(new GiveUp(Outcome.BOUNCED_SOFT, Reason.USERUNKNOWN, "x"));
    }

    @Test
    void waitHintIsClampedToTheCaps() {
        Classification longHint = cls(Outcome.DEFERRED, Reason.UNDEFINED, 451, "", "try again in 48 hours");
        Classification shortHint = cls(Outcome.DEFERRED, Reason.UNDEFINED, 451, "", "retry in 5 seconds");
        RetryConfig c = noJitter;
        RetryHistory h1 = history(longHint);
        assertThat(policy.next(h1, c, T0)).isEqualTo(new RetryAt(T0.plus(Duration.ofHours(6)), "retry.wait-hint"));
        RetryHistory h2 = history(shortHint);
        assertThat(policy.next(h2, c, T0)).isEqualTo(new RetryAt(T0.plus(Duration.ofMinutes(1)), "retry.wait-hint"));
    }

    @Test
    void fiveHundredMailboxFullCanBeSwitchedOff() {
        Classification mbf5xx = cls(Outcome.BOUNCED_SOFT, Reason.MAILBOXFULL, 552, "5.2.2", "5.2.2 Mailbox full");
        RetryConfig strict = new RetryConfig(noJitter.schedule(), noJitter.mailboxFullSchedule(), 5,
                Duration.ofHours(24), 0, Duration.ofMinutes(1), Duration.ofHours(6), false);
        assertThat(policy.next(history(mbf5xx), strict, T0))
                .isEqualTo(new GiveUp(Outcome.BOUNCED_SOFT, Reason.MAILBOXFULL, "retry.no-repeat-5xx"));
    }

    @Test
    void jitterStretchesButNeverShortensAGap() {
        RetryConfig c = RetryConfig.defaults();
        RetryHistory h = history(Fixtures.deferred());
        RetryAt r = (RetryAt) policy.next(h, c, T0);
        assertThat(r.at()).isBetween(T0.plus(Duration.ofMinutes(5)), T0.plus(Duration.ofSeconds(330)));
        RetryHistory other = new RetryHistory("msg-2", "a@example.com", T0, h.attempts());
        RetryAt r2 = (RetryAt) policy.next(other, c, T0);
        assertThat(r2.at()).as("another message spreads out").isNotEqualTo(r.at());
    }

    @Test
    void jitterSpreadsManyMessagesOverTheWholeRange() {
        int[] deciles = new int[10];
        for (int i = 0; i < 2000; i++) {
            deciles[(int) (Jitter.fraction("msg-" + i, "user@example.com", 2) * 10)]++;
        }
        // uniform would be 200 per decile; a clumping hash (or a constant) fails this
        for (int n : deciles) assertThat(n).isBetween(140, 260);
    }

    @Test
    void planShowsNextAttemptAndGiveUpTime() {
        RetryHistory h = history(Fixtures.deferred());
        RetryPlan p = policy.plan(h, noJitter, T0);
        assertThat(p.attempts()).extracting(PlannedAttempt::at).containsExactly(
                T0.plus(Duration.ofMinutes(5)), T0.plus(Duration.ofMinutes(20)), T0.plus(Duration.ofMinutes(80)),
                T0.plus(Duration.ofMinutes(440)));
        assertThat(p.attempts()).extracting(PlannedAttempt::number).containsExactly(2, 3, 4, 5);
        assertThat(p.givesUpAt()).isEqualTo(T0.plus(Duration.ofMinutes(440)));
        assertThat(p.finalDecision()).isEqualTo(new GiveUp(Outcome.BOUNCED_SOFT, Reason.EXPIRED, "retry.max-attempts"));
        assertThat(p.ruleIds()).containsExactly("retry.transient", "retry.transient", "retry.transient",
                "retry.transient", "retry.max-attempts");
        assertThat(p.next()).isEqualTo(policy.next(h, noJitter, T0));
    }

    @Test
    void planForADeliveredMessageIsEmpty() {
        RetryPlan p = policy.plan(history(Fixtures.delivered()), noJitter, T0);
        assertThat(p.attempts()).isEmpty();
        assertThat(p.finalDecision().delivered()).isTrue();
        assertThat(p.givesUpAt()).isEqualTo(T0);
    }

    @Test
    void planHonoursAHintOnlyForTheNextAttempt() {
        Classification hint = cls(Outcome.DEFERRED, Reason.UNDEFINED, 450, "", "please try again after 10 min");
        RetryPlan p = policy.plan(history(hint), noJitter, T0);
        assertThat(p.attempts()).extracting(PlannedAttempt::ruleId).containsExactly("retry.wait-hint",
                "retry.transient", "retry.transient", "retry.transient");
        assertThat(p.attempts().get(0).at()).isEqualTo(T0.plus(Duration.ofMinutes(10)));
        assertThat(p.attempts().get(1).at()).isEqualTo(T0.plus(Duration.ofMinutes(25)));
    }

    // ---- validation ---------------------------------------------------------------------------------------

    @Test
    void configErrorsNameTheFieldAndTheValue() {
        assertThatThrownBy(() -> RetryConfig.defaults().withMaxAttempts(0))
                .hasMessageContaining("maxAttempts").hasMessageContaining("0");
        assertThatThrownBy(() -> RetryConfig.defaults().withMaxAge(Duration.ofHours(-1)))
                .hasMessageContaining("maxAge").hasMessageContaining("PT-1H");
        assertThatThrownBy(() -> RetryConfig.defaults().withJitterFraction(1.5))
                .hasMessageContaining("jitterFraction").hasMessageContaining("1.5");
        assertThatThrownBy(() -> new RetryConfig(List.of(Duration.ZERO, Duration.ofMinutes(-5)), List.of(Duration.ofHours(1)),
                5, Duration.ofHours(24), 0.1, Duration.ofMinutes(1), Duration.ofHours(6), true))
                .hasMessageContaining("schedule[1]").hasMessageContaining("PT-5M");
        assertThatThrownBy(() -> new RetryConfig(List.of(Duration.ZERO), List.of(Duration.ZERO),
                5, Duration.ofHours(24), 0.1, Duration.ofMinutes(1), Duration.ofHours(6), true))
                .hasMessageContaining("mailboxFullSchedule[0]");
    }

    @Test
    void historyOutOfOrderIsRejectedWithTheTimes() {
        assertThatThrownBy(() -> new RetryHistory("m", "r@example.com", T0,
                List.of(new Attempt(T0.plusSeconds(60), Fixtures.deferred()), new Attempt(T0, Fixtures.deferred()))))
                .hasMessageContaining("attempt 2 at " + T0).hasMessageContaining("oldest first");
    }
}
