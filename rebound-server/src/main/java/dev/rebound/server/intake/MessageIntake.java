package dev.rebound.server.intake;

import dev.rebound.server.store.AcceptResult;
import dev.rebound.server.store.NewMessage;
import dev.rebound.server.store.Store;
import java.nio.charset.StandardCharsets;

/**
 * The one door into the queue for both listeners: store (commit + fsync) first, then wake the scheduler.
 * Whoever calls {@link #accept} may acknowledge only after it returns.
 */
public final class MessageIntake {
    private final Store store;
    private final Runnable wake;

    public MessageIntake(Store store, Runnable wake) {
        this.store = store;
        this.wake = wake;
    }

    public AcceptResult accept(NewMessage message) {
        AcceptResult r = store.accept(message);
        if (r instanceof AcceptResult.Created) wake.run();
        return r;
    }

    /** The Message-ID header's value in the header block of {@code raw}, or "" (unfolded, first occurrence). */
    public static String headerMessageId(byte[] raw) {
        int limit = Math.min(raw.length, 64 * 1024);
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
