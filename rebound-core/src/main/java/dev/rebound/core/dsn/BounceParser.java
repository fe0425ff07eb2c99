package dev.rebound.core.dsn;

import dev.rebound.core.smtp.MailDomain;
import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Evidence;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import dev.rebound.core.classify.ReplyClassifier;
import dev.rebound.core.classify.ReplyInput;
import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.smtp.EnhancedStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.james.mime4j.MimeException;

/**
 * Turns one returned email into per-recipient bounce records: pure, bytes in, records out.
 *
 * <p>Order of detection:
 * <ol>
 *   <li>ARF feedback report (RFC 5965 {@code message/feedback-report}, or a one-click unsubscribe notice) →
 *       {@link BounceResult.Complaint};</li>
 *   <li>RFC 3464 DSN: the {@code message/delivery-status} part (or {@code message/global-delivery-status},
 *       RFC 6533, or delivery-status fields inlined in the text), one record per per-recipient block; a missing
 *       Diagnostic-Code is taken from the human-readable part;</li>
 *   <li>a non-standard bounce (see {@link TextBounce}), when the email looks like a bounce (sender
 *       MAILER-DAEMON/postmaster, a delivery-failure subject, or a known MTA marker);</li>
 *   <li>an RFC 3834 automatic reply → {@link BounceResult.AutoReply};</li>
 *   <li>otherwise {@link BounceResult.NotABounce}.</li>
 * </ol>
 * The format family is reported as {@code decodedBy} ({@link Formats}); the reason comes from
 * {@link BounceRules} and the core {@link ReplyClassifier}. Never throws: input mime4j cannot read at all gives
 * {@link BounceResult.Unparseable}.
 */
public final class BounceParser {
    private static final ReplyClassifier CLASSIFIER = ReplyClassifier.standard();
    private static final int MAX_DIAGNOSTIC = 4000;
    /** Rules look at this much of the diagnostic: the error is stated near the recipient, not pages later. */
    private static final int MAX_RULE_TEXT = 1200;
    private static final java.util.regex.Pattern BOUNCE_SUBJECT = java.util.regex.Pattern.compile(
            "undeliver|delivery (?:status )?(?:notification|failure|failed|problem)"
            + "|returned mail|mail delivery|failure notice|non[- ]?delivery|delivery has failed|not delivered"
            + "|could not be delivered|rejected|bounce|mail system error|warning: message|delayed mail"
            + "|unable to deliver|nicht zugestellt|unzustellbar|non remis|erreur|échec|配信|エラー|返送");
    /** {@link #BOUNCE_SUBJECT} by alternative, each run only where its literal occurs (whether any matches). */
    private static final Prefilter.Split BOUNCE_SUBJECT_F = new Prefilter.Split(BOUNCE_SUBJECT);

    private BounceParser() {}

    /** Parses one email (RFC 5322 bytes, any line ending). */
    public static BounceResult parse(byte[] email) {
        if (email == null || email.length == 0) return new BounceResult.NotABounce("empty input");
        List<byte[]> mbox = mboxMessages(bareCrToLf(email));
        if (mbox.size() > 1) {
            BounceResult first = parseOne(mbox.get(0));
            if (!(first instanceof BounceResult.Bounces)) return first;
            List<BounceRecord> all = new ArrayList<>(first.records());
            for (int i = 1; i < mbox.size() && all.size() < 1000; i++) {
                if (parseOne(mbox.get(i)) instanceof BounceResult.Bounces b) all.addAll(b.records());
            }
            return new BounceResult.Bounces(all);
        }
        return parseOne(mbox.get(0));
    }

    private static final int MAX_MBOX_MESSAGES = 32;

    /**
     * An mbox file (RFC 4155: each message starts with a "From sender date" postmark line) holding several bounces
     * is split at the postmarks; one message (or none) gives the input back as it is. Only a postmark whose date
     * starts with a day name counts, so a body line "From here on ..." does not split. Linear in the input.
     */
    static List<byte[]> mboxMessages(byte[] email) {
        if (!startsWith(email, 0, "From ")) return List.of(email);
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < email.length - 6 && starts.size() < MAX_MBOX_MESSAGES; i++) {
            if (email[i] == '\n' && startsWith(email, i + 1, "From ") && isPostmark(email, i + 1)) starts.add(i + 1);
        }
        if (starts.size() == 1) return List.of(email);
        List<byte[]> out = new ArrayList<>();
        for (int k = 0; k < starts.size(); k++) {
            int end = k + 1 < starts.size() ? starts.get(k + 1) : email.length;
            out.add(Arrays.copyOfRange(email, starts.get(k), end));
        }
        return out;
    }

    private static boolean startsWith(byte[] b, int at, String prefix) {
        if (at + prefix.length() > b.length) return false;
        for (int i = 0; i < prefix.length(); i++) if (b[at + i] != prefix.charAt(i)) return false;
        return true;
    }

    /** "From " + a sender token without spaces + spaces + a three-letter day name and a space. */
    private static boolean isPostmark(byte[] b, int at) {
        int i = at + 5;
        int tokenStart = i;
        while (i < b.length && i - at < 300 && b[i] != ' ' && b[i] != '\n') i++;
        if (i == tokenStart || i >= b.length || b[i] != ' ') return false;
        while (i < b.length && b[i] == ' ') i++;
        if (i + 4 > b.length || b[i + 3] != ' ') return false;
        String day = "" + (char) b[i] + (char) b[i + 1] + (char) b[i + 2];
        return switch (day) {
            case "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" -> true;
            default -> false;
        };
    }

    private static BounceResult parseOne(byte[] email) {
        MimeWalk.Walk w;
        try {
            w = MimeWalk.walk(email); // lone CRs already made LF by parse()
        } catch (MimeException | IOException e) {
            return new BounceResult.Unparseable("not readable as MIME: " + e.getMessage());
        }
        return new BounceParser.Run(w, 0).result();
    }

    private static final class Run {
        final MimeWalk.Walk w;
        final Headers top;
        final String topFrom;
        final String subject;
        final String bounceText;     // human-readable part, original message cut off
        final String lowerBounce;
        final String returnedText;   // the text after the cut (original headers when not attached)
        Headers original;
        final String decodedBy;

        final int nesting;

        Run(MimeWalk.Walk w, int nesting) {
            this.w = w;
            this.nesting = nesting;
            this.top = w.top();
            this.topFrom = top.get("From");
            this.subject = top.decoded("Subject");
            StringBuilder text = new StringBuilder();
            String html = "";
            for (MimeWalk.Part p : w.parts()) {
                if (p.depth() != 0) continue;
                if (p.mimeType().equals("text/plain")) {
                    // An attached text file (often the returned headers) is not part of the bounce's own words.
                    if (text.length() > 0 && p.headers().get("Content-Disposition").toLowerCase(Locale.ROOT)
                            .startsWith("attachment")) {
                        continue;
                    }
                    if (text.length() > 0) text.append('\n');
                    text.append(p.text());
                } else if (p.mimeType().equals("text/html") && html.isEmpty()) {
                    html = p.text();
                } else if (!p.mimeType().startsWith("message/") && !p.mimeType().startsWith("text/rfc822")
                        && !p.mimeType().startsWith("multipart/") && w.parts().size() == 1) {
                    text.append(p.text());
                }
            }
            if (text.length() == 0 && !html.isEmpty()) text.append(stripHtml(html));
            if (text.length() == 0 || w.parts().isEmpty()) text.append(w.preamble());
            text = unquote(text);
            TextBounce.Cut cut = TextBounce.cut(text.toString());
            this.bounceText = cut.bounce();
            this.lowerBounce = cut.bounce().toLowerCase(Locale.ROOT);
            this.returnedText = cut.returned();
            this.bounceLines = cut.bounceLines();
            this.returnedLines = cut.returnedLines();
            this.original = originalHeaders();
            StringBuilder hs = new StringBuilder();
            for (String[] f : top.fields()) {
                String n = f[0].toLowerCase(Locale.ROOT);
                if (n.equals("from") || n.equals("subject") || n.equals("received") || n.startsWith("x-")
                        || n.equals("message-id")) {
                    hs.append(f[1].toLowerCase(Locale.ROOT)).append('\n');
                }
            }
            boolean hasDs = false;
            for (MimeWalk.Part p : w.parts()) {
                if (p.depth() == 0 && p.mimeType().endsWith("delivery-status")) hasDs = true;
            }
            this.decodedBy = Formats.detect(hs.toString(), lowerBounce, hasDs);
        }

        private final List<String> bounceLines;
        private final List<String> returnedLines;
        private List<String> lowerLines;
        private final java.util.Map<String, String> blocks = new java.util.HashMap<>();

        List<String> bounceLines() {
            return bounceLines;
        }

        private String originalSubject;

        /** The returned message's Subject, RFC 2047 words decoded (once per notice, not once per recipient). */
        String originalSubject() {
            if (originalSubject == null) originalSubject = original.decoded("Subject");
            return originalSubject;
        }

        /** {@link TextBounce#blockFor} for {@code address} in this notice (asked once per address and reused). */
        String blockFor(String address) {
            String b = blocks.get(address);
            if (b == null) {
                if (address.isEmpty() || !lowerBounce.contains(address)) {
                    b = "";
                } else {
                    if (lowerLines == null) lowerLines = TextBounce.lower(bounceLines);
                    b = TextBounce.blockFor(bounceLines, lowerLines, lowerBounce, address);
                }
                blocks.put(address, b);
            }
            return b;
        }

        Headers originalHeaders() {
            if (!w.attached().isEmpty()) return w.attached();
            for (MimeWalk.Part p : w.parts()) {
                if (p.depth() == 0 && p.mimeType().equals("text/plain")
                        && p.headers().get("Content-Disposition").toLowerCase(Locale.ROOT).startsWith("attachment")) {
                    Headers h = Headers.parse(p.text());
                    if (h.has("Message-ID") || h.has("From") && h.has("Subject")) return h;
                }
                // RFC 3462 text/rfc822-headers, RFC 6533 message/global-headers, RFC 6532 message/global (not recursed).
                if (p.depth() == 0 && (p.mimeType().equals("text/rfc822-headers")
                        || p.mimeType().equals("message/rfc822-headers") || p.mimeType().equals("message/rfc822")
                        || p.mimeType().equals("message/global-headers") || p.mimeType().equals("message/global"))) {
                    Headers h = Headers.parse(p.text());
                    if (!h.isEmpty()) return h;
                }
            }
            if (!returnedText.isEmpty()) {
                // Skip the marker line and blank lines, then read a header block.
                List<String> lines = returnedLines;
                int i = 0;
                while (i < lines.size() && (lines.get(i).isBlank() || lines.get(i).indexOf(':') < 0
                        || lines.get(i).startsWith("-") || lines.get(i).indexOf(' ') < lines.get(i).indexOf(':'))) {
                    i++;
                    if (i > 5) break;
                }
                StringBuilder sb = new StringBuilder();
                for (int j = i; j < lines.size() && j < i + 200; j++) sb.append(lines.get(j)).append('\n');
                return Headers.parse(sb.toString());
            }
            return Headers.EMPTY;
        }

        BounceResult result() {
            Optional<BounceResult> arf = feedback();
            if (arf.isPresent()) return arf.get();
            Optional<BounceResult> challenge = challengeResponse();
            if (challenge.isPresent()) return challenge.get();
            List<BounceRecord> recs = fromDeliveryStatus();
            if (recs.isEmpty() && nesting == 0 && attachedIsBounce()) {
                BounceResult inner = new Run(w.attachedAsTop(), 1).result();
                if (inner instanceof BounceResult.Bounces) return inner;
            }
            if (recs.isEmpty() && looksLikeBounce()) recs = fromText();
            if (!recs.isEmpty()) return new BounceResult.Bounces(recs);
            Optional<BounceResult> inline = inlineBounce();
            if (inline.isPresent()) return inline.get();
            Optional<BounceResult> refusal = listRefusal();
            if (refusal.isPresent()) return refusal.get();
            Optional<BounceResult> auto = autoReply();
            if (auto.isPresent()) return auto.get();
            if (looksLikeBounce()) return new BounceResult.NotABounce("looks like a bounce but names no recipient");
            return new BounceResult.NotABounce("no delivery-status part, no bounce markers, no auto-reply headers");
        }

        /** The returned message is itself a bounce (a bounce of a bounce, or a bounce forwarded as an attachment). */
        boolean attachedIsBounce() {
            Headers a = w.attached();
            if (a.isEmpty()) return false;
            String from = a.get("From").toLowerCase(Locale.ROOT);
            return from.contains("mailer-daemon") || from.contains("postmaster")
                    || a.get("Content-Type").toLowerCase(Locale.ROOT).contains("report-type=delivery-status")
                    || a.get("Content-Type").toLowerCase(Locale.ROOT).contains("report-type=\"delivery-status\"");
        }

        /** A bounce pasted or forwarded as plain text below a note: parse the rest as an email of its own. */
        Optional<BounceResult> inlineBounce() {
            if (nesting > 0 || returnedText.isBlank()) return Optional.empty();
            String rest = returnedText;
            int nl = rest.indexOf('\n');
            if (rest.startsWith("From ") && nl > 0) rest = rest.substring(nl + 1); // mbox separator line
            try {
                BounceResult r = new Run(MimeWalk.walk(bareCrToLf(rest.getBytes(java.nio.charset.StandardCharsets.UTF_8))), nesting + 1)
                        .result();
                return r instanceof BounceResult.Bounces || r instanceof BounceResult.Complaint
                        ? Optional.of(r) : Optional.empty();
            } catch (MimeException | IOException e) {
                return Optional.empty();
            }
        }

        // ---- ARF (RFC 5965) ----
        Optional<BounceResult> feedback() {
            for (MimeWalk.Part p : w.parts()) {
                if (p.depth() != 0 || !p.mimeType().equals("message/feedback-report")) continue;
                Headers f = Headers.parse(p.text());
                String type = f.get("Feedback-Type").toLowerCase(Locale.ROOT).trim();
                if (type.isEmpty()) type = "other";
                List<String> rcpts = new ArrayList<>();
                for (String v : f.all("Original-Rcpt-To")) rcpts.add(Codes.address(v));
                if (rcpts.isEmpty()) {
                    rcpts.add(Codes.address(firstNonEmpty(f.get("Removal-Recipient"), original.get("To"), top.get("To"))));
                }
                String from = firstNonEmpty(original.get("From"), f.get("Original-Mail-From"));
                List<BounceRecord> recs = new ArrayList<>();
                for (String rcpt : rcpts) {
                    if (recs.size() >= 1000) break;
                    recs.add(complaintRecord(rcpt, type, "ARF", "dsn.arf.feedback-type", "Feedback-Type: " + type,
                            f.get("Reporting-MTA"), f.get("Arrival-Date"), from));
                }
                return Optional.of(new BounceResult.Complaint(recs));
            }
            if (top.has("X-Apple-Unsubscribe") || top.has("X-HmXmrOriginalRecipient")) {
                boolean unsub = top.has("X-Apple-Unsubscribe");
                String rcpt = unsub ? Codes.address(topFrom) : Codes.address(top.get("X-HmXmrOriginalRecipient"));
                String type = unsub ? "opt-out" : "abuse";
                return Optional.of(new BounceResult.Complaint(List.of(complaintRecord(rcpt, type, "ARF",
                        unsub ? "dsn.arf.unsubscribe-notice" : "dsn.arf.jmrp",
                        unsub ? "X-Apple-Unsubscribe" : "X-HmXmrOriginalRecipient", "", "", original.get("From")))));
            }
            return Optional.empty();
        }

        BounceRecord complaintRecord(String rcpt, String type, String by, String rule, String matched, String reporting,
                               String arrival, String from) {
            Evidence ev = new Evidence(0, "", "", SmtpPhase.NONE, MailDomain.of(rcpt), matched);
            Classification c = new Classification(Outcome.COMPLAINT, Reason.FEEDBACK, rule, ev);
            BounceRecord r = new BounceRecord(rcpt, "", "", "", "", "", "", Codes.untyped(reporting), arrival, "",
                    original.get("Message-ID"), "", original.decoded("Subject"), from, type, by, SmtpPhase.NONE, c, false);
            return r;
        }

        // ---- RFC 3464 ----
        List<BounceRecord> fromDeliveryStatus() {
            List<String> reports = new ArrayList<>();
            for (MimeWalk.Part p : w.parts()) {
                if (p.depth() == 0 && (p.mimeType().equals("message/delivery-status")
                        || p.mimeType().equals("message/global-delivery-status"))) {
                    reports.add(p.text());
                }
            }
            if (reports.isEmpty() && (lowerBounce.contains("final-recipient:") || lowerBounce.contains("original-recipient:"))) {
                reports.add(bounceText);
            }
            Headers perMessage = Headers.EMPTY;
            List<BounceRecord> out = new ArrayList<>();
            // Each report part is read on its own: a recipient repeated inside one report is one recipient, the
            // same recipient in two reports (two bounces in one email) is two records.
            for (String ds : reports) {
                Set<String> seen = new HashSet<>();
                for (Headers b : Headers.blocks(ds)) {
                    boolean isRecipient = b.has("Final-Recipient") || b.has("Original-Recipient");
                    if (!isRecipient) {
                        if (perMessage.isEmpty()) perMessage = b;
                        continue;
                    }
                    String rcpt = Codes.address(b.get("Final-Recipient"));
                    if (rcpt.isEmpty() || rcpt.indexOf('@') < 0) {
                        String orig = Codes.address(b.get("Original-Recipient"));
                        if (!orig.isEmpty()) rcpt = orig;
                    }
                    if (rcpt.isEmpty() || !seen.add(rcpt + "|" + b.get("Status"))) continue;
                    if (out.size() >= 1000) break;
                    String diagField = b.get("Diagnostic-Code");
                    String diagType = "";
                    String diag = diagField;
                    int semi = diagField.indexOf(';');
                    if (semi > 0 && semi < 20 && diagField.substring(0, semi).trim().matches("[A-Za-z0-9-]+")) {
                        diagType = diagField.substring(0, semi).trim().toLowerCase(Locale.ROOT);
                        diag = diagField.substring(semi + 1).trim();
                    }
                    if (diag.isEmpty()) diag = TextBounce.recipientLine(bounceLines(), rcpt);
                    diag = TextBounce.wholeReply(bounceLines(), diag);
                    if (diag.isEmpty() || diag.length() < 8 && !diag.chars().anyMatch(Character::isLetter)) {
                        String block = blockFor(rcpt);
                        if (!block.isEmpty()) diag = (diag + " " + block).trim();
                    }
                    String action = b.get("Action").toLowerCase(Locale.ROOT).trim();
                    int sp = action.indexOf(' ');
                    if (sp > 0) action = action.substring(0, sp);
                    if (action.isEmpty() && delayNotice()) action = "delayed";
                    out.add(record(rcpt, action, Codes.statusField(b.get("Status")),
                            Codes.untyped(b.get("Remote-MTA")), diagType, diag,
                            Codes.untyped(firstNonEmpty(perMessage.get("Reporting-MTA"), b.get("Reporting-MTA"))),
                            firstNonEmpty(perMessage.get("Arrival-Date"), b.get("Arrival-Date")),
                            b.get("Last-Attempt-Date"), perMessage.get("Original-Envelope-Id"), decodedBy));
                }
            }
            return out;
        }

        // ---- non-standard bounces ----
        boolean looksLikeBounce() {
            String from = topFrom.toLowerCase(Locale.ROOT);
            String subj = subject.toLowerCase(Locale.ROOT);
            String ct = top.get("Content-Type").toLowerCase(Locale.ROOT);
            if (ct.contains("report-type=delivery-status") || ct.contains("report-type=\"delivery-status\"")) return true;
            if (from.contains("mailer-daemon") || from.contains("postmaster") || from.contains("mail delivery")
                    || from.contains("post_master") || from.contains("mail administrator")
                    || from.contains("mail-daemon") || from.contains("mailerdaemon")) return true;
            if (top.has("X-Failed-Recipients")) return true;
            if (BOUNCE_SUBJECT_F.find(subj) != null) return true;
            String head = lowerBounce.length() > 1500 ? lowerBounce.substring(0, 1500) : lowerBounce;
            if (BOUNCE_SUBJECT_F.find(head) != null || head.contains("mailbox is full")
                    || head.contains("invalid user") || head.contains("no such user") || head.contains("not a valid user")
                    || head.contains("user unknown") || head.contains("unknown user")) return true;
            return !decodedBy.equals("Text") && !decodedBy.equals("RFC3464") && (lowerBounce.contains("@")
                    || top.has("X-Failed-Recipients"));
        }

        List<BounceRecord> fromText() {
            Set<String> exclude = new HashSet<>();
            addAddr(exclude, top.get("To"));
            addAddr(exclude, topFrom);
            addAddr(exclude, original.get("From"));
            addAddr(exclude, original.get("Return-Path"));
            addAddr(exclude, top.get("Reply-To"));
            List<TextBounce.Found> found = new ArrayList<>(TextBounce.scan(bounceLines(), exclude));
            // Exim's X-Failed-Recipients lists every failed address: one the text layout did not find is added
            // (its diagnostic is the paragraph naming it, else the notice).
            Set<String> have = new HashSet<>();
            for (TextBounce.Found f : found) have.add(f.address());
            Set<String> failed = new java.util.LinkedHashSet<>();
            addAddr(failed, top.get("X-Failed-Recipients"));
            if (!found.isEmpty()) {
                for (String a : failed) {
                    if (have.add(a) && found.size() < 1000) {
                        found.add(new TextBounce.Found(a, blockFor(a)));
                    }
                }
            }
            if (found.isEmpty() && failed.size() > 1) {
                for (String a : failed) {
                    if (found.size() < 1000) found.add(new TextBounce.Found(a, blockFor(a)));
                }
            }
            if (found.isEmpty()) found.addAll(localPartList());
            if (found.isEmpty()) {
                String fallback = Codes.address(firstNonEmpty(top.get("X-Failed-Recipients"),
                        top.get("X-Original-To"), original.get("To"), original.get("Envelope-To"),
                        original.get("Delivered-To")));
                if (fallback.isEmpty() || fallback.indexOf('@') < 0 || exclude.contains(fallback)
                        && !top.has("X-Failed-Recipients")) {
                    return List.of();
                }
                found = List.of(new TextBounce.Found(fallback, trimmedBounce()));
            }
            List<BounceRecord> out = new ArrayList<>();
            for (TextBounce.Found f : found) {
                if (out.size() >= 1000) break;
                String diag = f.diagnostic();
                if (diag.isBlank()) diag = trimmedBounce();
                if (Codes.replyCode(diag).isEmpty() && Codes.status(diag).isEmpty() && found.size() == 1) {
                    String all = trimmedBounce();
                    if (!Codes.replyCode(all).isEmpty() || !Codes.status(all).isEmpty()) diag = (diag + "\n" + all).trim();
                }
                out.add(record(f.address(), delayNotice() ? "delayed" : "failed", "", "", "", diag, "", "", "", "",
                        decodedBy));
            }
            return out;
        }

        private static final java.util.regex.Pattern LOCAL_PART = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");

        /**
         * Notices that list the failed recipients by local part only under a "following recipient(s)" line (AOL's
         * AIRmail: screen names; Novell GroupWise: user ids), the domain being the notice's own (its From's): each
         * such name becomes local@domain, with the notice as its diagnostic.
         */
        List<TextBounce.Found> localPartList() {
            String domain = MailDomain.of(Codes.address(topFrom));
            if (domain.isEmpty()) return List.of();
            List<String> lines = bounceLines();
            List<TextBounce.Found> out = new ArrayList<>();
            for (int i = 0; i < lines.size() && out.isEmpty(); i++) {
                String l = lines.get(i).toLowerCase(Locale.ROOT);
                if (!l.contains("following recipient") || !l.stripTrailing().endsWith(":")) continue;
                for (int j = i + 1; j < lines.size() && out.size() < 100; j++) {
                    String t = lines.get(j).strip();
                    if (t.isEmpty()) {
                        if (out.isEmpty()) continue;
                        break;
                    }
                    if (!LOCAL_PART.matcher(t).matches()) break;
                    out.add(new TextBounce.Found(t.toLowerCase(Locale.ROOT) + "@" + domain, trimmedBounce()));
                }
            }
            return out;
        }

        String trimmedBounce() {
            String t = bounceText.strip();
            return t.length() > MAX_DIAGNOSTIC ? t.substring(0, MAX_DIAGNOSTIC) : t;
        }

        // ---- mailing-list refusals ----
        private static final java.util.regex.Pattern LIST_REFUSAL = java.util.regex.Pattern.compile(
                "(?:are|is) not (?:a )?member(?:s)? of (?:this|the|our) (?:mailing )?list|only (?:list )?members (?:may|can) post"
                + "|non-?members? (?:are not allowed|may not|cannot) post|posts? from non-?members");
        private static final java.util.regex.Pattern LIST_ADDRESS = java.util.regex.Pattern.compile(
                "(?:mailing )?list <([^<>\\s@]+@[^<>\\s]+)>");

        /**
         * A mailing-list manager (RFC 2369 List-* headers, or its own Mailing-List / X-ML* headers) answering a post
         * with "you are not a member of this list": the list refused the message, one record, reason rejected. The
         * recipient is the list address the notice names, else the notice's To.
         */
        Optional<BounceResult> listRefusal() {
            if (nesting > 0) return Optional.empty();
            boolean list = top.has("List-Id") || top.has("List-Post") || top.has("List-Subscribe") || top.has("Mailing-List")
                    || top.has("X-MLServer") || top.has("X-ML-Name") || top.has("X-Mailing-List");
            if (!list) return Optional.empty();
            String head = lowerBounce.length() > 2000 ? lowerBounce.substring(0, 2000) : lowerBounce;
            var m = LIST_REFUSAL.matcher(head);
            if (!m.find()) return Optional.empty();
            var a = LIST_ADDRESS.matcher(head);
            String rcpt = a.find() ? Codes.clean(a.group(1)) : Codes.address(top.get("To"));
            if (rcpt.isEmpty() || rcpt.indexOf('@') < 0) return Optional.empty();
            int end = head.indexOf('\n', m.end());
            int start = head.lastIndexOf('\n', m.start()) + 1;
            if (end < 0) end = head.length();
            String source = bounceText.length() == lowerBounce.length() ? bounceText : lowerBounce;
            String line = source.substring(start, end).strip();
            return Optional.of(new BounceResult.Bounces(List.of(
                    record(rcpt, "failed", "", "", "", line, "", "", "", "", decodedBy))));
        }

        // ---- delay warnings ----
        private static final java.util.regex.Pattern DELAY_SUBJECT = java.util.regex.Pattern.compile(
                "warning: (?:message|could not send)|delayed mail|message delayed|delivery delayed|\\(delay\\)"
                + "|still being retried|delivery status notification \\(delay|mail delivery delayed|delivery delay notification");
        private static final java.util.regex.Pattern DELAY_TEXT = java.util.regex.Pattern.compile(
                "this is a warning (?:message )?only|(?:you )?do not need to resend|has not yet been delivered|not been delivered yet"
                + "|could not be delivered yet|delivery attempts will continue|will (?:keep|continue) (?:trying|to try|retrying|to attempt)"
                + "|(?:is )?still being retried|no action is required on your part|will (?:be )?retr(?:y|ied) (?:again )?(?:later|until|for)"
                + "|(?:has|have) been delayed|delivery (?:is |has been )?delayed|message (?:is |has been )?delayed");
        private static final java.util.regex.Pattern FINAL_TEXT = java.util.regex.Pattern.compile(
                "permanent fatal errors?|this is a permanent error|giving up|gave up|will not be retried|no further (?:delivery )?attempts"
                + "|not going to try again|has been returned|could not be delivered for|have been failing for|\\bexpired\\b"
                + "|message (?:could not|cannot) be delivered to (?:one or more|the following)");
        // Guarded by literal prefilters (a String.indexOf per alternative before any regex runs): every email pays this.
        private static final Prefilter.Split DELAY_SUBJECT_F = new Prefilter.Split(DELAY_SUBJECT);
        private static final Prefilter.Split DELAY_TEXT_F = new Prefilter.Split(DELAY_TEXT);
        private static final Prefilter.Split FINAL_TEXT_F = new Prefilter.Split(FINAL_TEXT);
        private Boolean delay;

        /**
         * A delay warning (RFC 3464 §2.3.3 "delayed" sent as text, Sendmail's "Warning: could not send message for past
         * 4 hours", Exim's "Warning: message ... delayed N hours" / "has not yet been delivered", Postfix's "Delayed
         * Mail (still being retried)", Exchange's "Delivery Status Notification (Delay)"): the MTA keeps trying, so its
         * records are DEFERRED, never a final bounce. The subject or the notice's opening says so and nothing in the
         * notice says the MTA gave up.
         */
        boolean delayNotice() {
            if (delay == null) {
                String head = lowerBounce.length() > 2000 ? lowerBounce.substring(0, 2000) : lowerBounce;
                boolean says = DELAY_SUBJECT_F.find(subject.toLowerCase(Locale.ROOT)) != null || DELAY_TEXT_F.find(head) != null;
                delay = says && FINAL_TEXT_F.find(head) == null;
            }
            return delay;
        }

        // ---- challenge-response ----
        private static final java.util.regex.Pattern CHALLENGE = java.util.regex.Pattern.compile(
                "requires confirmation|confirm this mail server|guest list|not pre-?approved|has been waitlisted"
                + "|challenge[- ]response|protected by bluebottle|verify (?:that )?you are (?:a )?(?:real )?(?:person|human)"
                + "|(?:add|put) yourself (?:to|on) my (?:whitelist|approved|guest)|spamarrest|spam arrest"
                + "|is awaiting (?:your )?(?:verification|confirmation)|please confirm (?:that )?you (?:are|sent)");

        private static final Prefilter.Split CHALLENGE_F = new Prefilter.Split(CHALLENGE);

        /**
         * A challenge-response system (Boxbe, Bluebottle, TMDA, Spam Arrest, a receiver asking to "confirm this mail
         * server") asks the sender to prove itself before the mail is let through: a request to the sender, not a
         * verdict on the mailbox, reported as an {@link BounceResult.AutoReply} (no delivery outcome). Read in the
         * notice and in the delivery-status fields, where a C/R receiver's reply ends up when a relay bounces it.
         */
        Optional<BounceResult> challengeResponse() {
            String marker = top.get("X-Delivery-Agent").startsWith("TMDA") ? "X-Delivery-Agent: TMDA" : null;
            if (marker == null) {
                marker = CHALLENGE_F.find(lowerBounce.length() > 3000 ? lowerBounce.substring(0, 3000) : lowerBounce);
            }
            if (marker == null) {
                for (MimeWalk.Part p : w.parts()) {
                    if (p.depth() == 0 && p.mimeType().endsWith("delivery-status")) {
                        String ds = p.text();
                        marker = CHALLENGE_F.find((ds.length() > 3000 ? ds.substring(0, 3000) : ds).toLowerCase(Locale.ROOT));
                        break;
                    }
                }
            }
            if (marker == null) return Optional.empty();
            return Optional.of(new BounceResult.AutoReply(Codes.address(topFrom), subject, marker,
                    "dsn.autoreply.challenge-response"));
        }

        // ---- RFC 3834 ----
        Optional<BounceResult> autoReply() {
            String as = top.get("Auto-Submitted").toLowerCase(Locale.ROOT);
            String marker = "";
            String rule = "";
            if (as.startsWith("auto-replied")) {
                marker = "Auto-Submitted: " + as;
                rule = "dsn.autoreply.auto-submitted";
            } else if (top.has("X-Autoreply") || top.has("X-Autorespond") || top.has("X-Auto-Reply")) {
                marker = "X-Autoreply";
                rule = "dsn.autoreply.x-autoreply";
            } else if (top.get("Precedence").equalsIgnoreCase("auto_reply")) {
                marker = "Precedence: auto_reply";
                rule = "dsn.autoreply.precedence";
            } else {
                String s = subject.toLowerCase(Locale.ROOT);
                if (s.matches("(?s)^(auto(matic)? ?(reply|response|answer)|auto:|out of (the )?office|vacation|away|abwesenheit|absence|r[ée]ponse automatique|自動).*")) {
                    marker = "Subject: " + subject;
                    rule = "dsn.autoreply.subject";
                }
            }
            if (rule.isEmpty()) return Optional.empty();
            return Optional.of(new BounceResult.AutoReply(Codes.address(topFrom), subject, marker, rule));
        }

        // ---- one record ----
        BounceRecord record(String rcpt, String action, String statusField, String remoteMta, String diagType,
                            String diag, String reportingMta, String arrival, String lastAttempt, String envid,
                            String by) {
            if (diag.length() > MAX_DIAGNOSTIC) diag = diag.substring(0, MAX_DIAGNOSTIC);
            String said = BounceRules.relayedReply(diag);
            String reply = Codes.replyCode(said);
            String inText = Codes.status(said);
            if (inText.isEmpty() && said != diag) inText = Codes.status(diag); // the wrapper's own code, if the reply has none
            String status = Codes.prefer(statusField, inText, reply);
            if (!reply.isEmpty() && !status.isEmpty() && reply.charAt(0) != status.charAt(0) && status.charAt(0) != '2') {
                reply = Codes.replyCodeOfClass(said, status.charAt(0));
            }
            String lower = ruleText(diagType, said);
            SmtpPhase phase = Codes.phase(lower);
            if (phase == SmtpPhase.NONE) phase = Codes.phase(blockFor(rcpt));
            String domain = MailDomain.of(rcpt);
            int code = reply.isEmpty() ? 0 : Integer.parseInt(reply);
            ReplyInput in = new ReplyInput(code, EnhancedStatus.tryParse(status), diag, phase, domain);
            String mtaHosts = (reportingMta + " " + remoteMta).toLowerCase(Locale.ROOT);
            Classification c = classify(in, lower, status, action, reply, mtaHosts);
            if (c.reason() == Reason.ONHOLD || c.reason() == Reason.UNDEFINED) {
                c = generalPass(rcpt, diag, status, action, reply, phase, domain, mtaHosts).orElse(c);
            }
            return new BounceRecord(rcpt, action, status, remoteMta, diagType, diag, reply, reportingMta, arrival,
                    lastAttempt, original.get("Message-ID"), envid, originalSubject(),
                    original.get("From"), "", by, phase, c, hard(c));
        }

        /**
         * No silent fallback: when nothing in the record's own diagnostic decided, the bounce text near the recipient
         * (the paragraph(s) naming it; the whole notice when none does) is read the same way, with every SMTP reply
         * code, RFC 3463 code and wording it carries, before the record is left {@code onhold}. The rule id is
         * {@code dsn.general+<rule>}.
         */
        private Optional<Classification> generalPass(String rcpt, String diag, String status, String action, String reply,
                                                     SmtpPhase phase, String domain, String mtaHosts) {
            String near = blockFor(rcpt);
            String text = near.isBlank() ? trimmedBounce() : near;
            if (text.isBlank() || text.strip().equals(diag.strip())) return Optional.empty();
            if (text.length() > MAX_DIAGNOSTIC) text = text.substring(0, MAX_DIAGNOSTIC);
            String r2 = reply.isEmpty() ? Codes.replyCode(text) : reply;
            String inText = Codes.status(text);
            String s2 = status.isEmpty() || status.endsWith(".0.0") ? Codes.prefer(status, inText, r2) : status;
            if (!r2.isEmpty() && !s2.isEmpty() && r2.charAt(0) != s2.charAt(0) && s2.charAt(0) != '2') {
                r2 = Codes.replyCodeOfClass(text, s2.charAt(0));
            }
            String lower = ruleText("", text);
            SmtpPhase p2 = phase == SmtpPhase.NONE ? Codes.phase(lower) : phase;
            int code = r2.isEmpty() ? 0 : Integer.parseInt(r2);
            Classification g = classify(new ReplyInput(code, EnhancedStatus.tryParse(s2), text, p2, domain), lower, s2,
                    action, r2, mtaHosts);
            if (g.reason() == Reason.ONHOLD || g.reason() == Reason.UNDEFINED) return Optional.empty();
            return Optional.of(new Classification(g.outcome(), g.reason(), "dsn.general+" + g.ruleId(), g.evidence()));
        }

        private Classification classify(ReplyInput in, String lower, String status, String action, String reply,
                                        String mtaHosts) {
            SmtpPhase phase = in.phase();
            Evidence ev = in.evidence();
            Optional<String> cause = BounceRules.causeBeforeGiveUp(lower);
            if (cause.isPresent()) {
                Classification c = classify(in, cause.get(), status, action, reply, mtaHosts);
                if (c.reason() != Reason.ONHOLD && c.reason() != Reason.UNDEFINED) return c;
            }
            // RFC 3463 X.4.7 (delivery time expired) says that the MTA gave up, not why: when the diagnostic quotes
            // the receiver's last reply and its words name a reason (Sendmail's "Status: 4.4.7" with "Diagnostic-Code:
            // 451 mailbox full"), that reason is the one to act on, as it would be from any other MTA.
            String inText = Codes.status(lower);
            if (status.length() == 5 && status.endsWith(".4.7") && in.code() != 0 && !inText.endsWith(".4.7")) {
                Classification c = classify(new ReplyInput(in.code(), EnhancedStatus.tryParse(inText), in.text(),
                        in.phase(), in.recipientDomain()), lower, inText, action, reply, mtaHosts);
                if (c.ruleId().startsWith("text.") && c.reason() != Reason.ONHOLD && c.reason() != Reason.EXPIRED) {
                    return c;
                }
            }
            BounceRules.Hit hit = null;
            if (status.startsWith("2.") || action.equals("delivered") || action.equals("relayed")
                    || action.equals("expanded")) {
                hit = new BounceRules.Hit(Reason.DELIVERED, "dsn.delivered", "Action: " + action);
            }
            if (hit == null && decodedBy.equals("GoogleGroups") && status.isEmpty() && reply.isEmpty()) {
                hit = new BounceRules.Hit(Reason.REJECTED, "dsn.googlegroups.cannot-post", "Google Groups");
            }
            if (hit == null) hit = BounceRules.mailOnly(lower).orElse(null);
            if (hit == null) hit = BounceRules.messageLabsRecipient(mtaHosts, lower).orElse(null);
            if (hit == null) hit = BounceRules.docomoReceptionSettings(mtaHosts, phase, status, lower).orElse(null);
            if (hit == null) hit = BounceRules.mxLookupPermanent(lower, status).orElse(null);
            if (hit == null) hit = BounceRules.beforeCore(lower).orElse(null);
            if (hit == null) hit = BounceRules.connectionPhase(phase).orElse(null);
            if (hit == null) {
                Classification core = CLASSIFIER.classify(new ReplyInput(in.code(), in.enhanced(), lower, phase,
                        in.recipientDomain()));
                if (core.reason() != Reason.UNDEFINED && core.reason() != Reason.ONHOLD
                        && core.reason() != Reason.DELIVERED && !core.ruleId().startsWith("code.")) {
                    hit = BounceRules.userUnknownAway(core.reason(), core.ruleId(), status, phase, lower)
                            .or(() -> BounceRules.bareAccessDenied(core.reason(), core.evidence().matched(), phase, status))
                            .orElse(new BounceRules.Hit(core.reason(), core.ruleId(), core.evidence().matched()));
                }
            }
            if (hit == null) hit = BounceRules.recipientClass(lower, status, phase).orElse(null);
            if (hit == null) hit = BounceRules.expiredStatus(status).orElse(null);
            if (hit == null && action.equals("delayed")) hit = BounceRules.actionDelayed();
            if (hit == null) hit = BounceRules.otherText(lower).orElse(null);
            if (hit == null) hit = BounceRules.otherStatus(status).orElse(null);
            if (hit != null) hit = BounceRules.noticeSaysDisabled(hit, status, lowerBounce).orElse(hit);
            if (phase == SmtpPhase.MAIL && (hit == null || hit.reason() == Reason.USERUNKNOWN
                    || hit.reason() == Reason.HOSTUNKNOWN || hit.reason() == Reason.FILTERED)) {
                hit = new BounceRules.Hit(Reason.REJECTED, "dsn.rejected.mail-from-phase", "MAIL FROM");
            }
            if (hit == null) {
                hit = lower.isBlank() ? new BounceRules.Hit(Reason.UNDEFINED, "dsn.undefined", "")
                        : new BounceRules.Hit(Reason.ONHOLD, "dsn.onhold", "");
            }
            // A "delayed" report whose status is RFC 3463 X.4.7 and whose words say expired (OpenSMTPD's notice for an
            // expired envelope: "Action: delayed", "Status: 4.4.7", "Envelope expired") is the MTA giving up: final.
            boolean hard = isHard(hit.reason(), status, reply, lower);
            Outcome outcome;
            if (hit.reason() == Reason.DELIVERED) outcome = Outcome.DELIVERED;
            else if (action.equals("delayed") && !(status.endsWith(".4.7") && lower.contains("expired"))) {
                outcome = Outcome.DEFERRED;
            }
            else if (hard) outcome = Outcome.BOUNCED_HARD;
            else if (hit.reason().family() == Outcome.BOUNCED_HARD) outcome = Outcome.BOUNCED_SOFT;
            else outcome = hit.reason().family();
            return new Classification(outcome, hit.reason(), hit.ruleId(), ev.withMatched(hit.matched()));
        }

        boolean hard(Classification c) {
            Evidence e = c.evidence();
            String reply = e.replyCode() == 0 ? "" : Integer.toString(e.replyCode());
            // Only a notaccept reads the words (temporary or not): the text is lowered for it alone.
            String lower = c.reason() == Reason.NOTACCEPT ? e.text().toLowerCase(Locale.ROOT) : "";
            return isHard(c.reason(), e.enhancedCode(), reply, lower);
        }

        static boolean isHard(Reason r, String status, String reply, String lower) {
            if (r == Reason.USERUNKNOWN || r == Reason.HOSTUNKNOWN || r == Reason.HASMOVED) return true;
            if (r != Reason.NOTACCEPT) return false;
            if (status.startsWith("5") || reply.startsWith("5")) return true;
            if (status.startsWith("4") || reply.startsWith("4")) return false;
            return !(lower.contains(" temporar") || lower.contains(" persistent"));
        }

        static void addAddr(Set<String> set, String headerValue) {
            if (headerValue.indexOf('@') < 0) return; // no address without one
            var m = Codes.ADDRESS.matcher(headerValue);
            int from = 0;
            while ((from = Codes.findAddress(m, headerValue, from)) >= 0) set.add(Codes.clean(m.group()));
        }
    }

    /**
     * What the rules read: the diagnostic's first {@link #MAX_RULE_TEXT} characters, lower case, addresses and URLs
     * masked (a local part such as "virus-alert@" or a help link says nothing about why a message bounced),
     * Postfix's "Recipient address rejected: " prefix dropped when a reason follows it, and prefixed by the
     * diagnostic type when it is not SMTP (x-unix names a local mailer).
     */
    static String ruleText(String diagType, String diag) {
        String d = diag.length() > MAX_RULE_TEXT ? diag.substring(0, MAX_RULE_TEXT) : diag;
        String lower = squeeze(d.toLowerCase(Locale.ROOT));
        if (lower.contains("://")) lower = mask(lower, "://", "<url>");
        if (lower.indexOf('@') >= 0) lower = mask(lower, "@", "<addr>");
        if (lower.contains("recipient address rejected: ") && !lower.contains("rejected: access denied")) {
            lower = lower.replace("recipient address rejected: ", "");
        }
        if (!diagType.isEmpty() && !diagType.equals("smtp")) lower = diagType + "; " + lower;
        return lower;
    }

    /**
     * Replaces each token around {@code sep} (an address around "@", a URL around "://") by {@code with}: the token
     * extends both ways over characters that can appear in addresses and URLs. Linear time.
     */
    static String mask(String s, String sep, String with) {
        StringBuilder sb = new StringBuilder(s.length());
        int from = 0;
        int at = s.indexOf(sep);
        while (at >= 0) {
            int l = at;
            while (l > from && tokenChar(s.charAt(l - 1), sep)) l--;
            int r = at + sep.length();
            while (r < s.length() && tokenChar(s.charAt(r), sep)) r++;
            if (l < at && r > at + sep.length()) {
                sb.append(s, from, l).append(with);
                if (sep.equals("://")) sb.append(' ').append(urlHost(s, at + sep.length(), r)).append(' ');
            } else {
                sb.append(s, from, r);
            }
            from = r;
            at = s.indexOf(sep, r);
        }
        return sb.append(s, Math.min(from, s.length()), s.length()).toString();
    }

    /**
     * The host of a URL, kept beside its mask: a DNSBL's or filter vendor's lookup link (www.spamhaus.org,
     * ipcheck.proofpoint.com, barracudacentral.org) names who blocked, while its path and query say nothing.
     */
    private static String urlHost(String s, int from, int to) {
        int end = from;
        while (end < to && s.charAt(end) != '/' && s.charAt(end) != '?' && s.charAt(end) != ':' && s.charAt(end) != '#') end++;
        return s.substring(from, end);
    }

    private static boolean tokenChar(char c, String sep) {
        if (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == '+') return true;
        if (sep.equals("://")) return c == '/' || c == '?' || c == '=' || c == '&' || c == '%' || c == '#' || c == ':' || c == '~';
        return c == '%' || c == '=' || c == '\'' || c == '!' || c == '#' || c == '$' || c == '&' || c == '*' || c == '/'
                || c == '?' || c == '^' || c == '`' || c == '{' || c == '|' || c == '}' || c == '~';
    }

    /** Runs of white space (line breaks of a folded text) become one space. */
    static String squeeze(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean space = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                space = true;
            } else {
                if (space && sb.length() > 0) sb.append(' ');
                space = false;
                sb.append(c);
            }
        }
        return sb.toString();
    }

    static String firstNonEmpty(String... vs) {
        for (String v : vs) {
            if (v != null && !v.isBlank()) return v;
        }
        return "";
    }

    /**
     * Old Mac mail stores lines ended by a lone CR, which MIME parsers do not split on: such CRs become LF
     * (CRLF pairs are left alone). Returns the input itself when it has no lone CR.
     */
    static byte[] bareCrToLf(byte[] b) {
        int i = 0;
        for (; i < b.length; i++) {
            if (b[i] == '\r' && (i + 1 == b.length || b[i + 1] != '\n')) break;
        }
        if (i == b.length) return b;
        byte[] out = b.clone();
        for (; i < out.length; i++) {
            if (out[i] == '\r' && (i + 1 == out.length || out[i + 1] != '\n')) out[i] = '\n';
        }
        return out;
    }

    /** A forwarded bounce ("> " on most lines) is read without the quoting. */
    static StringBuilder unquote(StringBuilder text) {
        if (text.indexOf("\n>") < 0 && (text.length() == 0 || text.charAt(0) != '>')) return text;
        List<String> lines = Lines.split(text.toString());
        int quoted = 0, nonBlank = 0;
        for (String l : lines) {
            if (l.isBlank()) continue;
            nonBlank++;
            if (l.startsWith(">")) quoted++;
        }
        if (nonBlank < 5 || quoted * 2 < nonBlank) return text;
        StringBuilder sb = new StringBuilder(text.length());
        for (String l : lines) {
            String u = l;
            if (u.startsWith("> ")) u = u.substring(2);
            else if (u.equals(">")) u = "";
            sb.append(u).append('\n');
        }
        return sb;
    }

    /**
     * Text of an HTML part, in one linear pass: script and style elements dropped, tags removed (block ends and
     * {@code <br>} become line breaks), the five common entities decoded.
     */
    static String stripHtml(String html) {
        StringBuilder sb = new StringBuilder(html.length());
        String lower = html.toLowerCase(Locale.ROOT);
        int i = 0, n = html.length();
        while (i < n) {
            char c = html.charAt(i);
            if (c == '<') {
                if (lower.startsWith("<script", i) || lower.startsWith("<style", i)) {
                    String close = lower.startsWith("<script", i) ? "</script" : "</style";
                    int end = lower.indexOf(close, i);
                    int gt = end < 0 ? -1 : lower.indexOf('>', end);
                    i = gt < 0 ? n : gt + 1;
                    continue;
                }
                int gt = html.indexOf('>', i);
                if (gt < 0) {
                    sb.append(html, i, n);
                    break;
                }
                boolean block = lower.startsWith("<br", i) || lower.startsWith("</p", i) || lower.startsWith("</div", i)
                        || lower.startsWith("</tr", i) || lower.startsWith("</li", i) || lower.startsWith("</h", i)
                        || lower.startsWith("<p", i) || lower.startsWith("<div", i);
                sb.append(block ? '\n' : ' ');
                i = gt + 1;
            } else if (c == '&') {
                String[][] entities = {{"&nbsp;", " "}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&quot;", "\""}};
                boolean done = false;
                for (String[] e : entities) {
                    if (html.startsWith(e[0], i)) {
                        sb.append(e[1]);
                        i += e[0].length();
                        done = true;
                        break;
                    }
                }
                if (!done) {
                    sb.append(c);
                    i++;
                }
            } else {
                sb.append(c);
                i++;
            }
        }
        return sb.toString();
    }
}
