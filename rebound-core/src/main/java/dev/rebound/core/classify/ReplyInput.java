package dev.rebound.core.classify;

import dev.rebound.core.smtp.EnhancedStatus;
import dev.rebound.core.smtp.SmtpReply;
import java.util.Optional;

/**
 * What the reply classifier looks at.
 *
 * @param code            the SMTP reply code, or 0 when there is none (e.g. a DSN without a Diagnostic-Code)
 * @param enhanced        the RFC 3463 code, if known
 * @param text            the reply or diagnostic text
 * @param phase           where in the dialogue the reply came
 * @param recipientDomain the recipient's domain, or ""
 */
public record ReplyInput(int code, Optional<EnhancedStatus> enhanced, String text, SmtpPhase phase,
                         String recipientDomain) {
    public ReplyInput {
        enhanced = enhanced == null ? Optional.empty() : enhanced;
        text = text == null ? "" : text;
        phase = phase == null ? SmtpPhase.NONE : phase;
        recipientDomain = recipientDomain == null ? "" : recipientDomain;
    }

    public static ReplyInput of(SmtpReply reply, SmtpPhase phase, String recipientDomain) {
        return new ReplyInput(reply.code(), reply.enhanced(), reply.text(), phase, recipientDomain);
    }

    public Evidence evidence() {
        return new Evidence(code, enhanced.map(EnhancedStatus::toString).orElse(""), text, phase, recipientDomain, "");
    }
}
