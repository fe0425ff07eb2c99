package dev.rebound.server.store;

import java.util.List;

/** What {@link Store#accept} did; in every case the data is committed before this is returned. */
public sealed interface AcceptResult {
    /** A new message was stored. */
    record Created(Receipt receipt) implements AcceptResult {}

    /** The idempotency key was seen before with the same request: nothing stored, the first receipt returned. */
    record Replayed(Receipt receipt) implements AcceptResult {}

    /** The idempotency key was seen before with a different request. */
    record Conflict(String existingMessageId) implements AcceptResult {}

    record Receipt(String messageId, List<RecipientReceipt> recipients) {}

    /** @param state the state at acceptance (QUEUED, or SUPPRESSED when the address is suppressed for the stream) */
    record RecipientReceipt(String id, String address, RecipientState state) {}
}
