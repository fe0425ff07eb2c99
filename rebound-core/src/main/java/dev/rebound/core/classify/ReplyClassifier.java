package dev.rebound.core.classify;

import dev.rebound.core.smtp.SmtpReply;

/**
 * Reduces one SMTP reply (or a DSN's status + diagnostic) to a {@link Classification}.
 * (Initial version: basic code class only; the rule table lands with issue 3.)
 */
public final class ReplyClassifier {

    public static ReplyClassifier standard() {
        return new ReplyClassifier();
    }

    public Classification classify(SmtpReply reply, SmtpPhase phase, String recipientDomain) {
        return classify(ReplyInput.of(reply, phase, recipientDomain));
    }

    public Classification classify(ReplyInput in) {
        Evidence ev = in.evidence();
        int c = in.code();
        if (c >= 200 && c < 400) return new Classification(Outcome.DELIVERED, Reason.DELIVERED, "code.2xx", ev);
        if (c >= 400 && c < 500) return new Classification(Outcome.DEFERRED, Reason.UNDEFINED, "code.4xx", ev);
        return new Classification(Outcome.BOUNCED_SOFT, Reason.UNDEFINED, "code.5xx", ev);
    }
}
