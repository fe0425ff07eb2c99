package dev.rebound.server.store;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A message to accept: envelope, raw RFC 5322 bytes (kept verbatim), and the idempotency key with the hash of
 * the request that carried it.
 *
 * @param source          "http" or "smtp"
 * @param headerMessageId the Message-ID header value, or "" when the message has none
 */
public record NewMessage(String stream, String mailFrom, List<String> recipients, byte[] raw, String headerMessageId,
                         String source, Optional<String> idempotencyKey, String requestHash) {
    public NewMessage {
        Objects.requireNonNull(stream, "stream");
        mailFrom = mailFrom == null ? "" : mailFrom;
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) throw new IllegalArgumentException("a message needs at least one recipient");
        Objects.requireNonNull(raw, "raw");
        headerMessageId = headerMessageId == null ? "" : headerMessageId;
        idempotencyKey = idempotencyKey == null ? Optional.empty() : idempotencyKey;
        requestHash = requestHash == null ? "" : requestHash;
    }
}
