package dev.rebound.core.policy;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Evidence;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.smtp.EnhancedStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * When to try a message to one recipient again, and when to stop. Pure and stateless: a function of the
 * {@link RetryHistory}, the {@link RetryConfig} and the {@code now} passed in.
 *
 * <p>Design. RFC 5321 §4.2.1 makes 4yz replies transient ("the action may be requested again") and 5yz
 * permanent ("the client SHOULD NOT repeat the exact request"); §4.5.4.1 asks for retry intervals of at least
 * 30 minutes in general, which our schedule deliberately undercuts for the first retries of transactional mail
 * (OTPs go stale) and compensates with an attempt cap. RFC 3463 §3.3 calls X.2.2 (mailbox full) a "persistent
 * transient" failure, which gets its own slower schedule. The time cap gives up as soon as the next attempt
 * would fall past {@code queuedAt + maxAge}, as KumoMTA does (its queue expires a message whose next delivery time
 * would exceed max_age: https://docs.kumomta.com/reference/kumo/make_queue_config/max_age), and the attempt cap
 * stops after {@code maxAttempts}, whichever comes first (KumoMTA declined an attempt cap, kumomta#14:
 * https://github.com/KumoCorp/kumomta/issues/14). Explicit wait hints in the reply text are honoured within
 * [minRetryDelay, maxHonouredHint], as Postal does for "N seconds/minutes" in a reply (Postal's message dequeuer,
 * https://github.com/postalserver/postal). Jitter only stretches a
 * gap (by a deterministic fraction seeded by message id, recipient and attempt number), so it never undercuts a
 * greylisting delay.
 *
 * <p>Rules, in the order they are checked against the latest attempt's classification:
 * <ul>
 *   <li>{@code retry.first-attempt}: no attempt yet → attempt 1 at queuedAt + schedule[0].</li>
 *   <li>{@code retry.done}: the latest attempt was delivered → {@code GiveUp(DELIVERED, delivered)}.</li>
 *   <li>{@code retry.final-outcome}: a complaint, or an attempt without a 4xx/5xx reply (DNS, DSN, provider event)
 *       that the classifier called final → give up with the classification's outcome and reason.</li>
 *   <li>5xx replies are never repeated ({@code retry.no-repeat-5xx}, outcome = the classification's final outcome)
 *       except for three named exceptions, which are retried:
 *       {@code retry.5xx-exception.mailboxfull} (reason mailboxfull or enhanced X.2.2, mailbox-full schedule, can be
 *       switched off), {@code retry.5xx-exception.ratelimit} (reason speeding or toomanyconn: the message is fine,
 *       we were too fast) and {@code retry.5xx-exception.greylisting} (text says greylisted / try again later).</li>
 *   <li>{@code retry.transient}: a 4xx reply, or a DEFERRED classification without a reply (connection failure,
 *       temporary DNS error) → next gap of the normal schedule; {@code retry.mailboxfull} when mailbox full.
 *       A 4xx is retried even if the classifier called it final (e.g. Sisimai's hard 450 4.1.1): the receiver
 *       said "transient".</li>
 *   <li>{@code retry.wait-hint}: the reply text names a wait ("try again in 5 minutes") → that wait replaces the
 *       schedule gap (clamped). For a 5xx exception the exception's id is kept as the rule id.</li>
 *   <li>{@code retry.max-attempts}: maxAttempts made → give up. {@code retry.max-age}: now is at or past
 *       queuedAt + maxAge → give up. {@code retry.max-age-early}: the next attempt (after jitter) would be at or past
 *       queuedAt + maxAge → give up now rather than wait for nothing.</li>
 * </ul>
 *
 * <p>Final outcome when a transient failure runs out of attempts or time: {@code BOUNCED_SOFT} with reason
 * {@code expired}, unless the latest reason is more specific (anything but undefined/onhold/expired or a
 * non-failure reason). Then the reason is kept with its family outcome (e.g. BLOCKED_POLICY/blocked,
 * BOUNCED_SOFT/mailboxfull), except that a recipient-gone reason (userunknown, hostunknown, hasmoved, notaccept)
 * stays BOUNCED_SOFT: the receiver only ever said "transient", so it must not count as a hard bounce for
 * suppression.
 */
public final class RetryPolicy {

    public static final String FIRST_ATTEMPT = "retry.first-attempt";
    public static final String DONE = "retry.done";
    public static final String FINAL_OUTCOME = "retry.final-outcome";
    public static final String NO_REPEAT_5XX = "retry.no-repeat-5xx";
    public static final String EXCEPTION_5XX_MAILBOXFULL = "retry.5xx-exception.mailboxfull";
    public static final String EXCEPTION_5XX_RATELIMIT = "retry.5xx-exception.ratelimit";
    public static final String EXCEPTION_5XX_GREYLISTING = "retry.5xx-exception.greylisting";
    public static final String TRANSIENT = "retry.transient";
    public static final String MAILBOXFULL = "retry.mailboxfull";
    public static final String WAIT_HINT = "retry.wait-hint";
    public static final String MAX_ATTEMPTS = "retry.max-attempts";
    public static final String MAX_AGE = "retry.max-age";
    public static final String MAX_AGE_EARLY = "retry.max-age-early";

    /** Greylisting wording that makes a 5xx retryable (named exception, see class comment). */
    private static final Pattern GREYLISTING = Pattern.compile(
            "gr[ea]y-?list|try (?:again )?later|retry later|temporarily deferred", Pattern.CASE_INSENSITIVE);

    private static final RetryPolicy STANDARD = new RetryPolicy();

    public static RetryPolicy standard() {
        return STANDARD;
    }

    /** The next decision for the message and recipient of {@code history}, given the clock reads {@code now}. */
    public RetryDecision next(RetryHistory history, RetryConfig config, Instant now) {
        return step(history, config, now, true).decision;
    }

    /**
     * The remaining schedule, assuming every remaining attempt fails like the latest one (before the first
     * attempt: like a plain 4xx). Wait hints only apply to the very next attempt.
     */
    public RetryPlan plan(RetryHistory history, RetryConfig config, Instant now) {
        Step first = step(history, config, now, true);
        List<PlannedAttempt> planned = new ArrayList<>();
        Classification assumed = history.attempts().isEmpty() ? PLAIN_TRANSIENT : history.latest().classification();
        RetryHistory sim = history;
        Step s = first;
        while (s.decision instanceof RetryAt r) {
            planned.add(new PlannedAttempt(sim.attempts().size() + 1, r.at(), r.ruleId(), s.why));
            sim = sim.with(new Attempt(r.at(), assumed));
            s = step(sim, config, r.at(), false);
        }
        GiveUp end = (GiveUp) s.decision;
        Instant givesUpAt = planned.isEmpty() ? now : planned.get(planned.size() - 1).at();
        return new RetryPlan(first.decision, planned, givesUpAt, end);
    }

    // ---------------------------------------------------------------------------------------------------------

    private static final Classification PLAIN_TRANSIENT = new Classification(Outcome.DEFERRED, Reason.UNDEFINED,
            "plan.assumed-transient", new Evidence(451, "", "", SmtpPhase.NONE, "", ""));

    private record Step(RetryDecision decision, String why) {}

    private enum Lane { NORMAL, MAILBOX_FULL }

    /** Either a final decision, or a lane plus the rule that put the attempt there. */
    private record Verdict(GiveUp giveUp, Lane lane, String ruleId) {}

    private Step step(RetryHistory h, RetryConfig c, Instant now, boolean useHint) {
        Instant deadline = h.queuedAt().plus(c.maxAge());
        if (h.attempts().isEmpty()) {
            if (!now.isBefore(deadline)) {
                return new Step(new GiveUp(Outcome.BOUNCED_SOFT, Reason.EXPIRED, MAX_AGE), "queued too long ago");
            }
            Duration gap = c.gapBefore(1);
            Instant at = max(h.queuedAt().plus(gap).plus(jitter(h, c, gap, 1)), now);
            if (!at.isBefore(deadline)) {
                return new Step(new GiveUp(Outcome.BOUNCED_SOFT, Reason.EXPIRED, MAX_AGE_EARLY),
                        "attempt 1 at " + at + " would be past " + deadline);
            }
            return new Step(new RetryAt(at, FIRST_ATTEMPT), "attempt 1: schedule[0] " + gap + " after queuing");
        }
        Attempt latest = h.latest();
        Classification cl = latest.classification();
        Verdict v = verdict(cl, c);
        if (v.giveUp != null) return new Step(v.giveUp, "final: " + cl.outcome() + "/" + cl.reason());

        int made = h.attempts().size();
        if (made >= c.maxAttempts()) {
            return new Step(exhausted(cl, MAX_ATTEMPTS), made + " of " + c.maxAttempts() + " attempts made");
        }
        if (!now.isBefore(deadline)) {
            return new Step(exhausted(cl, MAX_AGE), "now " + now + " is past the age cap " + deadline);
        }
        int number = made + 1;
        Duration gap;
        String why;
        if (v.lane == Lane.MAILBOX_FULL) {
            gap = c.mailboxFullGapAfter(made);
            why = "mailbox-full gap " + gap + " after attempt " + made;
        } else {
            gap = c.gapBefore(number);
            why = "gap " + gap + " after attempt " + made;
        }
        String rule = v.ruleId;
        if (useHint) {
            Optional<WaitHint> hint = WaitHint.find(cl.evidence().text());
            if (hint.isPresent()) {
                Duration w = clamp(hint.get().delay(), c.minRetryDelay(), c.maxHonouredHint());
                gap = w;
                why = "wait hint \"" + hint.get().matched() + "\" → " + w + " after attempt " + made;
                if (!rule.startsWith("retry.5xx-exception")) rule = WAIT_HINT;
            }
        }
        if (gap.compareTo(c.minRetryDelay()) < 0) gap = c.minRetryDelay();
        Duration extra = jitter(h, c, gap, number);
        Instant at = max(latest.at().plus(gap).plus(extra), now);
        if (!at.isBefore(deadline)) {
            return new Step(exhausted(cl, MAX_AGE_EARLY),
                    "attempt " + number + " at " + at + " would be at or past the age cap " + deadline);
        }
        return new Step(new RetryAt(at, rule), why + " + jitter " + extra);
    }

    private static Verdict verdict(Classification cl, RetryConfig c) {
        Outcome o = cl.outcome();
        if (o == Outcome.DELIVERED) return new Verdict(new GiveUp(Outcome.DELIVERED, Reason.DELIVERED, DONE), null, DONE);
        if (o == Outcome.COMPLAINT) return new Verdict(new GiveUp(Outcome.COMPLAINT, cl.reason(), FINAL_OUTCOME), null, null);
        int code = cl.evidence().replyCode();
        boolean mailboxFull = isMailboxFull(cl);
        if (code >= 500 && code <= 599) {
            if (mailboxFull && c.retryPermanentMailboxFull()) {
                return new Verdict(null, Lane.MAILBOX_FULL, EXCEPTION_5XX_MAILBOXFULL);
            }
            if (cl.reason() == Reason.SPEEDING || cl.reason() == Reason.TOOMANYCONN) {
                return new Verdict(null, Lane.NORMAL, EXCEPTION_5XX_RATELIMIT);
            }
            if (GREYLISTING.matcher(cl.evidence().text()).find()) {
                return new Verdict(null, Lane.NORMAL, EXCEPTION_5XX_GREYLISTING);
            }
            return new Verdict(new GiveUp(finalOutcomeOf5xx(cl), cl.reason(), NO_REPEAT_5XX), null, null);
        }
        boolean transientReply = code >= 400 && code <= 499;
        if (transientReply || o == Outcome.DEFERRED) {
            return mailboxFull ? new Verdict(null, Lane.MAILBOX_FULL, MAILBOXFULL) : new Verdict(null, Lane.NORMAL, TRANSIENT);
        }
        return new Verdict(new GiveUp(o, cl.reason(), FINAL_OUTCOME), null, null);
    }

    /** Reason mailboxfull, or an enhanced code X.2.2 (RFC 3463 §3.3). */
    static boolean isMailboxFull(Classification cl) {
        if (cl.reason() == Reason.MAILBOXFULL) return true;
        return EnhancedStatus.tryParse(cl.evidence().enhancedCode())
                .map(e -> e.subject() == 2 && e.detail() == 2).orElse(false);
    }

    private static Outcome finalOutcomeOf5xx(Classification cl) {
        Outcome o = cl.outcome();
        if (o != Outcome.DEFERRED && o != Outcome.DELIVERED) return o;
        Outcome fam = cl.reason().family();
        return switch (fam) {
            case BOUNCED_HARD, BOUNCED_SOFT, BLOCKED_POLICY -> fam;
            default -> Outcome.BOUNCED_SOFT;
        };
    }

    /** The final outcome of a transient failure that ran out of attempts or time (see class comment). */
    static GiveUp exhausted(Classification cl, String ruleId) {
        Reason r = cl.reason();
        return switch (r) {
            case UNDEFINED, ONHOLD, EXPIRED, DELIVERED, VACATION, FEEDBACK ->
                    new GiveUp(Outcome.BOUNCED_SOFT, Reason.EXPIRED, ruleId);
            default -> new GiveUp(r.family() == Outcome.BLOCKED_POLICY ? Outcome.BLOCKED_POLICY : Outcome.BOUNCED_SOFT,
                    r, ruleId);
        };
    }

    private static Duration jitter(RetryHistory h, RetryConfig c, Duration gap, int attemptNumber) {
        if (gap.isZero() || c.jitterFraction() == 0.0) return Duration.ZERO;
        double u = Jitter.fraction(h.messageId(), h.recipient(), attemptNumber);
        long ms = (long) Math.floor(gap.toMillis() * c.jitterFraction() * u);
        return Duration.ofMillis(ms);
    }

    private static Duration clamp(Duration d, Duration lo, Duration hi) {
        if (d.compareTo(lo) < 0) return lo;
        if (d.compareTo(hi) > 0) return hi;
        return d;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isBefore(b) ? b : a;
    }
}
