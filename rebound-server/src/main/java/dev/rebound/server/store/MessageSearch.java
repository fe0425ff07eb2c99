package dev.rebound.server.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The message search of the API and the dashboard ({@code GET /v1/messages}): what to look for, and what a hit shows
 * before the message is opened.
 */
public final class MessageSearch {
    private MessageSearch() {}

    /**
     * Every present field must match; newest first.
     *
     * @param headerMessageId the {@code Message-ID:} header as stored (angle brackets included)
     * @param address         a recipient's address, compared without regard to case
     * @param state           a recipient's state
     * @param since           accepted at or after
     * @param until           accepted before
     */
    public record Query(Optional<String> headerMessageId, Optional<String> address, Optional<RecipientState> state,
                        Optional<Instant> since, Optional<Instant> until, int limit) {
        public Query {
            if (limit < 1) throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
    }

    /** One message found, with every recipient's address and state. */
    public record Hit(String id, String stream, String mailFrom, String headerMessageId, String source, Instant createdAt,
                      List<Recipient> recipients) {}

    public record Recipient(String address, RecipientState state, int attemptCount) {}
}
