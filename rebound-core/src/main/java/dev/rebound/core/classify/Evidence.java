package dev.rebound.core.classify;

/**
 * The raw facts a classification was made from, kept verbatim so that every decision can be explained.
 *
 * @param replyCode      the three-digit SMTP reply code, or 0 when there is none
 * @param enhancedCode   the RFC 3463 code as written (e.g. {@code 5.1.1}), or "" when there is none
 * @param text           the reply or diagnostic text (all lines joined with "\n")
 * @param phase          where in the dialogue the reply came
 * @param recipientDomain the recipient's domain, lower case, or ""
 * @param matched        the part of the input that decided the rule (a pattern match, the code), or ""
 */
public record Evidence(int replyCode, String enhancedCode, String text, SmtpPhase phase,
                       String recipientDomain, String matched) {
    public Evidence {
        enhancedCode = enhancedCode == null ? "" : enhancedCode;
        text = text == null ? "" : text;
        phase = phase == null ? SmtpPhase.NONE : phase;
        recipientDomain = recipientDomain == null ? "" : recipientDomain;
        matched = matched == null ? "" : matched;
    }

    public Evidence withMatched(String m) {
        return new Evidence(replyCode, enhancedCode, text, phase, recipientDomain, m);
    }
}
