package dev.rebound.core.policy;

import static dev.rebound.core.policy.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Evidence;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import dev.rebound.core.classify.SmtpPhase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class RetryPolicyPropertiesTest {

    private final RetryPolicy policy = RetryPolicy.standard();

    private static final List<String> TEXTS = List.of("", "Temporary failure", "please try again in 7 minutes",
            "Greylisted, try again later", "retry in 90000 seconds", "mailbox full", "rate limited");

    @Provide
    Arbitrary<Classification> anyClassification() {
        Arbitrary<Integer> codes = Arbitraries.of(0, 250, 421, 450, 451, 452, 550, 551, 552, 553, 554);
        return Combinators.combine(Arbitraries.of(Outcome.class), Arbitraries.of(Reason.class), codes,
                Arbitraries.of("", "4.2.2", "5.2.2", "5.1.1", "4.7.0", "5.7.1"), Arbitraries.of(TEXTS))
                .as((o, r, c, e, t) -> new Classification(o, r, "gen", new Evidence(c, e, t, SmtpPhase.RCPT, "example.com", "")));
    }

    /** A 5xx that is none of the named exceptions (no mailbox full, no rate-limit reason, no greylisting text). */
    @Provide
    Arbitrary<Classification> plain5xx() {
        return Combinators.combine(Arbitraries.of(Outcome.class),
                        Arbitraries.of(Reason.class).filter(r -> r != Reason.MAILBOXFULL && r != Reason.SPEEDING
                                && r != Reason.TOOMANYCONN),
                        Arbitraries.integers().between(500, 599), Arbitraries.of("", "5.1.1", "5.7.1", "5.0.0"),
                        Arbitraries.of("", "User unknown", "please try again in 7 minutes", "blocked"))
                .as((o, r, c, e, t) -> new Classification(o, r, "gen", new Evidence(c, e, t, SmtpPhase.RCPT, "example.com", "")));
    }

    @Provide
    Arbitrary<RetryHistory> histories() {
        Arbitrary<List<Classification>> cls = anyClassification().list().ofMinSize(0).ofMaxSize(7);
        Arbitrary<List<Long>> gaps = Arbitraries.longs().between(0, 8 * 3600).list().ofSize(7);
        return Combinators.combine(cls, gaps, Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(12))
                .as((cs, gs, id) -> {
                    List<Attempt> as = new ArrayList<>();
                    Instant t = T0;
                    for (int i = 0; i < cs.size(); i++) {
                        t = t.plusSeconds(gs.get(i));
                        as.add(new Attempt(t, cs.get(i)));
                    }
                    return new RetryHistory(id, id + "@example.com", T0, as);
                });
    }

    @Provide
    Arbitrary<RetryConfig> configs() {
        return Combinators.combine(Arbitraries.integers().between(1, 8), Arbitraries.longs().between(1, 72),
                        Arbitraries.doubles().between(0, 1))
                .as((n, hours, f) -> RetryConfig.defaults().withMaxAttempts(n).withMaxAge(Duration.ofHours(hours))
                        .withJitterFraction(f));
    }

    private static Instant nowAfter(RetryHistory h, long lateSeconds) {
        return (h.attempts().isEmpty() ? h.queuedAt() : h.latest().at()).plusSeconds(lateSeconds);
    }

    @Property
    void a5xxThatIsNoExceptionIsNeverFollowedByRetryAt(@ForAll("histories") RetryHistory h,
                                                       @ForAll("plain5xx") Classification c,
                                                       @ForAll("configs") RetryConfig config,
                                                       @ForAll @LongRange(min = 0, max = 100_000) long late) {
        Instant at = nowAfter(h, 1);
        RetryHistory withFive = h.with(new Attempt(at, c));
        RetryDecision d = policy.next(withFive, config, at.plusSeconds(late));
        assertThat(d).isInstanceOf(GiveUp.class);
        if (!Reason.MAILBOXFULL.equals(c.reason()) && !c.evidence().enhancedCode().equals("5.2.2")) {
            assertThat(d.ruleId()).isIn("retry.no-repeat-5xx", "retry.done", "retry.final-outcome");
        }
        assertThat(policy.plan(withFive, config, at).attempts()).isEmpty();
    }

    @Property
    void retryAtIsAlwaysAtOrAfterNowAndBeforeTheAgeCap(@ForAll("histories") RetryHistory h,
                                                       @ForAll("configs") RetryConfig config,
                                                       @ForAll @LongRange(min = 0, max = 200_000) long late) {
        Instant now = nowAfter(h, late);
        if (policy.next(h, config, now) instanceof RetryAt r) {
            assertThat(r.at()).isAfterOrEqualTo(now).isBefore(h.queuedAt().plus(config.maxAge()));
            if (!h.attempts().isEmpty()) assertThat(r.at()).isAfter(h.latest().at());
        }
    }

    @Property
    void noPlanExceedsMaxAttemptsOrMaxAge(@ForAll("histories") RetryHistory h, @ForAll("configs") RetryConfig config,
                                          @ForAll @LongRange(min = 0, max = 200_000) long late) {
        Instant now = nowAfter(h, late);
        RetryPlan p = policy.plan(h, config, now);
        int total = h.attempts().size() + p.attempts().size();
        assertThat(p.attempts().size()).isLessThanOrEqualTo(Math.max(0, config.maxAttempts() - h.attempts().size()));
        if (!p.attempts().isEmpty()) assertThat(total).isLessThanOrEqualTo(config.maxAttempts());
        Instant prev = now;
        for (PlannedAttempt a : p.attempts()) {
            assertThat(a.at()).isBefore(h.queuedAt().plus(config.maxAge())).isAfterOrEqualTo(prev);
            prev = a.at();
        }
        assertThat(p.next()).isEqualTo(policy.next(h, config, now));
        if (p.next() instanceof RetryAt r) assertThat(p.attempts().get(0).at()).isEqualTo(r.at());
    }

    @Property
    void followingThePlanNeverMakesMoreThanMaxAttemptsOrRunsPastMaxAge(@ForAll("anyClassification") Classification c,
                                                                        @ForAll("configs") RetryConfig config) {
        RetryHistory h = RetryHistory.queued("m", "r@example.com", T0);
        Instant now = T0;
        RetryDecision d = policy.next(h, config, now);
        while (d instanceof RetryAt r) {
            h = h.with(new Attempt(r.at(), c));
            now = r.at();
            d = policy.next(h, config, now);
        }
        assertThat(h.attempts().size()).isLessThanOrEqualTo(config.maxAttempts());
        assertThat(now).isBefore(T0.plus(config.maxAge()));
    }

    @Property
    void jitterIsDeterministicAndBounded(@ForAll("histories") RetryHistory h, @ForAll("configs") RetryConfig config,
                                         @ForAll @IntRange(min = 1, max = 10) int n) {
        double u = Jitter.fraction(h.messageId(), h.recipient(), n);
        assertThat(u).isEqualTo(Jitter.fraction(h.messageId(), h.recipient(), n)).isBetween(0.0, 1.0).isLessThan(1.0);
        Instant now = nowAfter(h, 0);
        // same inputs (rebuilt from scratch) → the same decision and plan
        RetryHistory copy = new RetryHistory(new String(h.messageId()), new String(h.recipient()), h.queuedAt(),
                List.copyOf(h.attempts()));
        assertThat(policy.next(copy, config, now)).isEqualTo(policy.next(h, config, now));
        assertThat(policy.plan(copy, config, now)).isEqualTo(policy.plan(h, config, now));
    }
}
