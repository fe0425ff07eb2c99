package dev.rebound.server.decide;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.ReplyClassifier;
import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.core.policy.Attempt;
import dev.rebound.core.policy.RetryConfig;
import dev.rebound.core.policy.RetryDecision;
import dev.rebound.core.policy.RetryHistory;
import dev.rebound.core.policy.RetryPlan;
import dev.rebound.core.policy.RetryPolicy;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.delivery.RecipientResult;
import dev.rebound.server.store.AttemptRecord;
import dev.rebound.server.store.Claim;
import java.time.Instant;
import java.util.List;

/**
 * The decision after one delivery attempt of one recipient: the core {@link ReplyClassifier} on its reply, then the
 * core {@link RetryPolicy} on the recipient's history plus this attempt (retry at an instant, or give up with a final
 * outcome). The result is the typed {@link AttemptRecord} the store writes; the suppression decision for a final
 * failure is made by {@link Suppressions} inside that write's transaction, and the domain throttle is fed the
 * record's classification. Pure: the clock's reading is passed in.
 */
public final class AttemptDecider {
    private final ReplyClassifier classifier;
    private final RetryConfig retryConfig;

    public AttemptDecider(ReplyClassifier classifier, ReboundConfig.Retry config) {
        this.classifier = classifier;
        RetryConfig d = RetryConfig.defaults();
        this.retryConfig = new RetryConfig(config.schedule(), d.mailboxFullSchedule(), config.maxAttempts(), config.maxAge(),
                d.jitterFraction(), d.minRetryDelay(), d.maxHonouredHint(), d.retryPermanentMailboxFull());
    }

    /**
     * @param stream  the message's stream
     * @param earlier the recipient's earlier attempts, oldest first
     * @param now     when the decision is made
     */
    public AttemptRecord decide(Claim claim, String stream, RecipientResult r, List<Attempt> earlier, Instant now) {
        Classification c = classifier.classify(r.reply(), r.phase(), claim.domain());
        // An attempt is never dated before its message was accepted, nor before the recipient's previous attempt.
        Instant at = r.startedAt().isBefore(claim.messageCreatedAt()) ? claim.messageCreatedAt() : r.startedAt();
        if (!earlier.isEmpty() && at.isBefore(earlier.getLast().at())) at = earlier.getLast().at();
        RetryHistory h = history(claim.messageId(), claim.address(), claim.messageCreatedAt(), earlier).with(new Attempt(at, c));
        RetryDecision decision = RetryPolicy.standard().next(h, retryConfig, now);
        return new AttemptRecord(claim.recipientId(), claim.messageId(), stream, claim.address(), claim.attemptCount() + 1, at,
                r.duration(), claim.domain(), r.mxHost(), r.mxAddress(), r.phase(), r.reply(), r.local(), c, decision, now, r.tls(), claim.lease());
    }

    /** A stored attempt's reply classified again by this build's classifier (replay). */
    public Classification classify(SmtpReply reply, SmtpPhase phase, String domain) {
        return classifier.classify(reply, phase, domain);
    }

    /**
     * The retry policy's decision after an attempt classified {@code c} (replay): over the recipient's history as
     * replayed up to it, with the clock at {@code now}.
     *
     * @param recipient the recipient address as submitted (the retry jitter is derived from it)
     * @param earlier   the recipient's earlier attempts, oldest first
     * @param at        when the attempt started
     */
    public RetryDecision retry(String messageId, String recipient, Instant queuedAt, List<Attempt> earlier, Classification c,
                               Instant at, Instant now) {
        return RetryPolicy.standard().next(history(messageId, recipient, queuedAt, earlier).with(new Attempt(at, c)), retryConfig, now);
    }

    /** The remaining schedule of a recipient that is still waiting. */
    public RetryPlan plan(String messageId, String recipient, Instant queuedAt, List<Attempt> attempts, Instant now) {
        return RetryPolicy.standard().plan(history(messageId, recipient, queuedAt, attempts), retryConfig, now);
    }

    private static RetryHistory history(String messageId, String recipient, Instant queuedAt, List<Attempt> attempts) {
        RetryHistory h = RetryHistory.queued(messageId, recipient, queuedAt);
        for (Attempt a : attempts) h = h.with(a);
        return h;
    }
}
