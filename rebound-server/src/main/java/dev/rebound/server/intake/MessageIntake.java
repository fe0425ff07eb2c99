package dev.rebound.server.intake;

import dev.rebound.server.store.AcceptResult;
import dev.rebound.server.store.NewMessage;
import dev.rebound.server.store.Store;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

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
    static String headerMessageId(byte[] raw) {
        int limit = Math.min(raw.length, 64 * 1024);
        String head = new String(raw, 0, limit, StandardCharsets.ISO_8859_1);
        String[] lines = head.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty()) break;
            if (line.toLowerCase(Locale.ROOT).startsWith("message-id:")) {
                StringBuilder v = new StringBuilder(line.substring("message-id:".length()));
                while (i + 1 < lines.length && !lines[i + 1].isEmpty() && (lines[i + 1].charAt(0) == ' ' || lines[i + 1].charAt(0) == '\t')) v.append(lines[++i]);
                return v.toString().strip();
            }
        }
        return "";
    }
}
