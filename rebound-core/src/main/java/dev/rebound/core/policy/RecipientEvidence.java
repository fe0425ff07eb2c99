package dev.rebound.core.policy;

import dev.rebound.core.classify.Classification;
import java.time.Instant;
import java.util.Objects;

/**
 * One piece of evidence about a recipient in one message stream: an attempt's classification, an async bounce,
 * a provider event or a complaint.
 *
 * @param at               when it happened
 * @param messageId        the message it was about
 * @param classification   what the classifier (or the retry policy's final decision) said
 * @param finalForMessage  true when this is the final outcome of that message (the retry policy gave up or
 *                         delivered); soft failures only count when final
 */
public record RecipientEvidence(Instant at, String messageId, Classification classification,
                                boolean finalForMessage) {
    public RecipientEvidence {
        Objects.requireNonNull(at, "RecipientEvidence.at");
        Objects.requireNonNull(messageId, "RecipientEvidence.messageId");
        Objects.requireNonNull(classification, "RecipientEvidence.classification");
    }
}
