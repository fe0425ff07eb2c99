package dev.rebound.server.store;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Evidence;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.policy.Attempt;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** A message as the API shows it: every recipient with its state and every attempt with its evidence. */
public record MessageView(String id, String stream, String mailFrom, String headerMessageId, long sizeBytes,
                          String source, Instant createdAt, List<RecipientView> recipients) {

    public record RecipientView(String id, String address, String domain, RecipientState state,
                                Optional<Instant> nextAttemptAt, int attemptCount, String lastOutcome,
                                String lastReason, String lastRule, List<AttemptView> attempts, Optional<Instant> releasedAt) {
        // releasedAt: when mail held for a suppressed address was released by the entry's removal (V21)
        public RecipientView {
            releasedAt = releasedAt == null ? Optional.empty() : releasedAt;
        }
    }

    public record AttemptView(String id, int attemptNo, Instant startedAt, long durationMs, String mxHost, String mxIp,
                              String phase, int smtpCode, String enhancedCode, List<String> replyLines, boolean local,
                              String outcome, String reason, String ruleId, String decision, String decisionReason, String decisionRule,
                              Optional<Instant> nextAttemptAt, String rawReason, Optional<dev.rebound.core.tls.TlsDecision> tls) {

        /** The attempt as the retry policy's history sees it: when, and the classification it was recorded with. */
        public Attempt attempt() {
            SmtpPhase p = Arrays.stream(SmtpPhase.values()).filter(v -> v.name().equals(phase)).findFirst().orElse(SmtpPhase.NONE);
            return new Attempt(startedAt, new Classification(Outcome.valueOf(outcome), Reason.fromId(reason).orElse(Reason.UNDEFINED),
                    ruleId, new Evidence(smtpCode, enhancedCode, String.join("\n", replyLines), p, "", "")));
        }
    }
}
