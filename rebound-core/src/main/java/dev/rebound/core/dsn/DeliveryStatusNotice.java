package dev.rebound.core.dsn;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Writes a delivery status notification (pure: every input, the date and the Message-ID included, is passed in):
 * an RFC 3464 {@code multipart/report; report-type=delivery-status} (RFC 6522) with a human-readable part, one
 * {@code message/delivery-status} per-recipient block per failed or delayed recipient, and the returned headers
 * as {@code text/rfc822-headers}. It is sent with the null reverse-path (RFC 5321 §4.5.5) and marked
 * {@code Auto-Submitted: auto-replied} (RFC 3834 §5), so it never causes another notice; {@link #shouldNotify}
 * is the loop rule for the mail a notice would answer.
 */
public final class DeliveryStatusNotice {
    private static final DateTimeFormatter RFC5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final int MAX_RETURNED_HEADERS = 64 * 1024;

    private DeliveryStatusNotice() {}

    /** RFC 3464 §2.3.3 actions a notice reports. */
    public enum Action { FAILED, DELAYED }

    /**
     * One recipient's per-recipient block.
     *
     * @param status     RFC 3463 status, e.g. 5.1.1
     * @param remoteMta  the host that answered (empty when none did)
     * @param diagnostic the SMTP reply as received, e.g. {@code 550 5.1.1 <bob@example.net>: User unknown}
     * @param willRetryUntil for a delay, when Rebound gives up
     */
    public record Recipient(String address, Action action, String status, String remoteMta, String diagnostic,
                            Instant lastAttempt, Optional<Instant> willRetryUntil) {}

    /**
     * @param reportingMta   this host's name (Reporting-MTA, the From domain and the human part)
     * @param sender         the envelope sender of the original message: the notice's recipient
     * @param originalHeaders the original message's header block (returned as text/rfc822-headers)
     */
    public record Notice(String reportingMta, String sender, String messageId, Instant date, Instant arrivalDate,
                         List<Recipient> recipients, byte[] originalHeaders) {
        public Notice {
            recipients = List.copyOf(recipients);
            if (recipients.isEmpty()) throw new IllegalArgumentException("a notice reports at least one recipient");
        }
    }

    /**
     * Why no notice may answer this mail (RFC 3464 §2 and RFC 3834 §2: never to the null reverse-path, never to a
     * notice or other automatic mail), or empty when one may.
     *
     * @param envelopeSender the original MAIL FROM ("" for {@code <>})
     */
    public static Optional<String> shouldNotify(String envelopeSender, byte[] originalMessage) {
        if (envelopeSender == null || envelopeSender.isBlank()) return Optional.of("null reverse-path");
        String headers = headerBlock(originalMessage);
        for (String field : unfold(headers)) {
            int colon = field.indexOf(':');
            if (colon <= 0) continue;
            String name = field.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = field.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
            if (name.equals("auto-submitted") && !value.startsWith("no")) return Optional.of("Auto-Submitted: " + value);
            if (name.equals("content-type") && value.startsWith("multipart/report")) return Optional.of("a report (multipart/report)");
        }
        return Optional.empty();
    }

    /** The notice as an RFC 5322 message with CRLF line ends. */
    public static byte[] write(Notice n) {
        boolean failed = n.recipients().stream().anyMatch(r -> r.action() == Action.FAILED);
        String boundary = "rebound-dsn-" + n.messageId().replaceAll("[^A-Za-z0-9]", "");
        StringBuilder m = new StringBuilder(4096);
        line(m, "From: Mail Delivery System <MAILER-DAEMON@" + n.reportingMta() + ">");
        line(m, "To: <" + n.sender() + ">");
        line(m, "Subject: " + (failed ? "Undelivered Mail Returned to Sender" : "Delayed Mail (still being retried)"));
        line(m, "Date: " + RFC5322.format(n.date()));
        line(m, "Message-ID: <" + n.messageId() + ">");
        line(m, "Auto-Submitted: auto-replied");
        line(m, "MIME-Version: 1.0");
        line(m, "Content-Type: multipart/report; report-type=delivery-status; boundary=\"" + boundary + "\"");
        line(m, "");
        line(m, "This is a MIME-encapsulated message.");
        line(m, "");
        line(m, "--" + boundary);
        line(m, "Content-Type: text/plain; charset=utf-8");
        line(m, "Content-Description: Notification");
        line(m, "");
        line(m, "This is the mail system at host " + n.reportingMta() + ".");
        line(m, "");
        if (failed) {
            line(m, "Your message could not be delivered to one or more recipients. The reply of the");
            line(m, "receiving system is below.");
        } else {
            line(m, "Your message could not be delivered yet to one or more recipients. It is still being");
            line(m, "retried; you need not send it again.");
        }
        line(m, "");
        for (Recipient r : n.recipients()) {
            line(m, "<" + r.address() + ">: " + (r.remoteMta().isEmpty() ? "" : "host " + r.remoteMta() + " said: ") + oneLine(r.diagnostic()));
        }
        line(m, "");
        line(m, "--" + boundary);
        line(m, "Content-Type: message/delivery-status");
        line(m, "Content-Description: Delivery report");
        line(m, "");
        line(m, "Reporting-MTA: dns; " + n.reportingMta());
        line(m, "Arrival-Date: " + RFC5322.format(n.arrivalDate()));
        for (Recipient r : n.recipients()) {
            line(m, "");
            line(m, "Final-Recipient: rfc822; " + r.address());
            line(m, "Original-Recipient: rfc822; " + r.address());
            line(m, "Action: " + (r.action() == Action.FAILED ? "failed" : "delayed"));
            line(m, "Status: " + r.status());
            if (!r.remoteMta().isEmpty()) line(m, "Remote-MTA: dns; " + r.remoteMta());
            if (!r.diagnostic().isEmpty()) line(m, "Diagnostic-Code: smtp; " + oneLine(r.diagnostic()));
            line(m, "Last-Attempt-Date: " + RFC5322.format(r.lastAttempt()));
            if (r.willRetryUntil().isPresent()) line(m, "Will-Retry-Until: " + RFC5322.format(r.willRetryUntil().get()));
        }
        line(m, "");
        line(m, "--" + boundary);
        line(m, "Content-Type: text/rfc822-headers");
        line(m, "Content-Description: Undelivered Message Headers");
        line(m, "");
        for (String l : headerBlock(n.originalHeaders()).split("\r?\n", -1)) if (!l.isEmpty()) line(m, l);
        line(m, "");
        line(m, "--" + boundary + "--");
        return m.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void line(StringBuilder m, String s) {
        m.append(s).append("\r\n");
    }

    /** Replies of several lines become one (a Diagnostic-Code is one field), bare CR/LF never pass. */
    private static String oneLine(String s) {
        return s.replaceAll("[\r\n]+", " ").trim();
    }

    /** The header block: up to the first empty line, capped. */
    private static String headerBlock(byte[] message) {
        String s = new String(message, 0, Math.min(message.length, MAX_RETURNED_HEADERS), StandardCharsets.UTF_8);
        int end = s.indexOf("\r\n\r\n");
        int lf = s.indexOf("\n\n");
        if (end < 0 || (lf >= 0 && lf < end)) end = lf;
        return end < 0 ? s : s.substring(0, end);
    }

    private static List<String> unfold(String headers) {
        List<String> out = new ArrayList<>();
        for (String l : headers.split("\r?\n")) {
            if ((l.startsWith(" ") || l.startsWith("\t")) && !out.isEmpty()) out.set(out.size() - 1, out.getLast() + " " + l.trim());
            else out.add(l);
        }
        return out;
    }
}
