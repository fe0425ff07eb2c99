package dev.rebound.server.queue;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import dev.rebound.server.config.ReboundConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The queue's single seam to the retry and suppression policy: what happens to a recipient after an attempt.
 *
 * <p>INTERIM until {@code dev.rebound.core.policy} lands in main: a plain schedule from {@code retry.*}
 * (delay before attempt n+1 = {@code schedule[n]}; give up after {@code max-attempts} or {@code max-age}),
 * final replies are final, and a hard bounce suppresses the address for the stream. Each method body is meant
 * to become one call into the core policy; nothing else in the server decides retries.
 */
public final class RetryScheduling {

    /** What to do next with a recipient. */
    public sealed interface Step {
        String ruleId();

        record RetryAt(Instant at, String ruleId) implements Step {}

        record Final(Outcome outcome, Reason reason, String ruleId) implements Step {}
    }

    private final ReboundConfig.Retry config;

    public RetryScheduling(ReboundConfig.Retry config) {
        this.config = config;
    }

    /**
     * @param attemptsDone attempts made so far, including the one just classified
     * @param queuedAt     when the message was accepted
     */
    public Step next(Classification c, int attemptsDone, Instant queuedAt, Instant now) {
        if (c.outcome() != Outcome.DEFERRED) return new Step.Final(c.outcome(), c.reason(), "retry.final-reply");
        if (attemptsDone >= config.maxAttempts()) return new Step.Final(Outcome.BOUNCED_SOFT, Reason.EXPIRED, "retry.max-attempts");
        Instant at = now.plus(delayAfter(attemptsDone));
        if (Duration.between(queuedAt, at).compareTo(config.maxAge()) > 0)
            return new Step.Final(Outcome.BOUNCED_SOFT, Reason.EXPIRED, "retry.max-age");
        return new Step.RetryAt(at, "retry.schedule." + attemptsDone);
    }

    /** The attempts still planned if every one is deferred, starting with {@code nextAt}. */
    public List<Instant> plan(int attemptsDone, Instant queuedAt, Instant nextAt) {
        List<Instant> out = new ArrayList<>();
        Instant at = nextAt;
        for (int n = attemptsDone; n < config.maxAttempts(); n++) {
            if (Duration.between(queuedAt, at).compareTo(config.maxAge()) > 0) break;
            out.add(at);
            at = at.plus(delayAfter(n + 1));
        }
        return out;
    }

    /** A hard bounce suppresses the address for the message's stream; a soft one never does. */
    public Optional<String> suppressionRule(Classification c) {
        return c.outcome() == Outcome.BOUNCED_HARD && c.reason().isRecipientGone()
                ? Optional.of("suppress.hard-bounce") : Optional.empty();
    }

    private Duration delayAfter(int attemptsDone) {
        List<Duration> s = config.schedule();
        return s.get(Math.min(attemptsDone, s.size() - 1));
    }
}
