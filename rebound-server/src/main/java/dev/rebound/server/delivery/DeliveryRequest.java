package dev.rebound.server.delivery;

import java.util.List;
import java.util.Objects;

/**
 * One SMTP transaction to attempt: one envelope sender, recipients that all share {@code domain}, and the
 * message bytes exactly as stored (RFC 5322, any line endings; the client normalises to CRLF and dot-stuffs).
 *
 * @param messageId  Rebound's message id (for logs)
 * @param mailFrom   the envelope sender (may be "" for the null reverse-path)
 * @param recipients the envelope recipients, all in {@code domain}
 * @param domain     the recipients' domain, lower case (the routing key)
 * @param content    the raw message
 */
public record DeliveryRequest(String messageId, String mailFrom, List<String> recipients, String domain, byte[] content) {
    public DeliveryRequest {
        Objects.requireNonNull(messageId, "messageId");
        mailFrom = mailFrom == null ? "" : mailFrom;
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) throw new IllegalArgumentException("a delivery needs at least one recipient");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(content, "content");
    }
}
