package dev.rebound.server.store;

import java.time.Instant;

/** A final state one message reached for one recipient, with the reply that led to it (suppression evidence). */
public record FinalOutcome(Instant at, String messageId, RecipientState state, String reason, String ruleId,
                           int smtpCode, String enhancedCode, String text, String phase, String domain) {}
