package dev.rebound.core.dsn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a bounce written for humans (no {@code message/delivery-status} part): Postfix, Exim, qmail, Sendmail
 * transcripts, Exchange, Notes, webmail providers. General layout rules, tried in order:
 * <ol>
 *   <li>an address alone on its line, or at the start of a line followed by a colon (Exim's indented
 *       list, qmail's and Postfix's {@code <addr>: text}); its diagnostic is the rest of that paragraph;</li>
 *   <li>Sendmail's {@code addr... text} lines and transcript commands ({@code RCPT To:<addr>});</li>
 *   <li>an address after "to", "for", "recipient" or "address" (e.g. "delivering your mail to &lt;addr&gt;");
 *       its diagnostic is the text from there to the end of the bounce part.</li>
 * </ol>
 * The original message (after "copy of the message", "message headers follow", ...) is cut off first.
 */
final class TextBounce {
    private TextBounce() {}

    record Found(String address, String diagnostic) {}

    private static final String ADDR = Codes.ADDRESS.pattern();
    private static final Pattern ALONE = Pattern.compile(
            "^\\s*(?:[-*•]\\s*|>>>\\s*|[245]\\d\\d[ -](?:[245]\\.\\d{1,3}\\.\\d{1,3}\\s+)?)?(?:rcpt to:|recipient:|address:)?\\s*<?\"?(" + ADDR + ")\"?>?\\s*(?::|\\.\\.\\.)?\\s*(.*)$",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern TRAILING = Pattern.compile(
            "^\\s*([^@:\\n]{3,120}):\\s*<?\"?(" + ADDR + ")\"?>?\\s*\\.?\\s*$");
    private static final Pattern NEAR = Pattern.compile(
            "(?:\\bto|\\bfor|recipient|address(?:ee)?|rcpt to:?|original-recipient:|final-recipient:|destinataire|empf[aä]nger)"
            + "[^@\\n]{0,12}?<?\"?(" + ADDR + ")", Pattern.CASE_INSENSITIVE);
    private static final Pattern ORIGINAL = Pattern.compile(
            "copy of (?:the|your) (?:original )?message|original message(?! was received)|message headers follow|unsent message follows"
            + "|below this line is a copy|returned mail follows|header of the original|original mail header"
            + "|original message header|content-type: message/rfc822|content-type: text/rfc822-headers"
            + "|headers of the original|text of (?:the|your) (?:original )?message|included below|your message reads"
            + "|^--- ?(?:message|original|headers)|^-{3,} ?returned message -{3,}|^received: (?:from|by)|^return-path:",
            Pattern.CASE_INSENSITIVE);

    /** The bounce text split at the returned message's marker: each part with its lines. */
    record Cut(String bounce, String returned, List<String> bounceLines, List<String> returnedLines) {}

    /** Splits the bounce text into (bounce part, returned message part), splitting it into lines once. */
    static Cut cut(String text) {
        List<String> lines = Lines.split(text);
        int pos = 0;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (i > 0 && l.length() < 160 && mayMarkOriginal(l) && marksOriginal(l.trim())) {
                return new Cut(text.substring(0, Math.min(pos, text.length())), text.substring(Math.min(pos, text.length())),
                        lines.subList(0, i), lines.subList(i, lines.size()));
            }
            pos += l.length() + 1;
            if (pos < text.length() && text.charAt(pos - 1) == '\r' && text.charAt(pos) == '\n') pos++;
        }
        return new Cut(text, "", lines, List.of());
    }

    /** {@link #ORIGINAL} split into its alternatives, each run only when its literal is on the line. */
    private static final Prefilter.Split ORIGINAL_F = new Prefilter.Split(ORIGINAL);

    private static boolean marksOriginal(String line) {
        return ORIGINAL_F.find(line, line.toLowerCase(Locale.ROOT)) != null;
    }

    /** Cheap pre-check for {@link #ORIGINAL}: every alternative contains one of these fragments. */
    private static boolean mayMarkOriginal(String l) {
        return l.contains("essage") || l.contains("ESSAGE") || l.contains("riginal") || l.contains("RIGINAL")
                || l.contains("eader") || l.contains("EADER") || l.contains("opy") || l.contains("ollows")
                || l.contains("ncluded") || l.contains("eceived:") || l.contains("eturn-") || l.contains("ETURN-")
                || l.contains("ECEIVED:") || l.contains("eturn-path") || l.contains("ext of");
    }

    /** Recipients found in the bounce text, in order, without the excluded (sender-side) addresses. */
    static List<Found> scan(String bounceText, Set<String> exclude) {
        return scan(Lines.split(bounceText), exclude);
    }

    /** As {@link #scan(String, Set)} over the bounce text's lines. */
    static List<Found> scan(List<String> lines, Set<String> exclude) {
        Map<String, Found> out = new LinkedHashMap<>();
        // Rule 1 and 2: line-anchored addresses.
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.indexOf('@') < 0 || line.length() > 300) continue;
            Matcher m = ALONE.matcher(line);
            if (!m.matches()) continue;
            String rest = m.group(2).trim();
            if (!rest.isEmpty() && !line.contains(":") && !line.contains("...") && !rest.startsWith("(") && !rest.startsWith("<")
                    && !rest.startsWith("[")) continue;
            String a = Codes.clean(m.group(1));
            if (exclude.contains(a) || isDaemon(a) || out.containsKey(a)) continue;
            out.put(a, new Found(a, paragraph(lines, i, rest, a)));
        }
        if (!out.isEmpty()) return new ArrayList<>(out.values());
        // Rule 2b: "reason text: addr" at the end of a line.
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.indexOf('@') < 0 || line.length() > 300) continue;
            Matcher m = TRAILING.matcher(line);
            if (!m.matches()) continue;
            String a = Codes.clean(m.group(2));
            if (exclude.contains(a) || isDaemon(a) || out.containsKey(a)) continue;
            out.put(a, new Found(a, paragraph(lines, i, m.group(1).trim(), a)));
        }
        if (!out.isEmpty()) return new ArrayList<>(out.values());
        // Rule 3: an address after a word that introduces a recipient.
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.indexOf('@') < 0) continue;
            Matcher m = NEAR.matcher(line);
            while (m.find()) {
                String a = Codes.clean(m.group(1));
                if (exclude.contains(a) || isDaemon(a) || out.containsKey(a)) continue;
                out.put(a, new Found(a, tail(lines, i)));
            }
        }
        return new ArrayList<>(out.values());
    }

    /** The paragraph of the bounce text that mentions {@code address}, or "". */
    /**
     * Sendmail writes only the first line of a multi-line reply into Diagnostic-Code; its session transcript has the
     * whole reply, one "<<< " line each (RFC 5321 §4.2.1: "NNN-" continues, "NNN " ends). Returns the joined reply,
     * or the diagnostic as it is when it is no first line of a longer reply or the transcript does not have it.
     */
    static String wholeReply(List<String> lines, String diag) {
        String d = diag.strip();
        if (d.length() < 5 || !Character.isDigit(d.charAt(0)) || d.charAt(3) != '-') return diag;
        String code = d.substring(0, 3);
        for (int i = 0; i < lines.size() && i < 2000; i++) {
            String l = lines.get(i).strip();
            if (!l.startsWith("<<< ") || !l.substring(4).strip().equals(d)) continue;
            StringBuilder sb = new StringBuilder(d);
            for (int j = i + 1; j < lines.size() && j < i + 50; j++) {
                String n = lines.get(j).strip();
                if (!n.startsWith("<<< " + code) || n.length() < 8) break;
                sb.append(' ').append(n.substring(8).strip());
                if (n.charAt(7) != '-') break;
            }
            return sb.toString();
        }
        return diag;
    }

    /**
     * Sendmail's transcript line for one recipient, "<addr>... Deferred: 421 ..." or "<addr>... User unknown", read
     * when a DSN leaves Diagnostic-Code empty (a 421 that closed the session): the text after the "... ".
     */
    static String recipientLine(List<String> lines, String address) {
        if (address.isEmpty()) return "";
        String head = "<" + address.toLowerCase(Locale.ROOT) + ">... ";
        for (int i = 0; i < lines.size() && i < 2000; i++) {
            String l = lines.get(i).strip();
            if (!l.toLowerCase(Locale.ROOT).startsWith(head)) continue;
            String text = l.substring(head.length()).strip();
            if (text.regionMatches(true, 0, "Deferred: ", 0, 10)) text = text.substring(10).strip();
            if (!text.isEmpty()) return text;
        }
        return "";
    }

    static String blockFor(String bounceText, String address) {
        List<String> lines = Lines.split(bounceText);
        return blockFor(lines, lower(lines), bounceText.toLowerCase(Locale.ROOT), address);
    }

    /** Each line in lower case. */
    static List<String> lower(List<String> lines) {
        List<String> out = new ArrayList<>(lines.size());
        for (String l : lines) out.add(l.toLowerCase(Locale.ROOT));
        return out;
    }

    /**
     * As {@link #blockFor(String, String)} over the text already split, with its lines and the whole text in lower
     * case.
     */
    static String blockFor(List<String> lines, List<String> lowerLines, String lowerText, String address) {
        if (address.isEmpty() || !lowerText.contains(address)) return "";
        // The paragraph that quotes a code, else every paragraph that mentions the address (a transcript line
        // such as "<addr>... Deferred: host name lookup failure" often sits apart from the address list).
        StringBuilder all = new StringBuilder();
        int found = 0;
        for (int i = 0; i < lines.size() && found < 4; i++) {
            String l = lines.get(i);
            if (!lowerLines.get(i).contains(address)) continue;
            String p = paragraph(lines, i, l.trim(), address);
            if (!Codes.replyCode(p).isEmpty() || !Codes.status(p).isEmpty()) return p;
            if (all.indexOf(p) < 0) {
                if (all.length() > 0) all.append('\n');
                all.append(p);
                found++;
            }
        }
        return all.toString();
    }

    /** A Sendmail transcript entry for another host or address: "421 host (smtp)... Deferred: ...". */
    private static final Pattern TRANSCRIPT_ENTRY = Pattern.compile("^[245]\\d\\d \\S+(?: \\([a-z0-9-]+\\))?\\.\\.\\. ");

    /**
     * Rest of the anchor line plus the following lines up to a blank line (skipping blanks right after it). In a
     * Sendmail transcript ("&gt;&gt;&gt; RCPT To:&lt;addr&gt;", "&lt;&lt;&lt; 550 reply", "550 &lt;addr&gt;... User unknown") the
     * remote host's own reply lines right above the entry come first: they are what the host said about it.
     */
    private static String paragraph(List<String> lines, int i, String rest, String anchor) {
        StringBuilder sb = new StringBuilder();
        int up = i - 1;
        while (up >= 0 && i - up <= 6 && (lines.get(up).startsWith("<<< ") || lines.get(up).startsWith(">>> "))) up--;
        for (int k = up + 1; k < i; k++) {
            if (lines.get(k).startsWith("<<< ")) sb.append(lines.get(k).substring(4).trim()).append('\n');
        }
        sb.append(rest);
        int j = i + 1;
        if (rest.isEmpty()) {
            while (j < lines.size() && lines.get(j).isBlank()) j++;
        }
        int n = 0;
        for (; j < lines.size() && n < 30; j++, n++) {
            String l = lines.get(j);
            if (l.isBlank()) break;
            if (n > 0 && looksLikeRecipientLine(l) || startsWithOtherAddress(l, anchor)) break;
            if (l.length() > 8 && l.charAt(3) == ' ' && l.contains("...") && TRANSCRIPT_ENTRY.matcher(l).find()
                    || l.startsWith(">>> ") || l.regionMatches(true, 0, "while talking to", 0, 16)) break;
            if (sb.length() > 0) sb.append('\n');
            sb.append(l.trim());
        }
        // "... for the following reason:" introduces the next paragraph.
        if (sb.length() > 0 && sb.charAt(sb.length() - 1) == ':' && j < lines.size()) {
            while (j < lines.size() && lines.get(j).isBlank()) j++;
            for (int k = 0; j < lines.size() && k < 10 && !lines.get(j).isBlank(); j++, k++) {
                sb.append('\n').append(lines.get(j).trim());
            }
        }
        return sb.toString().trim();
    }

    /** "other@example.org: 550 ..." right below "anchor@example.org: 550 ...": the next recipient begins. */
    private static boolean startsWithOtherAddress(String l, String anchor) {
        if (l.indexOf('@') < 0 || l.length() > 300) return false;
        Matcher m = ALONE.matcher(l);
        if (!m.matches() || m.group(2).isBlank()) return false;
        if (!l.contains(":") && !l.contains("...")) return false;
        return !Codes.clean(m.group(1)).equals(anchor);
    }

    private static boolean looksLikeRecipientLine(String l) {
        if (l.indexOf('@') < 0) return false;
        Matcher m = ALONE.matcher(l);
        return m.matches() && m.group(2).isBlank();
    }

    private static String tail(List<String> lines, int i) {
        StringBuilder sb = new StringBuilder();
        for (int j = i; j < lines.size() && sb.length() < 4000; j++) {
            String l = lines.get(j).trim();
            if (l.isEmpty()) continue;
            if (sb.length() > 0) sb.append('\n');
            sb.append(l);
        }
        return sb.toString();
    }

    static boolean isDaemon(String a) {
        String local = a.substring(0, Math.max(0, a.indexOf('@'))).toLowerCase(Locale.ROOT);
        return local.equals("mailer-daemon") || local.equals("postmaster") || local.equals("mail-daemon")
                || local.equals("mailerdaemon") || local.equals("root") || local.equals("noreply")
                || local.equals("no-reply") || local.equals("mailer") || local.equals("daemon");
    }
}
