package dev.rebound.core.smtp;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One SMTP reply (RFC 5321 §4.2): a three-digit code and one or more text lines. Lines are kept verbatim
 * without the code and separator, so the reply can be shown and stored exactly as received.
 *
 * @param code     the reply code, 200–599
 * @param lines    the text of each line, without "NNN-" / "NNN " (at least one, possibly empty)
 * @param enhanced the RFC 3463 code found at the start of the text, if any
 */
public record SmtpReply(int code, List<String> lines, Optional<EnhancedStatus> enhanced) {
    public SmtpReply {
        if (code < 200 || code > 599) throw new IllegalArgumentException("reply code must be 200-599, got " + code);
        lines = List.copyOf(Objects.requireNonNull(lines, "lines"));
        if (lines.isEmpty()) throw new IllegalArgumentException("a reply has at least one line");
        enhanced = Objects.requireNonNull(enhanced, "enhanced");
    }

    /** A single-line reply; the enhanced code is taken from the start of the text when present. */
    public static SmtpReply of(int code, String text) {
        return new SmtpReply(code, List.of(text), EnhancedStatus.find(text));
    }

    /**
     * True when the enhanced code's class (2/4/5) differs from the reply code's first digit, e.g.
     * {@code 450 5.1.1} or {@code 550 4.2.2}. RFC 3463 §2 says the two must agree and, for the protocol, the
     * reply code governs; Rebound keeps both and lets the classifier note the conflict in its rule id.
     * A 3xx reply with an enhanced 2.x.x code is not a conflict (both are positive).
     */
    public boolean enhancedConflict() {
        if (enhanced.isEmpty()) return false;
        int cls = code / 100;
        int ecls = enhanced.get().statusClass();
        if (cls == 3) return ecls != 2;
        return cls != ecls;
    }

    public boolean isPositive() { return code < 400; }
    public boolean isTransient() { return code >= 400 && code < 500; }
    public boolean isPermanent() { return code >= 500; }

    /** All text lines joined with a newline. */
    public String text() {
        return lines.size() == 1 ? lines.get(0) : String.join("\n", lines);
    }

    /** The reply as it appeared on the wire, lines joined with CRLF and without the final CRLF. */
    public String wire() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            if (i > 0) sb.append("\r\n");
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-').append(lines.get(i));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return wire().replace("\r\n", " | ");
    }
}
