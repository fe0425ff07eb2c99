package dev.rebound.server.smtp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.internal.server.Command;
import org.subethamail.smtp.internal.server.HelpMessage;
import org.subethamail.smtp.internal.util.SMTPResponseHelper;
import org.subethamail.smtp.server.Session;

/**
 * BDAT (RFC 3030 CHUNKING), replacing SubEthaSMTP 7.2's command: the chunks of one message are one stream for the
 * handler's {@code data()}; every chunk but the last gets {@code 250} when read, the last one the handler's reply,
 * written only after {@code data()} returned (after the commit). Strict syntax: {@code BDAT <octets> [LAST]}, the
 * size in at most 18 digits, "LAST" in any case (RFC 5321 §2.4: verbs and keywords are case-insensitive).
 *
 * <p>Whatever the outcome, accepted or refused, the mail transaction ends with the reply to the last chunk (RFC 3030
 * §2: after a 4xx/5xx to a BDAT the transaction failed; RFC 5321 §4.1.1.4), and the chunks are always read to the
 * end of the last one, so their octets are never taken for commands. A line other than BDAT between chunks closes
 * the connection (the client is not speaking CHUNKING any more; its octets cannot be told from commands).
 */
final class ChunkedDataCommand implements Command {
    private static final Pattern BDAT = Pattern.compile("(?i)BDAT ([0-9]{1,18})( LAST)?");
    /** A BDAT line is short; anything longer than this between chunks is not one. */
    private static final int MAX_LINE = 512;

    @Override
    public void execute(String commandString, Session session) throws IOException, DropConnectionException {
        if (BulkDataCommand.refusedOutsideATransaction(session)) return;
        Matcher m = BDAT.matcher(commandString.strip());
        if (!m.matches()) {
            session.sendResponse(ListenerReply.BDAT_SYNTAX.line(commandString.strip()));
            return;
        }
        Chunks data = new Chunks(session, Long.parseLong(m.group(1)), m.group(2) != null);
        try {
            String accepted;
            try {
                accepted = session.getMessageHandler().data(data);
            } catch (DropConnectionException e) {
                throw e;
            } catch (RejectException e) {
                data.skip(Long.MAX_VALUE);
                session.sendResponse(e.getErrorResponse());
                return;
            }
            data.skip(Long.MAX_VALUE);
            session.sendResponse(accepted == null ? ListenerReply.DATA_ACCEPTED_WITHOUT_ID.line() : SMTPResponseHelper.buildResponse("250", accepted));
        } catch (Chunks.NotBdat e) {
            throw new DropConnectionException(ListenerReply.BDAT_EXPECTED.code(), ListenerReply.BDAT_EXPECTED.text(e.getMessage()));
        } finally {
            session.resetMailTransaction();
        }
    }

    @Override
    public HelpMessage getHelp() {
        return new HelpMessage("BDAT", "A sequence of BDAT chunks is collected as the message.", "<size> [LAST]");
    }

    @Override
    public String getName() {
        return "BDAT";
    }

    /** The octets of all chunks up to the end of the LAST one, read from the session's raw input. */
    private static final class Chunks extends InputStream {
        /** The line between chunks is not a BDAT command (the message is the line, quoted). */
        static final class NotBdat extends IOException {
            NotBdat(String line) {
                super(line);
            }
        }

        private final Session session;
        private final InputStream in;
        private long remaining;
        private long size;
        private boolean last;

        Chunks(Session session, long size, boolean last) {
            this.session = session;
            this.in = session.getRawInput();
            this.remaining = size;
            this.size = size;
            this.last = last;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            while (remaining == 0) {
                if (last) return -1;
                nextChunk();
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) throw new java.io.EOFException("connection closed inside a BDAT chunk, " + remaining + " octets missing");
            remaining -= n;
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[8192];
            long skipped = 0;
            int k;
            while (skipped < n && (k = read(buf, 0, (int) Math.min(buf.length, n - skipped))) > 0) skipped += k;
            return skipped;
        }

        private void nextChunk() throws IOException {
            session.sendResponse(ListenerReply.BDAT_CHUNK_RECEIVED.line(size));
            String line = readLine();
            Matcher m = BDAT.matcher(line);
            if (!m.matches()) throw new NotBdat(line.length() > 64 ? line.substring(0, 64) + "..." : line);
            remaining = size = Long.parseLong(m.group(1));
            last = m.group(2) != null;
        }

        private String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream(32);
            int prev = -1;
            while (true) {
                int c = in.read();
                if (c < 0) throw new java.io.EOFException("connection closed between BDAT chunks");
                if (prev == '\r' && c == '\n') break;
                if (prev >= 0) line.write(prev);
                prev = c;
                if (line.size() > MAX_LINE) throw new NotBdat(line.toString(StandardCharsets.ISO_8859_1));
            }
            return line.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
