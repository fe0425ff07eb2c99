package dev.rebound.core.events;

import dev.rebound.core.smtp.MailDomain;
import java.time.Instant;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One provider event for one recipient, in the provider's own words.
 *
 * @param provider          who sent it
 * @param eventType         the provider's labels joined with "/" (e.g. {@code Bounce/Permanent/General},
 *                          {@code bounce/blocked/Reputation}, {@code failed/permanent/bounce}, {@code bounce/10})
 * @param recipient         the address the event is about ("" when the event is about no recipient)
 * @param providerMessageId the provider's id of the sent message (SES mail.messageId, SendGrid sg_message_id,
 *                          Postmark MessageID, Mailgun Message-Id, SparkPost message_id), or ""
 * @param smtpCode          the remote SMTP reply code when the provider passes it on, else 0
 * @param enhancedCode      the RFC 3463 status when present (e.g. {@code 5.1.1}), else ""
 * @param diagnostic        the remote reply / diagnostic text when present, else ""
 * @param timestamp         when the provider says the event happened, if it says
 * @param providerEventId   the provider's id for this event, for deduplication together with provider and
 *                          recipient (SNS MessageId, sg_event_id, Postmark ID, Mailgun event id, SparkPost event_id)
 * @param raw               the event's JSON as the provider sent it (for SES: the SES document inside the SNS envelope)
 * @param headerMessageId   the RFC 5322 Message-ID of the sent message when the provider echoes it (SES
 *                          commonHeaders.messageId, Mailgun message.headers.message-id, SendGrid smtp-id), without
 *                          angle brackets, or "" — with {@code metadata} what matches the event to Rebound's message
 * @param metadata          the sender's custom data echoed by the provider (SES mail.tags, SendGrid custom args,
 *                          Postmark Metadata and Tag, Mailgun user-variables, SparkPost rcpt_meta and tags), scalars
 *                          only, best effort
 */
public record ProviderEvent(Provider provider, String eventType, String recipient, String providerMessageId,
                            int smtpCode, String enhancedCode, String diagnostic, Optional<Instant> timestamp,
                            String providerEventId, String raw, String headerMessageId, Map<String, String> metadata) {
    public ProviderEvent {
        Objects.requireNonNull(provider, "provider");
        eventType = eventType == null ? "" : eventType;
        recipient = recipient == null ? "" : recipient;
        providerMessageId = providerMessageId == null ? "" : providerMessageId;
        enhancedCode = enhancedCode == null ? "" : enhancedCode;
        diagnostic = diagnostic == null ? "" : diagnostic;
        timestamp = timestamp == null ? Optional.empty() : timestamp;
        providerEventId = providerEventId == null ? "" : providerEventId;
        raw = raw == null ? "" : raw;
        headerMessageId = headerMessageId == null ? "" : headerMessageId.trim().replaceAll("^<|>$", "");
        metadata = metadata == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(metadata));
    }

    /** The event without correlation data; add it with {@link #withCorrelation}. */
    public ProviderEvent(Provider provider, String eventType, String recipient, String providerMessageId,
                         int smtpCode, String enhancedCode, String diagnostic, Optional<Instant> timestamp,
                         String providerEventId, String raw) {
        this(provider, eventType, recipient, providerMessageId, smtpCode, enhancedCode, diagnostic, timestamp,
                providerEventId, raw, "", Map.of());
    }

    public ProviderEvent withCorrelation(String messageIdHeader, Map<String, String> meta) {
        return new ProviderEvent(provider, eventType, recipient, providerMessageId, smtpCode, enhancedCode,
                diagnostic, timestamp, providerEventId, raw, messageIdHeader, meta);
    }

    /**
     * The key that makes a provider's retry of the same event a duplicate: provider, the provider's event id and
     * the recipient (one SNS message covers several recipients under one MessageId).
     */
    public String dedupKey() {
        return provider.id() + ":" + providerEventId + ":" + recipient.toLowerCase(Locale.ROOT);
    }

    /** The recipient's domain, lower case, or "". */
    public String recipientDomain() {
        return MailDomain.of(recipient);
    }

    /** True when the provider passed on any part of the remote reply. */
    public boolean hasDiagnostic() {
        return smtpCode != 0 || !enhancedCode.isEmpty() || !diagnostic.isBlank();
    }
}
