package dev.rebound.server.store;

import java.time.Instant;
import java.util.Optional;

/**
 * The message search of the API and the dashboard ({@code GET /v1/messages}): every present field must match; the
 * answer is newest first ({@link MessageHit}).
 *
 * @param headerMessageId the {@code Message-ID:} header as stored (angle brackets included)
 * @param address         a recipient's address, compared without regard to case
 * @param state           a recipient's state (with an address: the same recipient's)
 * @param since           accepted at or after
 * @param until           accepted before
 */
public record MessageQuery(Optional<String> headerMessageId, Optional<String> address, Optional<RecipientState> state,
                           Optional<Instant> since, Optional<Instant> until, int limit) {
    public MessageQuery {
        if (limit < 1) throw new IllegalArgumentException("limit must be at least 1, was " + limit);
    }
}
