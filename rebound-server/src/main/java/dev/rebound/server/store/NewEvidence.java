package dev.rebound.server.store;

import dev.rebound.core.smtp.MailDomain;
import dev.rebound.core.classify.Outcome;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One piece of asynchronous evidence about one recipient (a provider event, a DSN record), ready to be matched
 * and stored. Every string is "" when absent.
 *
 * @param dedupKey           unique per event and recipient: a second arrival with the same key is a duplicate
 * @param source             {@code provider} or {@code dsn}
 * @param provider           the provider id (ses, sendgrid, ...) or, for a DSN, the format that decoded it
 * @param providerEvent      the provider's labels (e.g. {@code Bounce/Permanent/General}) or the DSN's action/status
 * @param reboundRecipientId Rebound's recipient id when the evidence carries it (VERP address, metadata)
 * @param reboundMessageId   Rebound's message id when the evidence carries it (metadata)
 * @param stream             the stream named by the evidence (metadata), used when it matches no recipient
 * @param outcome            the classified outcome, empty for evidence without one (an open, an auto-reply)
 * @param reason             the reason id ("" when none)
 * @param ruleId             the rule that classified (or ignored) it
 * @param payload            the raw evidence (the provider's JSON, the DSN record) as text
 */
public record NewEvidence(String dedupKey, String source, String provider, String providerEvent,
                          String providerMessageId, String headerMessageId, Optional<String> reboundRecipientId,
                          Optional<String> reboundMessageId, String address, Optional<String> stream, int smtpCode,
                          String enhancedCode, String rawReason, Optional<Outcome> outcome, String reason,
                          String ruleId, Optional<Instant> occurredAt, String payload) {
    public NewEvidence {
        Objects.requireNonNull(dedupKey, "dedupKey");
        if (dedupKey.isBlank()) throw new IllegalArgumentException("evidence needs a dedup key");
        source = nz(source);
        provider = nz(provider);
        providerEvent = nz(providerEvent);
        providerMessageId = nz(providerMessageId);
        headerMessageId = nz(headerMessageId).strip().replaceAll("^<|>$", "");
        reboundRecipientId = reboundRecipientId == null ? Optional.empty() : reboundRecipientId.filter(s -> !s.isBlank());
        reboundMessageId = reboundMessageId == null ? Optional.empty() : reboundMessageId.filter(s -> !s.isBlank());
        address = nz(address).strip();
        stream = stream == null ? Optional.empty() : stream.filter(s -> !s.isBlank());
        enhancedCode = nz(enhancedCode);
        rawReason = nz(rawReason);
        outcome = outcome == null ? Optional.empty() : outcome;
        reason = nz(reason);
        Objects.requireNonNull(ruleId, "ruleId");
        occurredAt = occurredAt == null ? Optional.empty() : occurredAt;
        payload = nz(payload);
    }

    /** The recipient's domain, lower case, or "". */
    public String domain() {
        return MailDomain.of(address);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
