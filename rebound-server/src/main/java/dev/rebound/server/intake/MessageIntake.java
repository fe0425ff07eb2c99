package dev.rebound.server.intake;

import dev.rebound.server.store.AcceptResult;
import dev.rebound.server.store.NewMessage;
import dev.rebound.server.store.Store;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The one door into the queue for both listeners: complete the header block, store (commit + fsync), then wake
 * the scheduler. Whoever calls {@link #accept} may acknowledge only after it returns.
 *
 * <p>Header completion (RFC 6409 §8.3: a submission server MAY add a missing Message-ID): when the header
 * block has no {@code Message-ID:} field, one line {@code Message-ID: <uuid@helo-name>} is prepended; every
 * other byte of the message is kept verbatim, in order, and a message that has the field is stored exactly as
 * received. The stored {@code headerMessageId} is then the added id, so later evidence (DSNs, provider events)
 * can be matched by Message-ID. A missing {@code Date:} (RFC 6409 §8.2) is deliberately not added: messages
 * with a Message-ID stay byte for byte as submitted. DKIM: a signature made before submission stays valid,
 * because a header field absent at signing time is covered only when the signer "over-signs" Message-ID
 * (lists it in {@code h=} without the field being present, RFC 6376 §5.4.2); such a signature breaks, as it
 * would at any submission server that adds the field.
 */
public final class MessageIntake {
    /** The header block is searched this far for the fields (larger header blocks are not realistic). */
    private static final int HEADER_SCAN_LIMIT = 1024 * 1024;

    private final Store store;
    private final Runnable wake;
    private final String heloName;

    /** @param heloName the domain part of added Message-IDs ({@code delivery.helo-name}) */
    public MessageIntake(Store store, Runnable wake, String heloName) {
        this.store = store;
        this.wake = wake;
        this.heloName = heloName;
    }

    public AcceptResult accept(NewMessage message) {
        AcceptResult r = store.accept(complete(message));
        if (r instanceof AcceptResult.Created) wake.run();
        return r;
    }

    /**
     * Wakes the scheduler after recipients became due by another door than {@link #accept}: held mail released by the
     * removal of its suppression entry (committed by the store before this is called).
     */
    public void wake() {
        wake.run();
    }

    /**
     * Several messages in one store transaction (committed together; a store failure throws and stores none), each
     * header completed as by {@link #accept}; one result per message, in order. The scheduler is woken once.
     */
    public List<AcceptResult> acceptAll(List<NewMessage> messages) {
        List<NewMessage> completed = new ArrayList<>(messages.size());
        for (NewMessage m : messages) completed.add(complete(m));
        List<AcceptResult> r = store.acceptAll(completed);
        if (r.stream().anyMatch(x -> x instanceof AcceptResult.Created)) wake.run();
        return r;
    }

    /** Whether the store can commit now ({@link Store#health()}); listeners refuse early while it cannot. */
    public boolean storeWritable() {
        return store.health().writable();
    }

    /** {@code m} with a Message-ID line prepended when its header block has none (see the class comment). */
    NewMessage complete(NewMessage m) {
        byte[] raw = m.raw();
        if (hasField(raw, "message-id:")) return m;
        // The added line ends like the message's first line (SMTP DATA is CRLF-only; a raw HTTP body may use LF).
        int lf = lineFeed(raw, 0, raw.length);
        String eol = lf < raw.length && (lf == 0 || raw[lf - 1] != '\r') ? "\n" : "\r\n";
        String id = "<" + UUID.randomUUID() + "@" + heloName + ">";
        byte[] line = ("Message-ID: " + id + eol).getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream(line.length + raw.length);
        out.writeBytes(line);
        out.writeBytes(raw);
        return new NewMessage(m.stream(), m.mailFrom(), m.recipients(), out.toByteArray(), id, m.source(),
                m.idempotencyKey(), m.requestHash());
    }

    /** Whether the header block of {@code raw} has a field named by {@code prefix} (lower case, with ':'), empty or not. */
    static boolean hasField(byte[] raw, String prefix) {
        int limit = Math.min(raw.length, HEADER_SCAN_LIMIT);
        int pos = 0;
        while (pos < limit) {
            int nl = lineFeed(raw, pos, limit);
            int end = nl < limit && nl > pos && raw[nl - 1] == '\r' ? nl - 1 : nl;
            if (end == pos) return false; // the empty line: end of the header block
            if (startsWithIgnoreCase(raw, pos, end, prefix)) return true;
            pos = nl + 1;
        }
        return false;
    }

    /** The Message-ID header's value in the header block of {@code raw}, or "" (unfolded, first occurrence). */
    public static String headerMessageId(byte[] raw) {
        int limit = Math.min(raw.length, HEADER_SCAN_LIMIT);
        int pos = 0;
        while (pos < limit) {
            int nl = lineFeed(raw, pos, limit);
            int end = nl < limit && nl > pos && raw[nl - 1] == '\r' ? nl - 1 : nl;
            if (end == pos) return ""; // the empty line: end of the header block
            if (startsWithIgnoreCase(raw, pos, end, "message-id:")) {
                StringBuilder v = new StringBuilder(new String(raw, pos + 11, end - pos - 11, StandardCharsets.ISO_8859_1));
                pos = nl + 1;
                while (pos < limit && (raw[pos] == ' ' || raw[pos] == '\t')) { // folded continuation lines
                    nl = lineFeed(raw, pos, limit);
                    end = nl < limit && raw[nl - 1] == '\r' ? nl - 1 : nl;
                    v.append(new String(raw, pos, end - pos, StandardCharsets.ISO_8859_1));
                    pos = nl + 1;
                }
                return v.toString().strip();
            }
            pos = nl + 1;
        }
        return "";
    }

    private static int lineFeed(byte[] raw, int from, int limit) {
        int i = from;
        while (i < limit && raw[i] != '\n') i++;
        return i;
    }

    private static boolean startsWithIgnoreCase(byte[] raw, int from, int end, String prefix) {
        if (end - from < prefix.length()) return false;
        for (int i = 0; i < prefix.length(); i++) {
            if (Character.toLowerCase((char) (raw[from + i] & 0xff)) != prefix.charAt(i)) return false;
        }
        return true;
    }
}
