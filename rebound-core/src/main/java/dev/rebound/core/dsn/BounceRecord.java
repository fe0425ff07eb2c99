package dev.rebound.core.dsn;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import dev.rebound.core.classify.SmtpPhase;

/**
 * What one bounce (or complaint) says about one recipient. Every string field is "" when absent, never null.
 *
 * @param recipient        Final-Recipient, else Original-Recipient, else the address found in the text
 * @param action           RFC 3464 Action (failed, delayed, delivered, relayed, expanded), lower case
 * @param status           the RFC 3463 code (e.g. 5.1.1)
 * @param remoteMta        Remote-MTA (or the host named in the text)
 * @param diagnosticType   the Diagnostic-Code type (e.g. smtp, x-unix)
 * @param diagnosticText   the Diagnostic-Code text or the error text of a non-standard bounce
 * @param replyCode        the SMTP reply code, e.g. 550
 * @param reportingMta     Reporting-MTA
 * @param arrivalDate      Arrival-Date as written
 * @param lastAttemptDate  Last-Attempt-Date as written
 * @param messageId        Message-ID of the original (returned) message
 * @param envelopeId       Original-Envelope-Id
 * @param subject          Subject of the original message
 * @param from             From of the original message
 * @param feedbackType     ARF Feedback-Type (RFC 5965), e.g. abuse
 * @param decodedBy        the format that decoded the bounce (RFC3464, Postfix, Exim, ARF, ...)
 * @param phase            the SMTP command the remote host was answering, when the bounce says so
 * @param classification   outcome, reason, rule id and evidence
 * @param hardBounce       Sisimai v5's hardbounce: the mailbox or domain is gone (userunknown, hostunknown, hasmoved,
 *                         notaccept when permanent). Independent of the outcome: a "delayed" DSN for an unknown
 *                         user is hard but its outcome is still DEFERRED.
 */
public record BounceRecord(String recipient, String action, String status, String remoteMta,
                           String diagnosticType, String diagnosticText, String replyCode, String reportingMta,
                           String arrivalDate, String lastAttemptDate, String messageId, String envelopeId,
                           String subject, String from, String feedbackType, String decodedBy, SmtpPhase phase,
                           Classification classification, boolean hardBounce) {

    public Reason reason() {
        return classification.reason();
    }

    public Outcome outcome() {
        return classification.outcome();
    }

    public String ruleId() {
        return classification.ruleId();
    }
}
