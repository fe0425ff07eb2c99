package dev.rebound.core.smtp;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Strict parser for one SMTP reply, RFC 5321 §4.2:
 * <pre>
 *   Reply-line = *( Reply-code "-" [ textstring ] CRLF ) Reply-code [ SP textstring ] CRLF
 *   Reply-code = %x32-35 %x30-39 %x30-39        ; Rebound accepts 2xx–5xx
 *   textstring = 1*( %d09 / %d32-126 )          ; UTF-8 also accepted (RFC 6531 SMTPUTF8)
 * </pre>
 * Rules enforced, each with an error that quotes the line:
 * <ul>
 *   <li>every line starts with three digits, the first 2–5 (1xx does not exist in SMTP). The second digit is
 *       not restricted to 0–5: real servers send e.g. {@code 571} and we prefer to classify them;</li>
 *   <li>the fourth octet is {@code -} (more lines follow), SP (last line) or absent (last line, no text);</li>
 *   <li>every line of a multi-line reply carries the same code (§4.2.1 "the same code on each line");</li>
 *   <li>no control characters other than HTAB inside a line; bare CR is rejected;</li>
 *   <li>caps: {@value #MAX_LINE_OCTETS} octets per line including CRLF, {@value #MAX_LINES} lines per reply.
 *       RFC 5321 §4.5.3.1.5 limits a reply line to 512 octets but asks receivers to be liberal; real
 *       servers (Microsoft 365, Gmail) send longer lines, so we allow four times that and stop there.</li>
 * </ul>
 * The RFC 3463 enhanced status code is taken from the start of the first line's text (RFC 2034 §4: the
 * enhanced code follows the reply code on every line). It is kept even when its class disagrees with the
 * reply code; {@link SmtpReply#enhancedConflict()} reports that. Lines of input may end in CRLF or in bare
 * LF (what a line reader or a DSN's Diagnostic-Code gives); the final terminator is optional.
 *
 * <p>For streaming use (a socket), see {@link ReplyAccumulator}.
 */
public final class SmtpReplyParser {
    /** Longest reply line accepted, in octets, including the CRLF. */
    public static final int MAX_LINE_OCTETS = 2048;
    /** Most lines accepted in one reply (an EHLO reply has ~10–20). */
    public static final int MAX_LINES = 100;

    private SmtpReplyParser() {}

    /**
     * Parses exactly one complete reply. Lines are separated by CRLF or LF; a trailing terminator is allowed.
     *
     * @throws SmtpReplyException if the input is not exactly one well-formed reply
     */
    public static SmtpReply parse(String reply) {
        if (reply == null || reply.isEmpty()) throw new SmtpReplyException("empty SMTP reply", reply);
        ReplyAccumulator acc = new ReplyAccumulator();
        int start = 0;
        int n = reply.length();
        SmtpReply done = null;
        int lineNo = 0;
        while (start < n) {
            lineNo++;
            int lf = reply.indexOf('\n', start);
            int end = lf < 0 ? n : lf;
            int textEnd = end > start && reply.charAt(end - 1) == '\r' ? end - 1 : end;
            String line = reply.substring(start, textEnd);
            if (done != null) {
                throw new SmtpReplyException("text after the last line of the reply (line " + (lineNo - 1)
                        + " had no '-' continuation mark); give one reply at a time", line);
            }
            Optional<SmtpReply> r = acc.acceptLine(line);
            if (r.isPresent()) done = r.get();
            start = lf < 0 ? n : lf + 1;
        }
        if (done == null) {
            throw new SmtpReplyException("incomplete SMTP reply: the last line ends with '-' (continuation) "
                    + "but no final line follows", reply);
        }
        return done;
    }

    /** Like {@link #parse} but empty instead of throwing. */
    public static Optional<SmtpReply> tryParse(String reply) {
        try {
            return Optional.of(parse(reply));
        } catch (SmtpReplyException e) {
            return Optional.empty();
        }
    }

    /** One parsed line: its code, whether more lines follow, and its text. */
    record Line(int code, boolean more, String text) {}

    /** Parses one line without its terminator. */
    static Line parseLine(String line) {
        // A char is at most 3 UTF-8 octets (a surrogate pair is 4 for 2 chars), so short lines skip the count.
        if (line.length() + 2 > MAX_LINE_OCTETS
                || (line.length() * 3 + 2 > MAX_LINE_OCTETS && utf8Length(line) + 2 > MAX_LINE_OCTETS)) {
            throw new SmtpReplyException("reply line longer than " + MAX_LINE_OCTETS + " octets including CRLF", line);
        }
        if (line.length() < 3) {
            throw new SmtpReplyException("reply line shorter than a three-digit reply code", line);
        }
        char d1 = line.charAt(0), d2 = line.charAt(1), d3 = line.charAt(2);
        if (!isDigit(d1) || !isDigit(d2) || !isDigit(d3)) {
            throw new SmtpReplyException("reply line does not start with a three-digit reply code", line);
        }
        if (d1 < '2' || d1 > '5') {
            throw new SmtpReplyException("reply code must be 2xx, 3xx, 4xx or 5xx", line);
        }
        int code = (d1 - '0') * 100 + (d2 - '0') * 10 + (d3 - '0');
        boolean more;
        String text;
        if (line.length() == 3) {
            more = false;
            text = "";
        } else {
            char sep = line.charAt(3);
            if (sep == '-') more = true;
            else if (sep == ' ') more = false;
            else throw new SmtpReplyException("reply code must be followed by '-', a space or the end of the line", line);
            text = line.substring(4);
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new SmtpReplyException(String.format("control character 0x%02x at position %d of the reply line",
                        (int) c, i + 4), line);
            }
        }
        return new Line(code, more, text);
    }

    /** Builds the reply record from its lines; the enhanced code comes from the start of the first line. */
    static SmtpReply build(int code, List<String> texts) {
        return new SmtpReply(code, new ArrayList<>(texts), leadingEnhanced(texts.get(0)));
    }

    /**
     * The RFC 3463 code at the very start of {@code text} ({@code class.subject.detail} followed by a space,
     * the end, or punctuation such as ':' / ',' / ';'), class 2/4/5, subject and detail 0–999 without
     * leading zeros. Empty when the text does not start with one.
     */
    public static Optional<EnhancedStatus> leadingEnhanced(String text) {
        int n = text.length();
        int i = 0;
        if (n < 5) return Optional.empty();
        char c = text.charAt(i);
        if (c != '2' && c != '4' && c != '5') return Optional.empty();
        if (text.charAt(1) != '.') return Optional.empty();
        i = 2;
        int subject = 0, digits = 0, first = i;
        while (i < n && isDigit(text.charAt(i)) && digits < 4) { subject = subject * 10 + text.charAt(i) - '0'; i++; digits++; }
        if (digits == 0 || digits > 3 || (digits > 1 && text.charAt(first) == '0')) return Optional.empty();
        if (i >= n || text.charAt(i) != '.') return Optional.empty();
        i++;
        int detail = 0;
        digits = 0;
        first = i;
        while (i < n && isDigit(text.charAt(i)) && digits < 4) { detail = detail * 10 + text.charAt(i) - '0'; i++; digits++; }
        if (digits == 0 || digits > 3 || (digits > 1 && text.charAt(first) == '0')) return Optional.empty();
        if (i < n) {
            char t = text.charAt(i);
            if (isDigit(t) || t == '.' && i + 1 < n && isDigit(text.charAt(i + 1)) || Character.isLetter(t)) {
                return Optional.empty();
            }
        }
        return Optional.of(new EnhancedStatus(c - '0', subject, detail));
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static int utf8Length(CharSequence s) {
        int len = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) len++;
            else if (c < 0x800) len += 2;
            else if (Character.isHighSurrogate(c)) { len += 4; i++; }
            else len += 3;
        }
        return len;
    }
}
