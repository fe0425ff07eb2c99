package dev.rebound.server.store;

import java.time.Instant;
import java.util.Optional;

/** One stored piece of asynchronous evidence as the API shows it. Outcome and reason are "" when it had none. */
public record EvidenceView(String id, String source, String provider, String providerEvent, String providerMessageId,
                           String headerMessageId, String messageId, String recipientId, String matchedBy,
                           String address, String stream, String domain, int smtpCode, String enhancedCode,
                           String rawReason, String outcome, String reason, String ruleId, String decision,
                           String decisionRule, String suppressionRule, Optional<Instant> occurredAt,
                           Instant receivedAt, String payload) {}
