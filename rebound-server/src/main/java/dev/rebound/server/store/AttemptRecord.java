package dev.rebound.server.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One delivery attempt for one recipient with its evidence and the decision taken, written in one transaction
 * with the recipient's new state, an outbox event and (for a hard bounce) a suppression.
 *
 * @param local        true when the reply was synthesised locally (DNS failure, no MX reachable)
 * @param reason       the classifier's reason for this reply
 * @param newState     the recipient's state after this attempt
 * @param decisionReason the reason recorded on the recipient (the retry policy's, e.g. expired when it gave up)
 * @param nextAttemptAt when to try again (only for DEFERRED), else empty
 * @param decisionRule the id of the retry/suppression rule that set {@code newState}
 * @param suppression  a suppression to add for the message's stream, if the policy decided so
 */
public record AttemptRecord(String recipientId, String messageId, int attemptNo, Instant startedAt, long durationMs,
                            String domain, String mxHost, String mxIp, String phase, int smtpCode, String enhancedCode,
                            List<String> replyLines, boolean local, String outcome, String reason, String ruleId,
                            RecipientState newState, String decisionReason, Optional<Instant> nextAttemptAt, String decisionRule,
                            String rawReason, Optional<Suppression> suppression) {
    public AttemptRecord {
        replyLines = List.copyOf(replyLines);
        nextAttemptAt = nextAttemptAt == null ? Optional.empty() : nextAttemptAt;
        suppression = suppression == null ? Optional.empty() : suppression;
    }
}
