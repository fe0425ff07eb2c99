package dev.rebound.server.queue;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Evidence;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.policy.Attempt;
import dev.rebound.core.policy.DomainHealth;
import dev.rebound.core.policy.RecipientEvidence;
import dev.rebound.core.policy.RetryConfig;
import dev.rebound.core.policy.RetryDecision;
import dev.rebound.core.policy.RetryHistory;
import dev.rebound.core.policy.RetryPlan;
import dev.rebound.core.policy.RetryPolicy;
import dev.rebound.core.policy.SuppressionConfig;
import dev.rebound.core.policy.SuppressionDecision;
import dev.rebound.core.policy.SuppressionPolicy;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.store.DomainOutcomes;
import dev.rebound.server.store.FinalOutcome;
import dev.rebound.server.store.MessageView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The queue's single seam to the core policies: turns stored attempts into the core's {@link RetryHistory} /
 * {@link RecipientEvidence} and asks {@link RetryPolicy} and {@link SuppressionPolicy}. No decision is made here.
 */
public final class RetryScheduling {
    private final RetryConfig retryConfig;
    private final SuppressionConfig suppressionConfig;

    public RetryScheduling(ReboundConfig.Retry config) {
        RetryConfig d = RetryConfig.defaults();
        this.retryConfig = new RetryConfig(config.schedule(), d.mailboxFullSchedule(), config.maxAttempts(), config.maxAge(),
                d.jitterFraction(), d.minRetryDelay(), d.maxHonouredHint(), d.retryPermanentMailboxFull());
        this.suppressionConfig = SuppressionConfig.defaults();
    }

    /** The decision after {@code latest}, given the recipient's earlier attempts. */
    public RetryDecision next(String messageId, String recipient, Instant queuedAt, List<MessageView.AttemptView> earlier,
                              Instant latestAt, Classification latest, Instant now) {
        RetryHistory h = history(messageId, recipient, queuedAt, earlier).with(new Attempt(latestAt, latest));
        return RetryPolicy.standard().next(h, retryConfig, now);
    }

    /** The remaining schedule of a recipient that is still waiting. */
    public RetryPlan plan(String messageId, String recipient, Instant queuedAt, List<MessageView.AttemptView> attempts, Instant now) {
        return RetryPolicy.standard().plan(history(messageId, recipient, queuedAt, attempts), retryConfig, now);
    }

    /** The window the domain circuit breaker counts final outcomes in. */
    public static final Duration BREAKER_WINDOW = Duration.ofHours(1);

    /** The circuit breaker's input from the store's per-domain counts over {@link #BREAKER_WINDOW}. */
    public static DomainHealth health(DomainOutcomes counts) {
        return new DomainHealth(counts.domain(), BREAKER_WINDOW, counts.finals(), Math.min(counts.finals(), counts.failures()));
    }

    /** Whether to suppress the recipient in its stream, without domain counts (the breaker stays closed). */
    public SuppressionDecision suppression(List<FinalOutcome> finals, String domain, Instant now) {
        return suppression(finals, DomainHealth.unknown(domain), now);
    }

    /**
     * Whether to suppress (or review) the recipient in its stream, from every final outcome it had there and the
     * health of its domain.
     */
    public SuppressionDecision suppression(List<FinalOutcome> finals, DomainHealth health, Instant now) {
        List<RecipientEvidence> evidence = new ArrayList<>(finals.size());
        for (FinalOutcome f : finals) {
            Outcome outcome = Outcome.valueOf(f.state() == dev.rebound.server.store.RecipientState.SUPPRESSED ? "BOUNCED_HARD" : f.state().name());
            Classification c = new Classification(outcome, Reason.fromId(f.reason()).orElse(Reason.UNDEFINED), f.ruleId(),
                    new Evidence(f.smtpCode(), f.enhancedCode(), f.text(), phase(f.phase()), f.domain(), ""));
            evidence.add(new RecipientEvidence(f.at(), f.messageId(), c, true));
        }
        return SuppressionPolicy.decide(evidence, health, suppressionConfig, now);
    }

    private static RetryHistory history(String messageId, String recipient, Instant queuedAt, List<MessageView.AttemptView> attempts) {
        RetryHistory h = RetryHistory.queued(messageId, recipient, queuedAt);
        for (MessageView.AttemptView a : attempts) h = h.with(new Attempt(a.startedAt(), classification(a)));
        return h;
    }

    /** The classification an attempt was recorded with (the classifier's, not the retry decision). */
    static Classification classification(MessageView.AttemptView a) {
        return new Classification(Outcome.valueOf(a.outcome()), Reason.fromId(a.reason()).orElse(Reason.UNDEFINED), a.ruleId(),
                new Evidence(a.smtpCode(), a.enhancedCode(), String.join("\n", a.replyLines()), phase(a.phase()), "", ""));
    }

    private static SmtpPhase phase(String p) {
        try {
            return SmtpPhase.valueOf(p);
        } catch (IllegalArgumentException | NullPointerException e) {
            return SmtpPhase.NONE;
        }
    }
}
