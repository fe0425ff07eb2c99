package dev.rebound.server.store;

import java.time.Instant;
import java.util.List;

/** A message found by a {@link MessageQuery}, with every recipient's address and state (before it is opened). */
public record MessageHit(String id, String stream, String mailFrom, String headerMessageId, String source, Instant createdAt,
                         List<Recipient> recipients) {

    public record Recipient(String address, RecipientState state, int attemptCount) {}
}
