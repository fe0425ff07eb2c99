package dev.rebound.server.store;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.policy.GiveUp;
import dev.rebound.core.policy.RetryAt;
import dev.rebound.core.policy.RetryDecision;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.core.tls.TlsDecision;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One delivery attempt for one recipient with its evidence and the decision taken, written in one transaction
 * with the recipient's new state, an outbox event and (for a final failure, decided inside that transaction by a
 * {@link SuppressionDecider}) a suppression.
 *
 * @param stream         the message's stream (the suppression list the address is checked against)
 * @param address        the recipient address as submitted
 * @param local          true when the reply was synthesised locally (DNS failure, no MX reachable)
 * @param classification the classifier's verdict on {@code reply}
 * @param decision       the retry policy's decision after this attempt
 * @param decidedAt      when the decision was made (the suppression decision's {@code now})
 * @param tls            the outbound TLS decision for the connection (rule, verdict, mode, MTA-STS policy id, what TLS
 *                       did); empty when no MX host was considered
 * @param lease          the lease the attempt was made under (the claim's): the store writes it only while the
 *                       recipient still carries this lease (fencing)
 */
public record AttemptRecord(String recipientId, String messageId, String stream, String address, int attemptNo,
                            Instant startedAt, Duration duration, String domain, String mxHost, String mxIp, SmtpPhase phase,
                            SmtpReply reply, boolean local, Classification classification, RetryDecision decision,
                            Instant decidedAt, Optional<TlsDecision> tls, Claim.Lease lease) {
    public AttemptRecord {
        tls = tls == null ? Optional.empty() : tls;
    }

    /** The recipient's state after this attempt. */
    public RecipientState newState() {
        return switch (decision) {
            case RetryAt r -> RecipientState.DEFERRED;
            case GiveUp g -> RecipientState.of(g.outcome());
        };
    }

    /** The reason recorded on the recipient: the classifier's while waiting, the retry policy's once it gave up. */
    public String decisionReason() {
        return switch (decision) {
            case RetryAt r -> classification.reason().id();
            case GiveUp g -> g.reason().id();
        };
    }

    /** When to try again (only while DEFERRED). */
    public Optional<Instant> nextAttemptAt() {
        return decision instanceof RetryAt r ? Optional.of(r.at()) : Optional.empty();
    }

    /** True for a final failure: the one case a suppression is decided for. */
    public boolean finalFailure() {
        return decision instanceof GiveUp g && !g.delivered();
    }

    /** This attempt as a final outcome of its address (the suppression policy's latest evidence). */
    public FinalOutcome asFinal() {
        return new FinalOutcome(startedAt, messageId, newState(), decisionReason(), decision.ruleId(), reply.code(),
                enhancedCode(), reply.text(), phase.name(), domain);
    }

    public String enhancedCode() {
        return reply.enhanced().map(Object::toString).orElse("");
    }
}
