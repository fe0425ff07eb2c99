package dev.rebound.server.decide;

import dev.rebound.core.classify.Outcome;
import dev.rebound.core.dsn.BounceParser;
import dev.rebound.core.dsn.BounceRecord;
import dev.rebound.core.dsn.BounceResult;
import java.util.Locale;
import java.util.Optional;

/**
 * What one record of a bounce email (RFC 3464 DSN, a non-standard bounce, an RFC 5965 complaint) says, as its evidence
 * row stores it: the bounce mailbox writes these fields when the email arrives, and replay reads the same fields from
 * the kept email parsed again by the running build's {@link BounceParser}. Pure.
 */
public final class DsnRecords {
    private DsnRecords() {}

    /** The record's classification and wire fields: the reply code (0 when absent or not a number), status, diagnostic. */
    public record Fields(Outcome outcome, String reason, String ruleId, int smtpCode, String enhancedCode, String diagnostic) {}

    public static Fields of(BounceRecord r) {
        int code = 0;
        try {
            if (!r.replyCode().isBlank()) code = Integer.parseInt(r.replyCode().strip());
        } catch (NumberFormatException ignored) {
            // a reply code the parser could not read as a number stays 0; the text is kept in the diagnostic
        }
        return new Fields(r.outcome(), r.reason().id(), r.ruleId(), code, r.status(), r.diagnosticText());
    }

    /** The first record of {@code result} about {@code address} (compared case-insensitively), as the evidence row keeps one. */
    public static Optional<BounceRecord> about(BounceResult result, String address) {
        String a = address.toLowerCase(Locale.ROOT);
        return result.records().stream().filter(r -> r.recipient().toLowerCase(Locale.ROOT).equals(a)).findFirst();
    }
}
