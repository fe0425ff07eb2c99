package dev.rebound.server.api;

import dev.rebound.server.intake.Addresses;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Builds an RFC 5322 message from the JSON fields of {@code POST /v1/messages}: CRLF line endings, Date,
 * Message-ID {@code <uuid@helo-name>}, MIME 1.0 (RFC 2045) with UTF-8 parts in quoted-printable, a
 * {@code multipart/alternative} (RFC 2046 §5.1.4) when both text and html are given, non-ASCII display names
 * and subject as RFC 2047 encoded-words.
 */
final class MessageComposer {
    /** Headers the composer writes itself; the API refuses them in {@code headers}. */
    static final Set<String> RESERVED = Set.of("from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version",
            "content-type", "content-transfer-encoding", "sender", "return-path", "received");
    private static final DateTimeFormatter DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT);

    record Composed(byte[] raw, String messageId) {}

    private final String heloName;

    MessageComposer(String heloName) {
        this.heloName = heloName;
    }

    Composed compose(Addresses.Mailbox from, List<Addresses.Mailbox> to, List<Addresses.Mailbox> cc, String subject,
                     String text, String html, Map<String, String> headers, Instant now) {
        String messageId = "<" + UUID.randomUUID() + "@" + heloName + ">";
        StringBuilder sb = new StringBuilder(256 + (text == null ? 0 : text.length()) + (html == null ? 0 : html.length()));
        header(sb, "From", mailbox(from));
        if (!to.isEmpty()) header(sb, "To", list(to));
        if (!cc.isEmpty()) header(sb, "Cc", list(cc));
        header(sb, "Subject", encodeWord(subject == null ? "" : subject));
        header(sb, "Date", DATE.format(now.atOffset(ZoneOffset.UTC)));
        header(sb, "Message-ID", messageId);
        for (Map.Entry<String, String> h : headers.entrySet()) header(sb, h.getKey(), encodeWord(h.getValue()));
        header(sb, "MIME-Version", "1.0");
        if (text != null && html != null) {
            String boundary = "=_rebound_" + UUID.randomUUID().toString().replace("-", "");
            header(sb, "Content-Type", "multipart/alternative; boundary=\"" + boundary + "\"");
            sb.append("\r\n");
            sb.append("--").append(boundary).append("\r\n");
            part(sb, "text/plain", text);
            sb.append("--").append(boundary).append("\r\n");
            part(sb, "text/html", html);
            sb.append("--").append(boundary).append("--\r\n");
        } else {
            part(sb, html != null ? "text/html" : "text/plain", html != null ? html : text == null ? "" : text);
        }
        return new Composed(sb.toString().getBytes(StandardCharsets.US_ASCII), messageId);
    }

    private static void part(StringBuilder sb, String type, String body) {
        header(sb, "Content-Type", type + "; charset=utf-8");
        header(sb, "Content-Transfer-Encoding", "quoted-printable");
        sb.append("\r\n");
        quotedPrintable(sb, body);
        sb.append("\r\n");
    }

    private static void header(StringBuilder sb, String name, String value) {
        sb.append(name).append(": ").append(value).append("\r\n");
    }

    private static String list(List<Addresses.Mailbox> boxes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < boxes.size(); i++) {
            if (i > 0) sb.append(",\r\n ");
            sb.append(mailbox(boxes.get(i)));
        }
        return sb.toString();
    }

    private static String mailbox(Addresses.Mailbox m) {
        if (m.displayName().isEmpty()) return m.address();
        String name = m.displayName();
        boolean ascii = name.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
        if (!ascii) return encodeWord(name) + " <" + m.address() + ">";
        return "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\" <" + m.address() + ">";
    }

    /** RFC 2047 B-encoding in UTF-8 when the value is not plain printable ASCII; words stay under 76 chars. */
    static String encodeWord(String value) {
        if (value.chars().allMatch(c -> c >= 0x20 && c < 0x7f) && value.length() <= 900) return value;
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < value.length()) {
            int end = i;
            int bytes = 0;
            while (end < value.length()) {
                int cp = value.codePointAt(end);
                int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
                if (bytes + n > 45) break;
                bytes += n;
                end += Character.charCount(cp);
            }
            if (out.length() > 0) out.append("\r\n ");
            out.append("=?UTF-8?B?").append(Base64.getEncoder().encodeToString(value.substring(i, end).getBytes(StandardCharsets.UTF_8))).append("?=");
            i = end;
        }
        return out.toString();
    }

    /** RFC 2045 §6.7 quoted-printable of UTF-8 text; input line breaks become CRLF, lines soft-wrapped at 76. */
    static void quotedPrintable(StringBuilder sb, String text) {
        String[] lines = text.replace("\r\n", "\n").replace('\r', '\n').split("\n", -1);
        for (int li = 0; li < lines.length; li++) {
            byte[] b = lines[li].getBytes(StandardCharsets.UTF_8);
            int col = 0;
            for (int i = 0; i < b.length; i++) {
                int c = b[i] & 0xff;
                boolean last = i == b.length - 1;
                String enc;
                if ((c == ' ' || c == '\t') && !last) enc = String.valueOf((char) c);
                else if (c >= 33 && c <= 126 && c != '=' && !(c == '.' && col == 0)) enc = String.valueOf((char) c);
                else enc = String.format("=%02X", c);
                if (col + enc.length() > 75) {
                    sb.append("=\r\n");
                    col = 0;
                    if (enc.equals(".")) enc = "=2E";
                }
                sb.append(enc);
                col += enc.length();
            }
            if (li < lines.length - 1) sb.append("\r\n");
        }
    }
}
