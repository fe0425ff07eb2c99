package dev.rebound.server.store;

import java.util.Optional;

/**
 * What a piece of evidence was matched to.
 *
 * @param matchedBy    {@code rebound-recipient-id}, {@code rebound-message-id}, {@code message-id-header}, or
 *                     {@code none} (stored on address and stream only)
 * @param currentState the recipient's state before this evidence (empty when unmatched)
 * @param stream       the matched message's stream, else the stream the evidence named, else the default stream
 */
public record EvidenceMatch(String matchedBy, Optional<String> messageId, Optional<String> recipientId,
                            Optional<RecipientState> currentState, String address, String stream) {
    public boolean matched() {
        return recipientId.isPresent();
    }
}
