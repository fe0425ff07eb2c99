package dev.rebound.core.dsn;

import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.smtp.EnhancedStatus;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds SMTP reply codes (RFC 5321 §4.2), RFC 3463 enhanced status codes, the SMTP phase and e-mail addresses
 * in bounce text, and chooses between a DSN's Status field and a code quoted in its diagnostic.
 */
final class Codes {
    private Codes() {}

    /** A reply code: 2xx/4xx/5xx with a plausible second digit, standing alone before a space, hyphen or end. */
    static final Pattern REPLY = Pattern.compile("(?:^|[\\s:(\\[<>\"'=;])([245][0-5][0-9])(?:[ -](?=\\S)|[:,](?!\\d)|$)",
            Pattern.MULTILINE);
    static final Pattern ADDRESS = Pattern.compile(
            "[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\\-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\\-]{0,62}[A-Za-z0-9])?"
            + "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9\\-]{0,62}[A-Za-z0-9])?)*");
    static final Pattern PHASE = Pattern.compile(
            "(?:in reply to|after|while sending|response to|in response to|while talking[^\\n]{0,80}>>>|>>>"
            + "|(?:does not|doesn't|did not|didn't) like (?:our )?|most progress was|smtp:|following|sent <<<)\\s*"
            + "(?:the\\s+)?(rcpt to|rcpt|recipient|mail from|mail|sender|end of data|final data|data|helo|ehlo"
            + "|initial connection|connect|starttls|auth)");
    private static final Prefilter.Anchored PHASE_AT = new Prefilter.Anchored(PHASE);

    /** The first reply code in the text, or "". */
    static String replyCode(String text) {
        Matcher m = REPLY.matcher(text);
        String success = "";
        int from = 0;
        while ((from = findReply(m, text, from)) >= 0) {
            String c = m.group(1);
            if (!KNOWN_REPLY.contains(c)) continue;
            if (c.charAt(0) != '2') return c;
            if (success.isEmpty()) success = c;
        }
        return success;
    }

    /** The reply codes RFC 5321 (§4.2.2, §4.2.3) and its extensions (RFC 3207, 4954, 7504, 3030) define. */
    private static final java.util.Set<String> KNOWN_REPLY = java.util.Set.of(
            "211", "214", "220", "221", "235", "250", "251", "252", "421", "432", "450", "451", "452", "453",
            "454", "455", "458", "459", "500", "501", "502", "503", "504", "521", "523", "530", "534", "535",
            "538", "550", "551", "552", "553", "554", "555", "556", "557", "525");

    /** The first reply code of the given class ('4' or '5') in the text, or "". */
    static String replyCodeOfClass(String text, char cls) {
        Matcher m = REPLY.matcher(text);
        int from = 0;
        while ((from = findReply(m, text, from)) >= 0) {
            if (m.group(1).charAt(0) == cls && KNOWN_REPLY.contains(m.group(1))) return m.group(1);
        }
        return "";
    }

    /**
     * {@code REPLY}'s {@code m.find()} from {@code from}, tried only where a match can start: a reply's first digit
     * (2, 4, 5) followed by 0-5, at a line start or right after a separator. The same leftmost match as the regex's own
     * scan, without running it at every position. Returns the match's end (where the next search starts), or -1.
     */
    static int findReply(Matcher m, String text, int from) {
        m.useTransparentBounds(true).useAnchoringBounds(false);
        int n = text.length();
        for (int i = from; i + 2 < n; i++) {
            char c = text.charAt(i), d = text.charAt(i + 1);
            boolean here = (c == '2' || c == '4' || c == '5') && d >= '0' && d <= '5';
            boolean next = (d == '2' || d == '4' || d == '5') && i + 3 < n && text.charAt(i + 2) >= '0' && text.charAt(i + 2) <= '5';
            if (!here && !next) continue;
            m.region(i, n);
            if (m.lookingAt()) return m.end();
        }
        return -1;
    }

    /** The first failure (4.x.x/5.x.x) code in the text, else the first success code, else "". */
    static String status(String text) {
        Optional<EnhancedStatus> first = EnhancedStatus.find(text);
        if (first.isEmpty() || !first.get().isSuccess()) return first.map(EnhancedStatus::toString).orElse("");
        Matcher m = FAILURE_STATUS.matcher(text);
        int from = 0;
        while ((from = findStatus(m, text, from)) >= 0) {
            Optional<EnhancedStatus> s = EnhancedStatus.tryParse(m.group());
            if (s.isPresent()) return s.get().toString();
        }
        return first.get().toString();
    }

    static final Pattern FAILURE_STATUS = Pattern.compile("(?<![\\d.])[45]\\.\\d{1,3}\\.\\d{1,3}(?![\\d.]*\\d)");

    /** {@code FAILURE_STATUS}'s {@code m.find()} from {@code from}, tried only at a 4 or 5 right before a dot. */
    static int findStatus(Matcher m, String text, int from) {
        m.useTransparentBounds(true).useAnchoringBounds(false);
        int n = text.length();
        for (int dot = text.indexOf('.', from + 1); dot > 0; dot = text.indexOf('.', dot + 1)) {
            char c = text.charAt(dot - 1);
            if (c != '4' && c != '5') continue;
            m.region(dot - 1, n);
            if (m.lookingAt()) return m.end();
        }
        return -1;
    }

    /** Normalises a Status field value ("5.1.1 (user unknown)" → 5.1.1), "" when it holds no code. */
    static String statusField(String v) {
        return EnhancedStatus.find(v).map(EnhancedStatus::toString).orElse("");
    }

    /**
     * Chooses between the Status field and the code quoted in the diagnostic. When the classes disagree, the one
     * matching the reply code's class wins; a generic field (X.0.0, 4.4.7, 4.7.0, 5.3.x, X.5.x, 5.1.1) gives way
     * to a more specific quoted code.
     */
    static String prefer(String field, String inText, String reply) {
        if (field.isEmpty()) return inText;
        if (inText.isEmpty() || inText.equals(field)) return field;
        if (field.charAt(0) != inText.charAt(0)) {
            if (!reply.isEmpty() && reply.charAt(0) == inText.charAt(0)) return inText;
            return field;
        }
        if (field.endsWith(".0.0")) return inText;
        if (inText.endsWith(".0.0")) return field;
        if (field.equals("4.4.7") || field.equals("4.7.0") || field.startsWith("5.3.") || field.substring(1).startsWith(".5.")) {
            return inText;
        }
        if (field.equals("5.1.1")) return inText.contains(".0") || inText.startsWith("5.5") ? field : inText;
        return field;
    }

    static SmtpPhase phase(String text) {
        if (text.isEmpty()) return SmtpPhase.NONE;
        String lower = text.toLowerCase(Locale.ROOT);
        if (!(lower.contains("reply to") || lower.contains("after") || lower.contains("while") || lower.contains("response")
                || lower.contains("like") || lower.contains("progress") || lower.contains("smtp:")
                || lower.contains("following") || lower.contains(">>>") || lower.contains("sent <<<"))) {
            return SmtpPhase.NONE;
        }
        Matcher m = PHASE_AT.find(lower);
        if (m == null) return SmtpPhase.NONE;
        return switch (m.group(1).toLowerCase(Locale.ROOT)) {
            case "rcpt to", "rcpt", "recipient" -> SmtpPhase.RCPT;
            case "mail from", "mail", "sender" -> SmtpPhase.MAIL;
            case "end of data", "final data" -> SmtpPhase.END_OF_DATA;
            case "data" -> SmtpPhase.DATA;
            case "helo", "ehlo" -> SmtpPhase.EHLO;
            case "starttls" -> SmtpPhase.STARTTLS;
            case "auth" -> SmtpPhase.AUTH;
            default -> SmtpPhase.CONNECT;
        };
    }

    /**
     * {@link #ADDRESS}'s {@code m.find()} from {@code from}, tried only where a match can start: an address needs an
     * "@", and its leftmost start is where the run of local-part characters before that "@" begins (at most 64 back).
     * If the domain after that "@" does not match, no start before it can match either. The same leftmost match as
     * the regex's own scan. Returns the match's end (where the next search starts), or -1.
     */
    static int findAddress(Matcher m, String s, int from) {
        int n = s.length();
        for (int at = s.indexOf('@', from); at >= 0; at = s.indexOf('@', at + 1)) {
            int start = at;
            while (start > from && at - start < 64 && localChar(s.charAt(start - 1))) start--;
            if (start == at) continue;
            m.region(start, n);
            if (m.lookingAt()) return m.end();
        }
        return -1;
    }

    /** The local-part characters of {@link #ADDRESS}. */
    private static boolean localChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+/=?^_`{|}~.-".indexOf(c) >= 0;
    }

    /** Strips an address-type prefix ("rfc822;"), angle brackets and quotes; "" when nothing is left. */
    static String address(String fieldValue) {
        String v = fieldValue;
        int semi = v.indexOf(';');
        if (semi >= 0) v = v.substring(semi + 1);
        v = v.trim();
        Matcher m = ADDRESS.matcher(v);
        if (findAddress(m, v, 0) >= 0) return clean(m.group());
        v = v.replace("<", "").replace(">", "").replace("\"", "").trim();
        int sp = v.indexOf(' ');
        return sp > 0 ? v.substring(0, sp) : v;
    }

    static String clean(String address) {
        String a = address;
        while (a.startsWith(".") || a.startsWith("'")) a = a.substring(1);
        while (a.endsWith(".") || a.endsWith("-")) a = a.substring(0, a.length() - 1);
        return a.toLowerCase(Locale.ROOT);
    }

    /** Strips the type prefix of a typed field ("dns; mx.example.jp" → mx.example.jp). */
    static String untyped(String v) {
        int semi = v.indexOf(';');
        return (semi >= 0 ? v.substring(semi + 1) : v).trim();
    }
}
