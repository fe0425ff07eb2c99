package dev.rebound.core.policy;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The attempts made so far for one message to one recipient, oldest first, INCLUDING the latest one.
 *
 * @param messageId the message's id (seeds the jitter)
 * @param recipient the recipient address (seeds the jitter)
 * @param queuedAt  when the message was accepted; the age cap counts from here
 * @param attempts  attempts in time order, none before {@code queuedAt}
 */
public record RetryHistory(String messageId, String recipient, Instant queuedAt, List<Attempt> attempts) {
    public RetryHistory {
        Objects.requireNonNull(messageId, "RetryHistory.messageId");
        Objects.requireNonNull(recipient, "RetryHistory.recipient");
        Objects.requireNonNull(queuedAt, "RetryHistory.queuedAt");
        attempts = List.copyOf(Objects.requireNonNull(attempts, "RetryHistory.attempts"));
        Instant prev = queuedAt;
        for (int i = 0; i < attempts.size(); i++) {
            Instant at = attempts.get(i).at();
            if (at.isBefore(prev)) {
                throw new IllegalArgumentException("RetryHistory of message " + messageId + " to " + recipient
                        + ": attempt " + (i + 1) + " at " + at + " is before "
                        + (i == 0 ? "queuedAt " : "attempt " + i + " at ") + prev
                        + "; pass attempts oldest first, none before the message was queued");
            }
            prev = at;
        }
    }

    /** A history with no attempt yet. */
    public static RetryHistory queued(String messageId, String recipient, Instant queuedAt) {
        return new RetryHistory(messageId, recipient, queuedAt, List.of());
    }

    /** This history with one more attempt appended. */
    public RetryHistory with(Attempt a) {
        var list = new java.util.ArrayList<>(attempts);
        list.add(a);
        return new RetryHistory(messageId, recipient, queuedAt, list);
    }

    public Attempt latest() {
        if (attempts.isEmpty()) throw new IllegalStateException("no attempt yet for " + messageId + " to " + recipient);
        return attempts.get(attempts.size() - 1);
    }
}
